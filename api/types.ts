/**
 * The KelemetryInstance API (kelemetry.io/v1alpha1), for the layers above (manifests, operator, cli).
 * The CRD in crds/ is generated from the zod schemas in ./schema (api/crd.ts), so defaults and
 * validation live in the API server: a GitOps tool sees the same object it applied, and the operator
 * never writes spec. Cross-field rules are CEL, with TypeScript twins for synth (./cel.ts).
 */
export { API_VERSION, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.ts';
export type { KelemetryInstance, ObjectMeta } from './instance.ts';
export { SpecError, parseInstance, parseSpec } from './parse.ts';
export type { Persistence, PodOptions } from './schema/pod.ts';
export type { KelemetryInstanceSpec } from './schema/spec.ts';
export type { ComponentStatus, Condition, KelemetryInstanceStatus } from './schema/status.ts';
