/**
 * The frontend role: Jaeger query (the UI) with the Kelemetry storage plugin beside it in one pod; the
 * plugin assembles the traces query shows.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { jaegerQueryConfig } from '../jaegerConfig.ts';
import { PATHS, PORTS } from '../ports.ts';
import { JAEGER_METRICS_PORT, JAEGER_UID, containerPort, httpProbe, jaegerImage, resources, restrictedContainer } from '../workload.ts';
import { Component } from './component.ts';
import type { InstanceContext } from './context.ts';
import { kelemetryContainer, kelemetryFiles, kelemetryPodSpec } from './kelemetryPod.ts';
import { servicePort, serviceProps } from './service.ts';

function queryContainer(ctx: InstanceContext): k8s.Container {
  return {
    name: 'jaeger-query',
    image: jaegerImage(ctx.inst, ctx.version('frontend')),
    imagePullPolicy: ctx.inst.spec.images.pullPolicy,
    args: [`--config=${PATHS.jaegerConfig}/query.yaml`],
    ports: [containerPort('query', PORTS.query), containerPort('query-grpc', PORTS.queryGrpc), containerPort('health', PORTS.jaegerHealth), containerPort(JAEGER_METRICS_PORT, PORTS.jaegerMetrics)],
    readinessProbe: httpProbe('/status', 'health'),
    livenessProbe: httpProbe('/status', 'health', 20),
    resources: resources(ctx.inst.spec.frontend.queryResources),
    // The pod runs as the Kelemetry user; the Jaeger image expects its own.
    securityContext: { ...restrictedContainer, runAsUser: JAEGER_UID, runAsGroup: JAEGER_UID },
    volumeMounts: [{ name: 'jaeger-query', mountPath: PATHS.jaegerConfig, readOnly: true }],
  };
}

export class Frontend extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, configYaml: string) {
    super(scope, id);
    const { frontend } = ctx.inst.spec;
    const queryYaml = stringify(jaegerQueryConfig());
    new k8s.KubeConfigMap(this, 'query-config', { metadata: ctx.metadata('jaeger-query', 'frontend'), data: { 'query.yaml': queryYaml } });
    const files = kelemetryFiles(ctx);
    const modes = frontend.displayModes.configMapRef;
    if (modes) files.mount({ name: 'display-modes', configMap: { name: modes.name, items: [{ key: modes.key, path: modes.key }] } }, PATHS.displayModes);
    // Mounted by the query container only.
    files.volumes.push({ name: 'jaeger-query', configMap: { name: ctx.name('jaeger-query') } });
    const plugin = kelemetryContainer(ctx, 'frontend', frontend.pod, files, [containerPort('http', PORTS.pluginHttp)]);

    const ports = [servicePort('query', PORTS.query, frontend.service.nodePort), servicePort('http', PORTS.pluginHttp)];
    new k8s.KubeService(this, 'service', serviceProps(ctx, 'query', 'frontend', ports, { type: frontend.service.type }));
    new Component(this, 'workload', {
      ctx,
      component: 'frontend',
      replicas: frontend.replicas,
      pod: frontend.pod,
      spec: { ...kelemetryPodSpec(ctx, 'frontend', files, [plugin, queryContainer(ctx)]), automountServiceAccountToken: false },
      configText: configYaml + queryYaml,
    });
  }
}
