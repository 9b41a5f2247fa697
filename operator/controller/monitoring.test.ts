/** The Monitoring condition and the watches of optional kinds (ServiceMonitor, PodMonitor). */
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { parseInstance } from '../../api/types.ts';
import { renderInstance } from '../../manifests/instance.ts';
import { KubeApiError } from '../../runtime/k8s/errors.ts';
import type { Informer } from '../../runtime/k8s/informer.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { gauge } from '../../runtime/metrics/define.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import type { K8sObject } from './apply.ts';
import { OptionalKinds } from './optionalKinds.ts';
import { OPTIONAL_RESOURCES } from './resources.ts';
import { computeStatus, monitoringCondition } from './status.ts';

const instance = (monitoring: Record<string, unknown>) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'c' }], monitoring } });

describe('monitoringCondition', () => {
  it('is absent unless a monitor is asked for', () => {
    expect(monitoringCondition(instance({}), [])).toBeUndefined();
  });

  it('says which CRD is missing, and is True once applied', () => {
    const inst = instance({ serviceMonitor: { enabled: true } });
    const notServed = (renderInstance(inst).objects as unknown as K8sObject[]).filter((o) => o.kind === 'ServiceMonitor');
    expect(monitoringCondition(inst, notServed)).toEqual({
      type: 'Monitoring',
      status: 'False',
      reason: 'CRDNotInstalled',
      message: "the API server does not serve ServiceMonitor (monitoring.coreos.com/v1): install the Prometheus Operator's CRDs; ServiceMonitor k-metrics will be applied once they are",
    });
    expect(monitoringCondition(inst, [])).toMatchObject({ status: 'True', reason: 'Applied', message: 'ServiceMonitor k-metrics applied' });
  });

  it('does not make the instance Degraded or not Ready', () => {
    const inst = instance({ podMonitor: { enabled: true } });
    const notServed = (renderInstance(inst).objects as unknown as K8sObject[]).filter((o) => o.kind === 'PodMonitor');
    const monitoring = monitoringCondition(inst, notServed);
    const s = computeStatus({ instance: inst, components: [], live: new Map(), plan: { phase: 'Idle', versions: {}, message: '' } as never, problems: [], auditWebhook: undefined, monitoring, now: new Date() });
    expect(s.conditions?.find((c) => c.type === 'Monitoring')).toMatchObject({ status: 'False', reason: 'CRDNotInstalled' });
    expect(s.conditions?.find((c) => c.type === 'Degraded')?.status).toBe('False');
  });
});

describe('OptionalKinds', () => {
  function setup(served: () => string[] | 'missing') {
    const get = vi.fn(async () => {
      const s = served();
      if (s === 'missing') throw new KubeApiError('c', 'GET', '/apis/monitoring.coreos.com/v1', 404, 'NotFound', 'not found');
      return { resources: s.map((name) => ({ name })) };
    });
    const informers: { kind: string; started: boolean; stopped: boolean; synced: boolean }[] = [];
    const newInformer = (r: { kind: string }) => {
      const state = { kind: r.kind, started: false, stopped: false, synced: false };
      informers.push(state);
      return {
        start: () => void (state.started = state.synced = true),
        stop: async () => void (state.stopped = true),
        hasSynced: () => state.synced,
        waitForSync: async () => state.synced,
        get: () => undefined,
        list: () => [{ metadata: { name: 'x' } }],
      } as unknown as Informer<K8sObject>;
    };
    const onAvailable = vi.fn();
    const served_ = gauge(new Registry(), 'served', 'h', ['kind']);
    const kinds = new OptionalKinds({ rest: { get } as unknown as KubeRest, kinds: OPTIONAL_RESOURCES, newInformer, onAvailable, logger: nullLogger, served: served_ });
    return { kinds, informers, onAvailable };
  }
  const [serviceMonitor, podMonitor] = OPTIONAL_RESOURCES as [(typeof OPTIONAL_RESOURCES)[0], (typeof OPTIONAL_RESOURCES)[0]];

  it('watches a kind only while discovery lists it', async () => {
    let served: string[] | 'missing' = 'missing';
    const { kinds, informers, onAvailable } = setup(() => served);
    await kinds.check();
    expect(informers).toEqual([]);
    expect(kinds.available(serviceMonitor)).toBe(false);
    expect(kinds.cache(serviceMonitor).list()).toEqual([]);

    served = ['servicemonitors'];
    await kinds.check();
    await vi.waitFor(() => expect(onAvailable).toHaveBeenCalledWith(serviceMonitor));
    expect(kinds.available(serviceMonitor)).toBe(true);
    expect(kinds.available(podMonitor)).toBe(false);
    expect(kinds.cache(serviceMonitor).list()).toHaveLength(1);
    await kinds.check();
    expect(informers).toHaveLength(1);

    served = 'missing';
    await kinds.check();
    expect(informers[0]).toMatchObject({ stopped: true });
    expect(kinds.available(serviceMonitor)).toBe(false);
  });

  it('keeps its watches when discovery fails', async () => {
    let fail = false;
    const { kinds, informers } = setup(() => {
      if (fail) throw new Error('connection refused');
      return ['servicemonitors', 'podmonitors'];
    });
    await kinds.check();
    fail = true;
    await kinds.check();
    expect(informers.map((i) => i.stopped)).toEqual([false, false]);
    expect(kinds.available(podMonitor)).toBe(true);
  });

  it('stops every watch when its loop ends', async () => {
    const { kinds, informers } = setup(() => ['podmonitors']);
    const ac = new AbortController();
    const running = kinds.run(ac.signal);
    await vi.waitFor(() => expect(informers).toHaveLength(1));
    ac.abort();
    await running;
    expect(informers[0]!.stopped).toBe(true);
  });
});
