/** Opt-in monitoring objects and NetworkPolicies of an instance, and the managed Jaeger's own metrics. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SpecError, parseInstance } from '../api/types.ts';
import { renderInstance } from './instance.ts';
import { PORTS } from './ports.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Port {
  name: string;
  containerPort: number;
}
interface Rule {
  from?: Record<string, unknown>[];
  ports: { port: number }[];
}

const doc = (spec: Record<string, unknown>) => ({
  apiVersion: 'kelemetry.io/v1alpha1',
  kind: 'KelemetryInstance',
  metadata: { name: 'k', namespace: 'ns', uid: 'u1' },
  spec: { version: '0.1.0', clusters: [{ name: 'c' }], informers: { diff: { debugApi: true } }, ...spec },
});
const render = (spec: Record<string, unknown> = {}) => renderInstance(parseInstance(doc(spec), 'test')).objects as unknown as Obj[];
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const podPorts = (w: Obj) => ((w.spec as { template: { spec: { containers: { ports?: Port[] }[] } } }).template.spec.containers).flatMap((c) => c.ports ?? []);
const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

describe('monitoring', () => {
  it('renders nothing unless enabled', () => {
    const kinds = new Set(render().map((o) => o.kind));
    for (const k of ['ServiceMonitor', 'PodMonitor', 'NetworkPolicy']) expect(kinds.has(k)).toBe(false);
    expect(find(render(), 'Service', 'k-metrics')).toBeUndefined();
  });

  it('gives every workload a metrics port the monitors scrape', () => {
    for (const w of workloads(render())) expect(podPorts(w).map((p) => p.name), w.metadata.name).toEqual(expect.arrayContaining([expect.stringMatching(/^(jaeger-)?metrics$/)]));
    const frontend = podPorts(find(render(), 'Deployment', 'k-frontend')!);
    expect(frontend).toEqual(expect.arrayContaining([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }, { name: 'jaeger-metrics', containerPort: PORTS.jaegerMetrics, protocol: 'TCP' }]));
  });

  it('renders a ServiceMonitor over a headless metrics Service, owned by the instance', () => {
    const objs = render({ monitoring: { serviceMonitor: { enabled: true, labels: { release: 'prom', 'app.kubernetes.io/managed-by': 'someone' } } } });
    const svc = find(objs, 'Service', 'k-metrics')!;
    expect(svc.spec).toMatchObject({ clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k' } });
    expect(svc.spec!.ports).toEqual([
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
      { name: 'jaeger-metrics', port: 8888, targetPort: 'jaeger-metrics', protocol: 'TCP' },
    ]);
    const sm = find(objs, 'ServiceMonitor', 'k-metrics')!;
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.ownerReferences).toHaveLength(1);
    // The spec's labels are added; ours (which the operator selects and prunes by) win.
    expect(sm.metadata.labels).toMatchObject({ release: 'prom', 'app.kubernetes.io/managed-by': 'kelemetry-operator', 'kelemetry.io/instance': 'k' });
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'kelemetry.io/instance': 'k', 'app.kubernetes.io/component': 'monitoring' } },
      namespaceSelector: { matchNames: ['ns'] },
      endpoints: [
        { port: 'metrics', path: '/metrics', interval: '30s' },
        { port: 'jaeger-metrics', path: '/metrics', interval: '30s' },
      ],
    });
    expect(svc.metadata.labels).toMatchObject((sm.spec as { selector: { matchLabels: object } }).selector.matchLabels);
  });

  it('renders a PodMonitor over every pod of the instance', () => {
    const objs = render({ monitoring: { podMonitor: { enabled: true, interval: '15s' } } });
    expect(find(objs, 'Service', 'k-metrics')).toBeUndefined();
    expect(find(objs, 'PodMonitor', 'k-metrics')!.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k' } },
      namespaceSelector: { matchNames: ['ns'] },
      podMetricsEndpoints: [
        { port: 'metrics', path: '/metrics', interval: '15s' },
        { port: 'jaeger-metrics', path: '/metrics', interval: '15s' },
      ],
    });
  });

  it('refuses both monitors at once, and bad intervals', () => {
    expect(() => render({ monitoring: { podMonitor: { enabled: true }, serviceMonitor: { enabled: true } } })).toThrow(/serviceMonitor or podMonitor, not both/);
    expect(() => render({ monitoring: { podMonitor: { enabled: true, interval: 'often' } } })).toThrow(SpecError);
  });

  it("exposes the managed Jaeger processes' own metrics on every interface", () => {
    const objs = render();
    const jaeger = find(objs, 'ConfigMap', 'k-jaeger')!.data!;
    const query = find(objs, 'ConfigMap', 'k-jaeger-query')!.data!;
    for (const text of [jaeger['storage.yaml']!, jaeger['collector.yaml']!, query['query.yaml']!]) {
      expect(parse(text).service.telemetry.metrics.readers).toEqual([{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: PORTS.jaegerMetrics } } } }]);
    }
  });
});

describe('network policy', () => {
  const policies = (spec: Record<string, unknown> = {}) => render({ networkPolicy: { enabled: true, ...spec } }).filter((o) => o.kind === 'NetworkPolicy');
  const rules = (ps: Obj[], name: string) => (find(ps, 'NetworkPolicy', name)!.spec as { ingress: Rule[] }).ingress;
  const rulesFor = (rs: Rule[], port: number) => rs.filter((r) => r.ports.some((p) => p.port === port));

  it('denies ingress to every pod of the instance by default', () => {
    expect(find(policies(), 'NetworkPolicy', 'k-default-deny')!.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k' } },
      policyTypes: ['Ingress'],
    });
  });

  it("opens every container port of every workload in its component's policy", () => {
    const objs = render({ networkPolicy: { enabled: true } });
    for (const w of workloads(objs)) {
      const open = rules(objs, w.metadata.name).flatMap((r) => r.ports.map((p) => p.port));
      for (const p of podPorts(w)) expect(open, `${w.metadata.name} ${p.name}`).toContain(p.containerPort);
      expect((find(objs, 'NetworkPolicy', w.metadata.name)!.spec as { podSelector: object }).podSelector).toEqual((w.spec as { selector: object }).selector);
    }
  });

  it('admits the webhook and the UI from anywhere, stores and OTLP from the instance only', () => {
    const ps = policies();
    expect(rulesFor(rules(ps, 'k-consumer'), PORTS.webhook)).toEqual([{ ports: [{ port: PORTS.webhook, protocol: 'TCP' }] }]);
    expect(rulesFor(rules(ps, 'k-frontend'), PORTS.query)[0]!.from).toBeUndefined();
    const instanceOnly = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k' } } }];
    for (const [name, port] of [['k-etcd', PORTS.etcdClient], ['k-etcd', PORTS.etcdPeer], ['k-jaeger-collector', PORTS.otlpGrpc], ['k-jaeger-storage', PORTS.remoteStorage], ['k-informers', PORTS.diffApi]] as const) {
      expect(rulesFor(rules(ps, name), port).map((r) => r.from), `${name} ${port}`).toEqual([instanceOnly]);
    }
    // Metrics: anyone unless metricsFrom is set.
    expect(rulesFor(rules(ps, 'k-consumer'), PORTS.metrics)[0]!.from).toBeUndefined();
  });

  it('admits the metrics ports from metricsFrom only', () => {
    const metricsFrom = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const ps = policies({ metricsFrom });
    for (const [name, port] of [['k-consumer', PORTS.metrics], ['k-etcd', PORTS.etcdMetrics], ['k-jaeger-storage', PORTS.jaegerMetrics]] as const) {
      expect(rulesFor(rules(ps, name), port).map((r) => r.from), `${name} ${port}`).toEqual([[metricsFrom]]);
    }
  });
});
