import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import { applyDecoration } from '../audit/decorator.ts';
import { toMessage } from '../audit/object.ts';
import type { AuditMessage } from '../audit/types.ts';
import { nullLogger } from '../util/log.ts';
import { MemoryDiffCache } from './cache/memory.ts';
import { DiffDecorator, goDuration } from './decorator.ts';
import { RvIndexPolicy } from './types.ts';

const object: RichObject = { cluster: 'c1', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'demo' };
const config = { enabled: true, fetchBackoff: 50, fetchEventTimeout: 15_000, fetchTotalTimeout: 400 };

function setup() {
  const cache = new MemoryDiffCache({ policy: new RvIndexPolicy(), patchTtlMs: 60_000, snapshotTtlMs: 60_000, maxBytes: 1 << 20 });
  const decorator = new DiffDecorator(config, { cache, registry: new Registry(), logger: nullLogger });
  const span = (): SpanEvent => ({ title: 't', traceSource: 'audit', startMs: 0, tags: {}, logs: [] });
  // The object as the webhook resolves it from the event, keyed as `object` (where the cache has entries).
  const msg = (event: AuditMessage['event']): AuditMessage => {
    const m = toMessage({ cluster: 'c1', sourceAddr: '127.0.0.1', receivedAtMs: Date.now(), event: { stageTimestamp: new Date().toISOString(), ...event } });
    return { ...m, object: { ...m.object!, ...object } };
  };
  const decorate = async ({ span, message }: { span: SpanEvent; message: AuditMessage }) => applyDecoration(span, await decorator.decorate({ message, object: message.object! }));
  return { cache, decorate, span, msg };
}

describe('diff decorator', () => {
  it('waits for a diff that the watch writes after the audit event', async () => {
    const { cache, decorate, span, msg } = setup();
    const s = span();
    setTimeout(() => {
      void cache.storePatch(object, {
        InformerTime: new Date().toISOString(),
        OldResourceVersion: '10',
        NewResourceVersion: '11',
        DiffList: { diffs: [{ jsonPath: 'metadata.managedFields[0].time', old: 'a', new: 'b' }, { jsonPath: 'status.observedGeneration', old: 1, new: 2 }] },
      });
    }, 120);
    await decorate({ span: s, message: msg({ verb: 'update', objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'default', name: 'demo', resourceVersion: '10' }, responseObject: { kind: 'Deployment', metadata: { resourceVersion: '11' } } }) });
    expect(s.logs).toEqual([{ type: 'audit/objectDiff', message: 'status.observedGeneration 1 -> 2\n' }]);
    expect(s.tags.newResourceVersion).toBe('11');
    expect(s.tags['informer latency']).toMatch(/ms$/);
  });

  it('gives up after fetchTotalTimeout and marks no-op updates and failures', async () => {
    const { decorate, span, msg } = setup();
    const s = span();
    const t0 = Date.now();
    await decorate({ span: s, message: msg({ verb: 'patch', objectRef: { resource: 'deployments', name: 'demo' }, responseObject: { metadata: { resourceVersion: '99' } } }) });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(s.logs).toEqual([]);
    const noop = span();
    await decorate({ span: noop, message: msg({ verb: 'update', objectRef: { resource: 'deployments', name: 'demo', resourceVersion: '5' }, responseObject: { metadata: { resourceVersion: '5' } } }) });
    expect(noop.logs).toEqual([{ type: 'realVerbose', message: 'No-op update' }]);
    const failed = span();
    await decorate({ span: failed, message: msg({ verb: 'update', objectRef: { resource: 'deployments', name: 'demo' }, responseStatus: { code: 409, reason: 'Conflict', message: 'changed', details: { causes: [{ reason: 'FieldValueInvalid', message: 'bad' }] } } }) });
    expect(failed.logs.map((l) => l.message)).toEqual(['Conflict: changed', 'FieldValueInvalid: bad']);
  });

  it('gives up at once when the event has no new resourceVersion and its cluster indexes diffs by the new one', async () => {
    const { decorate, span, msg } = setup();
    const s = span();
    const t0 = Date.now();
    // Metadata-level audit: no responseObject, so no diff can ever be found for this update.
    await decorate({ span: s, message: msg({ verb: 'update', objectRef: { resource: 'deployments', name: 'demo', resourceVersion: '10' } }) });
    expect(Date.now() - t0).toBeLessThan(config.fetchTotalTimeout / 4);
    expect(s.logs).toEqual([{ type: 'kelemetryError', message: expect.stringMatching(/^NoNewRv: /) }]);
  });

  it('does not wait for the diff of an event older than the diff controller\'s first complete list', async () => {
    const { cache, decorate, span, msg } = setup();
    await cache.storeListedSince('c1', Date.now());
    const s = span();
    const t0 = Date.now();
    // Within fetchEventTimeout, but before the list: the watch never saw this change.
    const stageTimestamp = new Date(Date.now() - 1000).toISOString();
    await decorate({ span: s, message: msg({ stageTimestamp, verb: 'update', objectRef: { resource: 'deployments', name: 'demo', resourceVersion: '10' }, responseObject: { metadata: { resourceVersion: '11' } } }) });
    expect(Date.now() - t0).toBeLessThan(config.fetchTotalTimeout / 4);
    expect(s.logs).toEqual([]);
    // A diff already stored for such an event is still found (one attempt is always made).
    await cache.storePatch(object, { InformerTime: new Date().toISOString(), OldResourceVersion: '11', NewResourceVersion: '12', DiffList: { diffs: [{ jsonPath: 'spec.replicas', old: 1, new: 2 }] } });
    const found = span();
    await decorate({ span: found, message: msg({ stageTimestamp, verb: 'update', objectRef: { resource: 'deployments', name: 'demo', resourceVersion: '11' }, responseObject: { metadata: { resourceVersion: '12' } } }) });
    expect(found.logs).toEqual([{ type: 'audit/objectDiff', message: 'spec.replicas 1 -> 2\n' }]);
  });

  it('attaches the deletion snapshot and hides redacted snapshots', async () => {
    const { cache, decorate, span, msg } = setup();
    await cache.storeSnapshot(object, 'deletion', { ResourceVersion: '20', Value: { metadata: { name: 'demo' } } });
    const s = span();
    await decorate({ span: s, message: msg({ verb: 'delete', objectRef: { resource: 'deployments', name: 'demo' }, responseObject: { kind: 'Status' } }) });
    expect(s.logs).toHaveLength(1);
    expect(JSON.parse(s.logs[0]!.message).metadata.name).toBe('demo');
    // A stale creation snapshot (older incarnation) is not attached to a create that returned another RV.
    await cache.storeSnapshot(object, 'creation', { ResourceVersion: '1', Value: { metadata: { name: 'old' } } });
    const stale = span();
    await decorate({ span: stale, message: msg({ verb: 'create', objectRef: { resource: 'deployments', name: 'demo' }, responseObject: { metadata: { resourceVersion: '7' } } }) });
    expect(stale.logs).toEqual([]);
    await cache.storeSnapshot(object, 'creation', { ResourceVersion: '1', Redacted: true, Value: { metadata: { name: 'demo' } } });
    const c = span();
    await decorate({ span: c, message: msg({ verb: 'create', objectRef: { resource: 'deployments', name: 'demo' } }) });
    expect(c.logs).toEqual([]);
  });

  it('formats durations like Go', () => {
    expect(goDuration(312.5)).toBe('312.5ms');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(-20)).toBe('-20ms');
    expect(goDuration(62_000)).toBe('1m2s');
  });
});
