/**
 * Reads KelemetryInstance documents outside the API server (synth, the operator's own check, tests):
 * the zod schemas default and validate, then the CEL rules' TypeScript twins run, so both paths refuse
 * the same documents.
 */
import { DNS_LABEL } from '../runtime/config/common.ts';
import { API_VERSION, KIND, MAX_NAME_LENGTH } from './constants.ts';
import type { KelemetryInstance, ObjectMeta } from './instance.ts';
import { crossFieldIssues, kelemetryInstanceSpec, type KelemetryInstanceSpec } from './schema/spec.ts';
import { kelemetryInstanceStatus } from './schema/status.ts';

export class SpecError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid KelemetryInstance ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

/** Validates and defaults a spec, applying the same cross-field rules the CRD enforces with CEL. */
export function parseSpec(doc: unknown, source = 'spec'): KelemetryInstanceSpec {
  const result = kelemetryInstanceSpec.safeParse(doc);
  if (!result.success) {
    throw new SpecError(source, result.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`));
  }
  const issues = crossFieldIssues(result.data);
  if (issues.length) throw new SpecError(source, issues);
  return result.data;
}

/** Reads a KelemetryInstance document (from YAML, the API server or a test) into the typed form. */
export function parseInstance(doc: unknown, source = 'instance'): KelemetryInstance {
  const obj = doc as { apiVersion?: unknown; kind?: unknown; metadata?: ObjectMeta; spec?: unknown; status?: unknown };
  if (!obj || typeof obj !== 'object') throw new SpecError(source, ['not an object']);
  if (obj.apiVersion !== API_VERSION || obj.kind !== KIND) {
    throw new SpecError(source, [`want apiVersion ${API_VERSION} and kind ${KIND}, got ${String(obj.apiVersion)} ${String(obj.kind)}`]);
  }
  if (!obj.metadata?.name) throw new SpecError(source, ['metadata.name is required']);
  const name = obj.metadata.name;
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new SpecError(source, [`metadata.name "${name}": want a DNS label of at most ${MAX_NAME_LENGTH} characters (object names are derived from it)`]);
  }
  const status = obj.status === undefined ? undefined : kelemetryInstanceStatus.safeParse(obj.status);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: obj.metadata,
    spec: parseSpec(obj.spec, `${obj.metadata.namespace ?? 'default'}/${name}`),
    status: status?.success ? status.data : undefined,
  };
}
