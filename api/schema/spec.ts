/**
 * The spec of a KelemetryInstance: the version every image follows, the clusters, and one section per
 * component (schema/<section>.ts), plus the rules that span sections.
 */
import { z } from 'zod';
import { brokenAt, cel } from '../cel.ts';
import { auditIssues, auditSpec } from './audit.ts';
import { clusterSpec, clustersIssues } from './clusters.ts';
import { dnsLabel } from './common.ts';
import { frontendIssues, frontendSpec } from './frontend.ts';
import { imagesSpec } from './images.ts';
import { informersIssues, informersSpec } from './informers.ts';
import { monitoringIssues, monitoringSpec, networkPolicySpec } from './observability.ts';
import { parseTagMapping } from '../../runtime/tagger/mapping.ts';
import { storageIssues, storageSpec } from './storage.ts';

const CURRENT_CLUSTER_KNOWN = {
  rule: '!has(self.currentCluster) || self.clusters.exists(c, c.name == self.currentCluster)',
  message: 'currentCluster must name one of spec.clusters',
};
const MEMORY_CACHES_SINGLE_REPLICA = {
  rule: "(self.storage.caches.span.backend != 'memory' && self.storage.caches.diff.backend != 'memory') || (self.audit.replicas <= 1 && self.informers.replicas <= 1)",
  message: 'memory caches live in one process: use them only with audit.replicas and informers.replicas at most 1',
};
const REQUEST_TIMEOUT_KEYS = 'every key must name one of spec.clusters';
const REQUEST_TIMEOUTS_KNOWN = {
  rule: '!has(self.audit.kelemetrix) || !has(self.audit.kelemetrix.requestTimeouts) || self.audit.kelemetrix.requestTimeouts.all(k, self.clusters.exists(c, c.name == k))',
  message: `audit.kelemetrix.requestTimeouts: ${REQUEST_TIMEOUT_KEYS}`,
};

export const kelemetryInstanceSpec = z
  .object({
    /** One field drives every image and flag; changing it is an upgrade, rolled in order. */
    version: z
      .string()
      .max(64)
      .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/)
      .meta({
        description:
          'Kelemetry version (e.g. 0.1.0), which picks the default tag of every image; changing it is an upgrade, rolled out stores first, then informers and consumer, then frontend.',
      }),
    /** Unmanaged: the operator leaves every object alone and only reports status. */
    managementState: z
      .enum(['Managed', 'Unmanaged'])
      .default('Managed')
      .meta({ description: 'Managed: the operator creates and updates every object; Unmanaged: it leaves them alone and only reports status.' }),
    images: imagesSpec.meta({ description: 'Container images and how they are pulled.' }).prefault({}),
    clusters: z
      .array(clusterSpec)
      .min(1)
      .max(32)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'The clusters this instance knows, keyed by name; each posts its audit events to /audit/{name}.' }),
    /** The cluster this instance runs in (its informers watch it); defaults to the first cluster. */
    currentCluster: dnsLabel
      .meta({ description: 'The cluster this instance runs in, which its informers watch; one of clusters, the first one when unset.' })
      .optional(),
    audit: auditSpec.prefault({}),
    informers: informersSpec.prefault({}),
    storage: storageSpec.prefault({}),
    frontend: frontendSpec.prefault({}),
    metrics: z
      .object({
        originalNames: z
          .boolean()
          .default(false)
          .meta({ description: "Also serve the original Kelemetry's metric series (<name>_histogram in ns, _summary, _gauge) on every pod's /metrics, for dashboards built for it." }),
      })
      .meta({ description: 'The Prometheus metrics every Kelemetry pod serves on port 9090.' })
      .prefault({}),
    resourceTags: z
      .object({
        mapping: z
          .array(z.string().min(1).max(512))
          .max(64)
          .default(['pods#nodes:spec.nodeName'])
          .meta({ description: "Tags copied from objects onto their spans (the original's resource tagger): resource[.group]#tag:path[;tag:path...]; the default tags Pods with their node." }),
      })
      .meta({ description: 'Span tags taken from the objects themselves.' })
      .prefault({}),
    monitoring: monitoringSpec.prefault({}),
    networkPolicy: networkPolicySpec.prefault({}),
  })
  .meta(cel(CURRENT_CLUSTER_KNOWN, MEMORY_CACHES_SINGLE_REPLICA, REQUEST_TIMEOUTS_KNOWN))
  .meta({ description: 'Desired state of one Kelemetry installation in the instance namespace.' });

export type KelemetryInstanceSpec = z.output<typeof kelemetryInstanceSpec>;

/** The rules that span sections, in TypeScript. */
function specRuleIssues(spec: KelemetryInstanceSpec): string[] {
  const { audit, informers, storage } = spec;
  const names = spec.clusters.map((c) => c.name);
  const memory = storage.caches.span.backend === 'memory' || storage.caches.diff.backend === 'memory';
  return [
    ...brokenAt(spec.currentCluster !== undefined && !names.includes(spec.currentCluster), 'spec.currentCluster', CURRENT_CLUSTER_KNOWN.message),
    ...brokenAt(memory && (audit.replicas > 1 || informers.replicas > 1), 'spec', MEMORY_CACHES_SINGLE_REPLICA.message),
    ...Object.keys(audit.kelemetrix?.requestTimeouts ?? {}).flatMap((k) =>
      brokenAt(!names.includes(k), `spec.audit.kelemetrix.requestTimeouts.${k}`, REQUEST_TIMEOUT_KEYS),
    ),
  ];
}

/**
 * Every CEL rule of the CRD, in TypeScript (each next to its rule in the section's file), so that
 * `kelemetry synth`, which has no API server, refuses the same documents.
 */
export function crossFieldIssues(spec: KelemetryInstanceSpec): string[] {
  return [
    ...clustersIssues(spec.clusters),
    ...specRuleIssues(spec),
    ...auditIssues(spec.audit),
    ...informersIssues(spec.informers),
    ...tagMappingIssues(spec.resourceTags.mapping),
    ...storageIssues(spec.storage),
    ...frontendIssues(spec.frontend),
    ...monitoringIssues(spec.monitoring),
  ];
}

/** A resource tag mapping the runtime would refuse, as a spec error (no CEL: the grammar is not a regex). */
function tagMappingIssues(mapping: string[]): string[] {
  try {
    parseTagMapping(mapping);
    return [];
  } catch (err) {
    return [`spec.resourceTags.mapping: ${(err as Error).message}`];
  }
}
