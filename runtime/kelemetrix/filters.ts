/**
 * Tag filters and quantity filters (spec 9.1), with the original's defects fixed (spec Appendix A.16):
 *  - `negate` inverts the whole filter ("matches none of oneOf"); the original inverted each choice,
 *    so a negated filter with two distinct choices always passed;
 *  - a quantity filter on a quantity the message has no value for fails; the original compared 0.
 */
import type { KelemetrixQuantityFilterConfig, KelemetrixTagFilterConfig } from '../config/sections/kelemetrix.ts';
import type { QuantifierName, TagName } from '../model/kelemetrixNames.ts';

export interface TagFilter {
  tag: TagName;
  test(value: string): boolean;
}

export interface QuantityFilter {
  quantity: QuantifierName;
  test(value: number | undefined): boolean;
}

export function compileTagFilter(cfg: KelemetrixTagFilterConfig): TagFilter {
  const matchers: ((v: string) => boolean)[] = cfg.isRegex
    ? cfg.oneOf.map((p) => {
        const re = new RegExp(p);
        return (v: string) => re.test(v);
      })
    : cfg.oneOf.map((choice) => (v: string) => v === choice);
  const anyMatches = (v: string) => matchers.some((m) => m(v));
  return { tag: cfg.tag as TagName, test: cfg.negate ? (v) => !anyMatches(v) : anyMatches };
}

const operators: Record<KelemetrixQuantityFilterConfig['operator'], (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
};

export function compileQuantityFilter(cfg: KelemetrixQuantityFilterConfig): QuantityFilter {
  const op = operators[cfg.operator];
  return { quantity: cfg.quantity as QuantifierName, test: (v) => v !== undefined && op(v, cfg.threshold) };
}
