import { describe, expect, it, vi } from 'vitest';
import type { Condition } from '../../api/types.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import { EventRecorder, conditionEvents, eventObject } from './events.ts';

const c = (type: string, status: 'True' | 'False' | 'Unknown', reason = 'R', message = 'm'): Condition => ({ type, status, reason, message, lastTransitionTime: '' });

describe('conditionEvents', () => {
  it('reports Ready when it first appears, and every later status change', () => {
    expect(conditionEvents(undefined, [c('Ready', 'False', 'Progressing', 'rolling out'), c('EtcdReady', 'False')])).toEqual([
      { type: 'Normal', reason: 'Progressing', message: 'Ready is False: rolling out' },
    ]);
    expect(conditionEvents([c('Ready', 'False'), c('EtcdReady', 'False')], [c('Ready', 'True', 'AllReady', 'ok'), c('EtcdReady', 'False')])).toEqual([
      { type: 'Normal', reason: 'AllReady', message: 'Ready is True: ok' },
    ]);
    expect(conditionEvents([c('Ready', 'True')], [c('Ready', 'True')])).toEqual([]);
    expect(conditionEvents(undefined, [c('Degraded', 'True', 'ApplyFailed', 'quota')])).toEqual([{ type: 'Warning', reason: 'ApplyFailed', message: 'Degraded is True: quota' }]);
  });

  it('warns when readiness is lost or the instance is Degraded', () => {
    expect(conditionEvents([c('Ready', 'True'), c('Degraded', 'False')], [c('Ready', 'False', 'ComponentFailed'), c('Degraded', 'True', 'ApplyFailed', 'quota')])).toEqual([
      { type: 'Warning', reason: 'ComponentFailed', message: 'Ready is False: m' },
      { type: 'Warning', reason: 'ApplyFailed', message: 'Degraded is True: quota' },
    ]);
  });
});

describe('EventRecorder', () => {
  const target = { metadata: { name: 'k', namespace: 'ns', uid: 'u1' } };

  it('writes a core/v1 Event about the instance, once per dedupe window', async () => {
    const create = vi.fn(async () => ({}));
    let now = new Date('2026-01-01T00:00:00Z');
    const rec = new EventRecorder({ rest: { create } as unknown as KubeRest, logger: nullLogger, dedupeMs: 60_000, now: () => now });
    const e = { type: 'Warning' as const, reason: 'ApplyFailed', message: 'x' };
    await rec.emit(target, e);
    await rec.emit(target, e);
    expect(create).toHaveBeenCalledTimes(1);
    expect(create).toHaveBeenCalledWith('/api/v1/namespaces/ns/events', expect.objectContaining({ involvedObject: { apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', name: 'k', namespace: 'ns', uid: 'u1' }, type: 'Warning', reason: 'ApplyFailed' }));
    now = new Date('2026-01-01T00:01:01Z');
    await rec.emit(target, e);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('never throws: a refused Event is logged', async () => {
    const rec = new EventRecorder({ rest: { create: async () => Promise.reject(new Error('forbidden')) } as unknown as KubeRest, logger: nullLogger });
    await expect(rec.emit(target, { type: 'Normal', reason: 'Pruned', message: 'x' })).resolves.toBeUndefined();
  });

  it('keeps messages within the API server limit', () => {
    const obj = eventObject(target, { type: 'Normal', reason: 'R', message: 'x'.repeat(2000) }, new Date(), 'op-0') as { message: string; firstTimestamp: string };
    expect(obj.message).toHaveLength(1024);
    expect(obj.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
