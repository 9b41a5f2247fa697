/**
 * The audit filter and dump of a KelemetryInstance as the consumer's `audit.filter` and `audit.dump` config.
 * The consumer re-reads `audit.filter` from its mounted config file while running, so that part is left out
 * of the pods' config hash: editing the filter in the instance does not roll the consumer pods.
 */
import { parse, stringify } from 'yaml';
import type { KelemetryInstance } from '../api/types.ts';
import { DEFAULT_EXCLUDED_RESOURCES } from '../runtime/config/common.ts';
import type { ConfigInput } from '../runtime/config/schema.ts';
import { DEFAULT_EXCLUDED_USER_AGENTS } from '../runtime/config/sections/audit.ts';

type FilterInput = NonNullable<NonNullable<ConfigInput['audit']>['filter']>;

export function auditFilterConfig(inst: KelemetryInstance): FilterInput {
  const f = inst.spec.audit.filter;
  // The runtime's defaults stay: the instance's lists add to them.
  return {
    excludeTypes: [...DEFAULT_EXCLUDED_RESOURCES, ...f.excludeResources],
    excludeUserAgents: [...DEFAULT_EXCLUDED_USER_AGENTS, ...f.excludeUserAgents],
    excludeUsers: f.excludeUsers,
    excludeNamespaces: f.excludeNamespaces,
    excludeObjects: f.excludeObjects,
    dynamic: f.configMap,
  };
}

/** The consumer's config text without the parts it reloads itself: what its pods' config hash covers. */
export function restartRelevantConfig(configYaml: string): string {
  const doc = parse(configYaml) as { audit?: { filter?: unknown } };
  if (doc.audit) delete doc.audit.filter;
  return stringify(doc);
}

type AuditInput = NonNullable<ConfigInput['audit']>;

/** The optional audit dump (in the pod's /tmp emptyDir), as a part of the audit section. */
export function auditDumpConfig(inst: KelemetryInstance): Pick<AuditInput, 'dump'> {
  const d = inst.spec.audit.dump;
  return d.enabled ? { dump: { file: d.path, maxBytes: d.maxSizeMiB * 1024 * 1024, maxFiles: d.maxFiles } } : {};
}
