/**
 * Audit-derived metrics ("kelemetrix", spec 9.1). Owned by runtime/kelemetrix.
 *
 * Each entry of `metrics` defines one Prometheus metric computed from every audit event the webhook
 * accepts: a quantity (request count, request latency, latency ratio, queue latency), labelled by tags
 * taken from the event, optionally restricted by tag filters and quantity filters (all must pass).
 * Unknown fields, tags and quantifiers are rejected with a message naming the field.
 *
 * The KelemetryInstance API (api/) takes this section as it is, with durations kept as text: the
 * descriptions (worded for the CRD reference), bounds and `x-kubernetes-*` list types here are the CRD's.
 */
import { z } from 'zod';
import { QUANTIFIER_NAMES, TAG_NAMES } from '../../model/kelemetrixNames.ts';
import { checkRegexes, duration } from '../common.ts';

const tagName = z
  .enum(TAG_NAMES, { error: (iss) => `tag "${String(iss.input)}" does not exist; known tags: ${TAG_NAMES.join(', ')}` })
  .meta({ description: 'A tag of an audit event.' });
const quantifierName = z
  .enum(QUANTIFIER_NAMES, { error: (iss) => `quantifier "${String(iss.input)}" does not exist; known quantifiers: ${QUANTIFIER_NAMES.join(', ')}` })
  .meta({ description: 'A quantity measured from an audit event.' });

export const kelemetrixTagFilter = z
  .strictObject({
    tag: tagName.meta({ description: 'The tag the filter tests.' }),
    oneOf: z
      .array(z.string().max(1024).meta({ description: 'A value, or with isRegex an unanchored regular expression.' }))
      .min(1, 'name at least one value')
      .max(64)
      .meta({ description: 'Passes when the tag equals (with isRegex: contains a match of) any of these.' }),
    isRegex: z.boolean().default(false).meta({ description: 'The values of oneOf are unanchored regular expressions (JavaScript syntax).' }),
    // The original negated each choice, so with two or more choices the filter always passed.
    negate: z.boolean().default(false).meta({ description: 'Passes when the tag matches none of oneOf instead.' }),
  })
  .superRefine((f, ctx) => {
    if (f.isRegex) checkRegexes(f.oneOf, ctx, ['oneOf']);
  })
  .meta({ description: 'Keeps only the audit events whose tag passes.' });

export const kelemetrixQuantityFilter = z
  .strictObject({
    quantity: quantifierName.meta({ description: 'The quantity the filter compares.' }),
    operator: z.enum(['<', '>', '<=', '>=']).meta({ description: 'How the quantity is compared with threshold.' }),
    threshold: z.number().meta({ description: 'In the unit of the quantity: seconds for latencies, a plain ratio for request_latency_ratio.' }),
  })
  .meta({ description: 'Keeps only the audit events whose quantity passes the comparison; an event without that quantity fails.' });

export const kelemetrixMetric = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'want a Prometheus metric name: letters, digits and _')
      .meta({ description: 'Base name of the metric: series are {name}_count, {name}_histogram or {name}_summary.' }),
    help: z.string().max(1024).meta({ description: 'Help text of the metric.' }).optional(),
    quantifier: quantifierName.meta({ description: `What the metric measures: ${QUANTIFIER_NAMES.join(', ')}.` }),
    tags: z
      .array(tagName)
      .max(TAG_NAMES.length)
      .default([])
      .meta({ 'x-kubernetes-list-type': 'set' })
      .meta({ description: `Labels of the metric, in this order; each one of ${TAG_NAMES.join(', ')}.` }),
    tagFilters: z.array(kelemetrixTagFilter).max(32).default([]).meta({ description: 'Tag filters; an event counts only when all pass.' }),
    quantityFilters: z.array(kelemetrixQuantityFilter).max(32).default([]).meta({ description: 'Quantity filters; an event counts only when all pass.' }),
  })
  // The API server refuses duplicates through the list types; this says so where it cannot (runtime, synth).
  .superRefine((m, ctx) => {
    m.tags.forEach((t, i) => {
      if (m.tags.indexOf(t) !== i) ctx.addIssue({ code: 'custom', path: ['tags', i], message: `tag "${t}" is listed twice` });
    });
  })
  .meta({ description: 'One metric computed from every audit event the consumer accepts.' });

/**
 * The section, with durations read by `durationSchema` and defaulted by `withDefault`: the runtime's
 * `duration` (milliseconds) or the API's `durationText` (kept as written, rendered into the runtime
 * config unchanged).
 */
export function kelemetrixSectionOf<D extends z.ZodType<unknown, string>, DD extends z.ZodType>(durationSchema: D, withDefault: (text: string) => DD) {
  return z
    .strictObject({
      enabled: z.boolean().default(true).meta({ description: 'Compute and export the metrics (false keeps the definitions but exports nothing).' }),
      defaultRequestTimeout: withDefault('60s').meta({
        description: "The apiservers' --request-timeout, used by request_latency_ratio when a request has no timeoutSeconds.",
      }),
      requestTimeouts: z
        .record(z.string().max(63), durationSchema)
        .default({})
        .meta({ maxProperties: 32 })
        .meta({ description: 'Per-cluster override of defaultRequestTimeout, keyed by a cluster name from spec.clusters.' }),
      metrics: z
        .array(kelemetrixMetric)
        .max(64)
        .default([])
        .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
        .meta({ description: 'The metrics, keyed by name.' }),
    })
    .superRefine((k, ctx) => {
      k.metrics.forEach((m, i) => {
        if (k.metrics.findIndex((o) => o.name === m.name) !== i) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `duplicate metric name "${m.name}"` });
      });
    });
}

export const kelemetrixSection = kelemetrixSectionOf(duration, (text) => duration.prefault(text));

export type KelemetrixConfig = z.output<typeof kelemetrixSection>;
export type KelemetrixMetricConfig = z.output<typeof kelemetrixMetric>;
export type KelemetrixTagFilterConfig = z.output<typeof kelemetrixTagFilter>;
export type KelemetrixQuantityFilterConfig = z.output<typeof kelemetrixQuantityFilter>;
