/** A KelemetryInstance object as the operator and the renderers see it. */
import type { API_VERSION, KIND } from './constants.ts';
import type { KelemetryInstanceSpec } from './schema/spec.ts';
import type { KelemetryInstanceStatus } from './schema/status.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/** A KelemetryInstance with its spec validated and defaulted. */
export interface KelemetryInstance {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: KelemetryInstanceSpec;
  status?: KelemetryInstanceStatus;
}
