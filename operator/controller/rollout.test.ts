import { describe, expect, it } from 'vitest';
import type { ComponentId } from '../../manifests/naming.ts';
import { planRollout, type LiveComponent } from './rollout.ts';

const all: ComponentId[] = ['etcd', 'jaeger-storage', 'jaeger-collector', 'informers', 'consumer', 'frontend'];
const at = (version: string, ready = true, ids = all): LiveComponent[] => ids.map((id) => ({ id, version, ready }));

describe('planRollout', () => {
  it('creates everything at the desired version on install', () => {
    const p = planRollout('0.2.0', all, []);
    expect(new Set(Object.values(p.versions))).toEqual(new Set(['0.2.0']));
    expect(p.phase).toBe('Idle');
  });

  it('rolls stores first and holds workers and frontend at their running version', () => {
    const p = planRollout('0.2.0', all, at('0.1.0'));
    expect(p.versions).toEqual({ etcd: '0.2.0', 'jaeger-storage': '0.2.0', 'jaeger-collector': '0.2.0', informers: '0.1.0', consumer: '0.1.0', frontend: '0.1.0' });
    expect(p.phase).toBe('Stores');
  });

  it('keeps holding while a store is updated but not ready', () => {
    const live = [...at('0.2.0', true, ['etcd', 'jaeger-storage']), { id: 'jaeger-collector' as const, version: '0.2.0', ready: false }, ...at('0.1.0', true, ['informers', 'consumer', 'frontend'])];
    const p = planRollout('0.2.0', all, live);
    expect(p.versions.informers).toBe('0.1.0');
    expect(p.phase).toBe('Stores');
    expect(p.message).toContain('jaeger-collector');
  });

  it('moves to workers once stores are ready, then to the frontend', () => {
    const workers = planRollout('0.2.0', all, [...at('0.2.0', true, ['etcd', 'jaeger-storage', 'jaeger-collector']), ...at('0.1.0', true, ['informers', 'consumer', 'frontend'])]);
    expect(workers.phase).toBe('Workers');
    expect([workers.versions.informers, workers.versions.consumer, workers.versions.frontend]).toEqual(['0.2.0', '0.2.0', '0.1.0']);
    const frontend = planRollout('0.2.0', all, [...at('0.2.0', true, all.slice(0, 5)), ...at('0.1.0', true, ['frontend'])]);
    expect(frontend.phase).toBe('Frontend');
    expect(frontend.versions.frontend).toBe('0.2.0');
    expect(planRollout('0.2.0', all, at('0.2.0')).phase).toBe('Idle');
  });

  it('skips groups the instance does not have (external stores)', () => {
    const ids: ComponentId[] = ['informers', 'consumer', 'frontend'];
    const p = planRollout('0.2.0', ids, at('0.1.0', true, ids));
    expect(p.phase).toBe('Workers');
    expect(p.versions).toEqual({ informers: '0.2.0', consumer: '0.2.0', frontend: '0.1.0' });
  });

  it('rolls back in the same order', () => {
    const p = planRollout('0.1.0', all, at('0.2.0'));
    expect(p.phase).toBe('Stores');
    expect(p.versions.frontend).toBe('0.2.0');
  });
});
