/**
 * The vocabulary of audit-derived metrics (spec 9.1): the tags a metric may be labelled or filtered by,
 * and the quantities it may measure. Kept apart from the implementations so the config schema can
 * validate names without importing them.
 */

export const TAG_NAMES = [
  'cluster',
  'apiserverAddr',
  'username',
  'clientAddr',
  'verb',
  'code',
  'errorReason',
  'resourceVersion',
  'hasSelector',
  'group',
  'version',
  'resource',
  'groupResource',
  'subresource',
  'namespace',
  'name',
] as const;
export type TagName = (typeof TAG_NAMES)[number];

export const QUANTIFIER_NAMES = ['request_count', 'request_latency', 'request_latency_ratio', 'mq_latency'] as const;
export type QuantifierName = (typeof QUANTIFIER_NAMES)[number];

export function isTagName(name: string): name is TagName {
  return (TAG_NAMES as readonly string[]).includes(name);
}

export function isQuantifierName(name: string): name is QuantifierName {
  return (QUANTIFIER_NAMES as readonly string[]).includes(name);
}
