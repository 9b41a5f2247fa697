/**
 * Audit-derived metrics ("kelemetrix", spec 9.1). Owned by runtime/kelemetrix.
 *
 * Each entry of `metrics` defines one Prometheus metric computed from every audit event the webhook
 * accepts: a quantity (request count, request latency, latency ratio, queue latency), labelled by tags
 * taken from the event, optionally restricted by tag filters and quantity filters (all must pass).
 * Unknown fields, tags and quantifiers are rejected with a message naming the field.
 */
import { z } from 'zod';
import { QUANTIFIER_NAMES, TAG_NAMES, isQuantifierName, isTagName } from '../../kelemetrix/names.ts';
import { checkRegexes, duration } from '../common.ts';

const tagName = z.string().refine(isTagName, { error: (iss) => `tag "${String(iss.input)}" does not exist; known tags: ${TAG_NAMES.join(', ')}` });
const quantifierName = z.string().refine(isQuantifierName, {
  error: (iss) => `quantifier "${String(iss.input)}" does not exist; known quantifiers: ${QUANTIFIER_NAMES.join(', ')}`,
});

export const kelemetrixTagFilter = z
  .strictObject({
    tag: tagName,
    /** Passes when the tag equals (or, with isRegex, contains a match of) any of these. */
    oneOf: z.array(z.string()).min(1, 'name at least one value'),
    /** Values are unanchored regular expressions. */
    isRegex: z.boolean().default(false),
    /** Passes when the tag matches none of oneOf (the original negated each choice, so ≥ 2 choices always passed). */
    negate: z.boolean().default(false),
  })
  .superRefine((f, ctx) => {
    if (f.isRegex) checkRegexes(f.oneOf, ctx, ['oneOf']);
  });

export const kelemetrixQuantityFilter = z.strictObject({
  quantity: quantifierName,
  operator: z.enum(['<', '>', '<=', '>=']),
  /** In the quantity's unit: seconds for latencies, a plain ratio for request_latency_ratio. */
  threshold: z.number(),
});

export const kelemetrixMetric = z
  .strictObject({
    /** Base name: series are `<name>_count` (counter), `<name>_histogram` or `<name>_summary`, as in the original. */
    name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'want a Prometheus metric name: letters, digits and _'),
    help: z.string().optional(),
    quantifier: quantifierName,
    /** Output labels, in this order. */
    tags: z.array(tagName).default([]),
    tagFilters: z.array(kelemetrixTagFilter).default([]),
    quantityFilters: z.array(kelemetrixQuantityFilter).default([]),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.tags.forEach((t, i) => {
      if (seen.has(t)) ctx.addIssue({ code: 'custom', path: ['tags', i], message: `tag "${t}" is listed twice` });
      seen.add(t);
    });
  });

export const kelemetrixSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** The apiserver's --request-timeout, used by request_latency_ratio when a request has no timeoutSeconds. */
    defaultRequestTimeout: duration.prefault('60s'),
    /** Per-cluster override of defaultRequestTimeout. */
    requestTimeouts: z.record(z.string(), duration).default({}),
    metrics: z.array(kelemetrixMetric).default([]),
  })
  .superRefine((k, ctx) => {
    const seen = new Set<string>();
    k.metrics.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `duplicate metric name "${m.name}"` });
      seen.add(m.name);
    });
  });

export type KelemetrixConfig = z.output<typeof kelemetrixSection>;
export type KelemetrixMetricConfig = z.output<typeof kelemetrixMetric>;
export type KelemetrixTagFilterConfig = z.output<typeof kelemetrixTagFilter>;
export type KelemetrixQuantityFilterConfig = z.output<typeof kelemetrixQuantityFilter>;
