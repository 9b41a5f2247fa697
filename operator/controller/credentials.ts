/**
 * Credentials the operator provisions for an instance: the audit webhook's bearer token, when the spec
 * asks for token authentication without naming a Secret. Created once with a random token, owned by
 * the instance (garbage-collected with it), never updated or read back into status: rotating it is
 * deleting the Secret (a new token is generated and the consumer pods roll on their next restart).
 */
import { randomBytes } from 'node:crypto';
import { API_VERSION, KIND, type KelemetryInstance } from '../../api/types.ts';
import { FIELD_MANAGER, commonLabels } from '../../manifests/naming.ts';
import { auditTokenRef } from '../../manifests/runtimeConfig.ts';
import { isAlreadyExists } from '../../runtime/k8s/errors.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import type { EventSpec } from './events.ts';
import { SECRET_RESOURCE, collectionPath, objectPath } from './resources.ts';
import type { Problem } from './status.ts';

/** 32 random bytes, base64url: what the apiserver sends as `Authorization: Bearer …`. */
export function newAuditToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The generated token Secret of an instance, or undefined when the spec names its own (or checks no token). */
export function auditTokenSecret(inst: KelemetryInstance, token: string): Record<string, unknown> | undefined {
  const ref = auditTokenRef(inst);
  if (!ref || inst.spec.audit.auth.tokenSecretRef) return undefined;
  const { name, uid } = inst.metadata;
  const namespace = inst.metadata.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: ref.name,
      namespace,
      labels: commonLabels({ name, namespace }, 'consumer'),
      ...(uid ? { ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    stringData: { [ref.key]: token },
  };
}

/** Creates the generated token Secret if it does not exist; a failure is a problem (the consumer pods could not start). */
export async function ensureAuditToken(rest: KubeRest, inst: KelemetryInstance, log: Logger, notify: (e: EventSpec) => void = () => {}): Promise<Problem[]> {
  const secret = auditTokenSecret(inst, newAuditToken()) as { metadata: { name: string; namespace: string } } | undefined;
  if (!secret) return [];
  const { name, namespace } = secret.metadata;
  try {
    if (await rest.find(objectPath(SECRET_RESOURCE, name, namespace))) return [];
    await rest.create(collectionPath(SECRET_RESOURCE, namespace), secret, FIELD_MANAGER);
    log.info('created the audit webhook token', { secret: `${namespace}/${name}` });
    notify({ type: 'Normal', reason: 'AuditTokenCreated', message: `created Secret ${name} with the bearer token the audit webhook requires (kelemetry audit-webhook-config prints the apiserver's kubeconfig)` });
    return [];
  } catch (err) {
    if (isAlreadyExists(err)) return [];
    return [{ reason: 'ApplyFailed', message: `Secret ${name} (audit webhook token): ${(err as Error).message}` }];
  }
}
