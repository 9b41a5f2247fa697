/**
 * Default CPU/memory requests and memory limits per component, written into the CRD as defaults (so
 * the API server fills them and GitOps tools see no diff) and overridable per instance. No CPU limit:
 * throttling a consumer that is behind only makes it further behind. Sized from the startup benchmark
 * (a role at ~150–230 MiB RSS idle) with headroom for the informers' object caches.
 */
import type { ResourceDefaults } from './pod.ts';

export const RESOURCE_DEFAULTS = {
  consumer: { cpu: '200m', memory: '256Mi', memoryLimit: '1Gi' },
  /** The informers cache every object of the cluster. */
  informers: { cpu: '200m', memory: '512Mi', memoryLimit: '2Gi' },
  frontend: { cpu: '100m', memory: '256Mi', memoryLimit: '1Gi' },
  query: { cpu: '50m', memory: '128Mi', memoryLimit: '512Mi' },
  etcd: { cpu: '100m', memory: '256Mi', memoryLimit: '1Gi' },
  jaegerCollector: { cpu: '100m', memory: '256Mi', memoryLimit: '1Gi' },
  jaegerStorage: { cpu: '100m', memory: '512Mi', memoryLimit: '2Gi' },
} satisfies Record<string, ResourceDefaults>;
