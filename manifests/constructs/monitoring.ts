/**
 * Opt-in Prometheus Operator objects (monitoring.coreos.com/v1) that scrape every metrics port of an
 * instance: the Kelemetry pods and the managed etcd (container port `metrics`) and the managed Jaeger
 * processes (`jaeger-metrics`). A PodMonitor selects the pods directly; a ServiceMonitor needs a Service,
 * so a headless `<instance>-metrics` Service is rendered with it. A port name a pod lacks yields no
 * target for that pod, so one object covers every component. Untyped ApiObjects: cdk8s ships no types
 * for custom resources, and the operator applies them only when their CRD is installed.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { COMPONENT_LABEL, INSTANCE_LABEL } from '../naming.ts';
import { PORTS } from '../ports.ts';
import { JAEGER_METRICS_PORT, METRICS_PORT } from '../workload.ts';
import type { InstanceContext } from './context.ts';
import { servicePort } from './service.ts';

export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';
const COMPONENT = 'monitoring';
/** Every pod of the instance, whatever its component. */
export const instancePods = (ctx: InstanceContext): Record<string, string> => ({ 'app.kubernetes.io/name': 'kelemetry', [INSTANCE_LABEL]: ctx.ref.name });

const endpoints = (interval: string) => [METRICS_PORT, JAEGER_METRICS_PORT].map((port) => ({ port, path: '/metrics', interval }));

/** The monitor's metadata: the spec's labels (for the Prometheus's selector), never overriding ours. */
function monitorMetadata(ctx: InstanceContext, labels: Record<string, string> | undefined): k8s.ObjectMeta {
  const meta = ctx.metadata('metrics', COMPONENT);
  return { ...meta, labels: { ...(labels ?? {}), ...meta.labels } };
}

export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext) {
    super(scope, id);
    const { serviceMonitor, podMonitor } = ctx.inst.spec.monitoring;
    const namespaceSelector = { matchNames: [ctx.ref.namespace] };
    if (serviceMonitor.enabled) {
      // The target port is a name: each pod's endpoint is its own container port of that name.
      const ports = [servicePort(METRICS_PORT, PORTS.metrics), servicePort(JAEGER_METRICS_PORT, PORTS.jaegerMetrics)];
      new k8s.KubeService(this, 'service', { metadata: ctx.metadata('metrics', COMPONENT), spec: { clusterIp: 'None', selector: instancePods(ctx), ports } });
      new ApiObject(this, 'service-monitor', {
        apiVersion: MONITORING_API_VERSION,
        kind: 'ServiceMonitor',
        metadata: monitorMetadata(ctx, serviceMonitor.labels),
        spec: {
          selector: { matchLabels: { [INSTANCE_LABEL]: ctx.ref.name, [COMPONENT_LABEL]: COMPONENT } },
          namespaceSelector,
          endpoints: endpoints(serviceMonitor.interval),
        },
      });
    }
    if (podMonitor.enabled) {
      new ApiObject(this, 'pod-monitor', {
        apiVersion: MONITORING_API_VERSION,
        kind: 'PodMonitor',
        metadata: monitorMetadata(ctx, podMonitor.labels),
        spec: { selector: { matchLabels: instancePods(ctx) }, namespaceSelector, podMetricsEndpoints: endpoints(podMonitor.interval) },
      });
    }
  }
}
