/**
 * Opt-in NetworkPolicies of an instance: one that selects every pod of the instance and allows nothing
 * (default deny of ingress, also for pods a later version adds), and one per component that opens each
 * of its listeners to those who need it:
 *  - anyone: the audit webhook (API servers post from outside the pod network), the UI and its APIs, and
 *    Jaeger's health port (kubelet probes);
 *  - the instance's own pods: etcd client and peer ports, OTLP, remote storage, the diff debug API;
 *  - spec.networkPolicy.metricsFrom (anyone when unset): the metrics ports.
 * Egress is left alone: the pods reach API servers, external stores and DNS wherever they are.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { KelemetryInstance } from '../../api/types.ts';
import type { ComponentId } from '../naming.ts';
import { selectorLabels } from '../naming.ts';
import { PORTS } from '../ports.ts';
import type { InstanceContext } from './context.ts';
import { instancePods } from './monitoring.ts';

type Source = 'anyone' | 'instance' | 'metrics';

/** Every listener of each component and who may reach it. */
const LISTENERS: Record<ComponentId, [port: number, from: Source][]> = {
  etcd: [
    [PORTS.etcdClient, 'instance'],
    [PORTS.etcdPeer, 'instance'],
    [PORTS.etcdMetrics, 'metrics'],
  ],
  'jaeger-storage': [
    [PORTS.otlpGrpc, 'instance'],
    [PORTS.remoteStorage, 'instance'],
    [PORTS.jaegerHealth, 'anyone'],
    [PORTS.jaegerMetrics, 'metrics'],
  ],
  'jaeger-collector': [
    [PORTS.otlpGrpc, 'instance'],
    [PORTS.jaegerHealth, 'anyone'],
    [PORTS.jaegerMetrics, 'metrics'],
  ],
  informers: [
    [PORTS.diffApi, 'instance'],
    [PORTS.metrics, 'metrics'],
  ],
  consumer: [
    [PORTS.webhook, 'anyone'],
    [PORTS.metrics, 'metrics'],
  ],
  frontend: [
    [PORTS.query, 'anyone'],
    [PORTS.queryGrpc, 'anyone'],
    [PORTS.pluginHttp, 'anyone'],
    [PORTS.jaegerHealth, 'anyone'],
    [PORTS.metrics, 'metrics'],
    [PORTS.jaegerMetrics, 'metrics'],
  ],
};

type MetricsFrom = KelemetryInstance['spec']['networkPolicy']['metricsFrom'];

/** The peers of a source; undefined (no `from`) admits every source. */
function peers(ctx: InstanceContext, from: Source, metricsFrom: MetricsFrom): k8s.NetworkPolicyPeer[] | undefined {
  if (from === 'instance') return [{ podSelector: { matchLabels: instancePods(ctx) } }];
  if (from === 'metrics' && metricsFrom && (metricsFrom.namespaceSelector || metricsFrom.podSelector)) {
    return [{ namespaceSelector: metricsFrom.namespaceSelector, podSelector: metricsFrom.podSelector }];
  }
  return undefined;
}

/** One ingress rule per kind of source a component's listeners have. */
function ingressRules(ctx: InstanceContext, component: ComponentId): k8s.NetworkPolicyIngressRule[] {
  const sources: Source[] = ['anyone', 'instance', 'metrics'];
  return sources.flatMap((source) => {
    const ports = LISTENERS[component].filter(([, from]) => from === source).map(([port]) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
    return ports.length ? [{ from: peers(ctx, source, ctx.inst.spec.networkPolicy.metricsFrom), ports }] : [];
  });
}

export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, components: ComponentId[]) {
    super(scope, id);
    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: ctx.metadata('default-deny', 'network-policy'),
      spec: { podSelector: { matchLabels: instancePods(ctx) }, policyTypes: ['Ingress'] },
    });
    for (const component of components) {
      new k8s.KubeNetworkPolicy(this, component, {
        metadata: ctx.metadata(component, component),
        spec: { podSelector: { matchLabels: selectorLabels(ctx.ref, component) }, policyTypes: ['Ingress'], ingress: ingressRules(ctx, component) },
      });
    }
  }
}
