/**
 * StringFilter (spec 8.6): a bare string (exact match) or `{exact | oneOf | caseInsensitive | regex,
 * then}`; result = predicate ? then : !then; no predicate = always true; unset filter = match all.
 * Unlike the original, `caseInsensitive` really compares the input case-insensitively (quirk A.11 fixed).
 */
import { z } from 'zod';

export const stringFilterSchema = z.union([
  z.string(),
  z
    .object({
      exact: z.string().optional(),
      oneOf: z.array(z.string()).optional(),
      caseInsensitive: z.string().optional(),
      regex: z.string().optional(),
      then: z.boolean().default(true),
    })
    .refine((f) => [f.exact, f.oneOf, f.caseInsensitive, f.regex].filter((x) => x !== undefined).length <= 1, {
      message: 'a string filter takes at most one of exact, oneOf, caseInsensitive, regex',
    }),
]);
export type StringFilterConfig = z.input<typeof stringFilterSchema>;

export type StringFilter = (value: string) => boolean;

export const matchAll: StringFilter = () => true;

export function compileStringFilter(config: StringFilterConfig | undefined | null): StringFilter {
  if (config === undefined || config === null) return matchAll;
  if (typeof config === 'string') return (v) => v === config;
  const then = config.then ?? true;
  let predicate: StringFilter = () => true;
  if (config.exact !== undefined) {
    const exact = config.exact;
    predicate = (v) => v === exact;
  } else if (config.oneOf !== undefined) {
    const set = new Set(config.oneOf);
    predicate = (v) => set.has(v);
  } else if (config.caseInsensitive !== undefined) {
    const lower = config.caseInsensitive.toLowerCase();
    predicate = (v) => v.toLowerCase() === lower;
  } else if (config.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(config.regex);
    } catch (err) {
      throw new Error(`invalid regex ${JSON.stringify(config.regex)} in string filter: ${(err as Error).message}`);
    }
    predicate = (v) => re.test(v);
  }
  return (v) => (predicate(v) ? then : !then);
}
