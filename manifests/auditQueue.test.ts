/** spec.audit.queue reaches the consumer's runtime config, with the Redis Secrets mounted in the consumer only. */
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderInstance } from './instance.ts';
import { PATHS } from './ports.ts';
import { renderRuntimeConfig } from './runtimeConfig.ts';

const instance = (audit: Record<string, unknown>) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'east' }], audit } });

type Pod = { kind: string; metadata: { name: string }; spec: { template: { spec: { volumes?: { name: string }[] } } } };
const volumes = (inst: ReturnType<typeof instance>, name: string) =>
  ((renderInstance(inst).objects as unknown as Pod[]).find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.spec.volumes ?? []).map((v) => v.name);

describe('spec.audit.queue', () => {
  it('is the memory queue by default', () => {
    const config = parseConfig(renderRuntimeConfig(instance({}), 'consumer'), 'consumer');
    expect(config.audit?.queue.backend).toBe('memory');
    expect(config.audit?.queue.redis).toBeUndefined();
  });

  it('backend redis renders audit.queue.redis with the password and CA as mounted files, and allows several replicas', () => {
    const inst = instance({
      replicas: 3,
      workers: 12,
      queue: { backend: 'redis', redis: { address: 'redis.ops.svc:6379', passwordSecretRef: { name: 'redis-auth' }, tlsSecretRef: { name: 'redis-ca' }, streamPrefix: 'k:audit' } },
    });
    const queue = parseConfig(renderRuntimeConfig(inst, 'consumer'), 'consumer').audit!.queue;
    expect(queue).toMatchObject({
      backend: 'redis',
      partitions: 12,
      redis: { address: 'redis.ops.svc:6379', db: 0, streamPrefix: 'k:audit', maxLen: 1_000_000, passwordFile: `${PATHS.auditQueueRedisPassword}/password`, tls: { caFile: `${PATHS.auditQueueRedisTls}/ca.crt` } },
    });
    expect(volumes(inst, 'k-consumer')).toEqual(expect.arrayContaining(['audit-queue-redis-password', 'audit-queue-redis-tls']));
    expect(volumes(inst, 'k-informers')).not.toContain('audit-queue-redis-password');
  });

  it('refuses backend redis without its server', () => {
    expect(() => instance({ queue: { backend: 'redis' } })).toThrow(/audit.queue.redis is required/);
  });
});
