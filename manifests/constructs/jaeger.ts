/**
 * The managed Jaeger: a one-replica storage StatefulSet (Badger on disk, served over remote storage)
 * and a collector Deployment in front of it, both configured from one ConfigMap. Both serve over TLS
 * with certificates the operator issues from the instance CA (Secrets `<instance>-jaeger-collector-tls`,
 * `<instance>-jaeger-storage-tls`).
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { KelemetryInstance, PodOptions } from '../../api/types.ts';
import { jaegerCollectorConfig, jaegerStorageConfig } from '../jaegerConfig.ts';
import type { ComponentId } from '../naming.ts';
import { PATHS, PORTS } from '../ports.ts';
import { managedJaegerTls, serviceHost } from '../runtimeConfig.ts';
import { JAEGER_METRICS_PORT, JAEGER_UID, containerPort, httpProbe, jaegerImage, nonRootPod, resources, restrictedContainer, storageVolume } from '../workload.ts';
import { Component } from './component.ts';
import type { InstanceContext } from './context.ts';
import { servicePort, serviceProps } from './service.ts';

type ManagedJaeger = NonNullable<KelemetryInstance['spec']['storage']['jaeger']['managed']>;

interface JaegerPod {
  component: ComponentId;
  /** The config file in the ConfigMap this process runs with. */
  file: string;
  ports: k8s.ContainerPort[];
  pod: PodOptions;
  /** Volumes besides the config and the serving certificate. */
  volumes: { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] };
  /** The kubernetes.io/tls Secret of the process's serving certificate. */
  tlsSecret: string;
}

function jaegerPodSpec(ctx: InstanceContext, p: JaegerPod): k8s.PodSpec {
  const container: k8s.Container = {
    name: 'jaeger',
    image: jaegerImage(ctx.inst, ctx.version(p.component)),
    imagePullPolicy: ctx.inst.spec.images.pullPolicy,
    args: [`--config=${PATHS.jaegerConfig}/${p.file}`],
    ports: [...p.ports, containerPort('health', PORTS.jaegerHealth), containerPort(JAEGER_METRICS_PORT, PORTS.jaegerMetrics)],
    readinessProbe: httpProbe('/status', 'health'),
    livenessProbe: httpProbe('/status', 'health', 20),
    resources: resources(p.pod.resources),
    securityContext: restrictedContainer,
    volumeMounts: [{ name: 'config', mountPath: PATHS.jaegerConfig, readOnly: true }, { name: 'tls', mountPath: PATHS.jaegerTls, readOnly: true }, ...p.volumes.mounts],
  };
  return {
    serviceAccountName: ctx.name('store'),
    automountServiceAccountToken: false,
    securityContext: nonRootPod(JAEGER_UID),
    containers: [container],
    // The key is readable by the Jaeger user through fsGroup only.
    volumes: [{ name: 'config', configMap: { name: ctx.name('jaeger') } }, { name: 'tls', secret: { secretName: p.tlsSecret, defaultMode: 0o440 } }, ...p.volumes.volumes],
  };
}

export class Jaeger extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, managed: ManagedJaeger) {
    super(scope, id);
    const tls = managedJaegerTls(ctx.inst)!;
    const storageYaml = stringify(jaegerStorageConfig(PATHS.jaegerTls));
    const collectorYaml = stringify(jaegerCollectorConfig(`${serviceHost(ctx.inst, 'jaeger-storage')}:${PORTS.otlpGrpc}`, PATHS.jaegerTls));
    new k8s.KubeConfigMap(this, 'config', { metadata: ctx.metadata('jaeger', 'jaeger'), data: { 'storage.yaml': storageYaml, 'collector.yaml': collectorYaml } });
    const otlp = containerPort('otlp-grpc', PORTS.otlpGrpc);

    const { volumes, claimTemplates } = storageVolume(managed.storage, 'data');
    const storage = jaegerPodSpec(ctx, {
      component: 'jaeger-storage',
      file: 'storage.yaml',
      ports: [otlp, containerPort('remote-storage', PORTS.remoteStorage)],
      pod: managed.storagePod,
      volumes: { volumes, mounts: [{ name: 'data', mountPath: PATHS.jaegerData }] },
      tlsSecret: tls.storageSecret,
    });
    const storagePorts = [servicePort('otlp-grpc', PORTS.otlpGrpc), servicePort('remote-storage', PORTS.remoteStorage)];
    new k8s.KubeService(this, 'storage-service', serviceProps(ctx, 'jaeger-storage', 'jaeger-storage', storagePorts, { headless: true }));
    // Badger is a single-writer embedded store: one replica.
    new Component(this, 'storage', {
      ctx,
      component: 'jaeger-storage',
      replicas: 1,
      pod: managed.storagePod,
      spec: storage,
      configText: storageYaml,
      statefulSet: { serviceName: ctx.name('jaeger-storage'), volumeClaimTemplates: claimTemplates },
    });

    const collector = jaegerPodSpec(ctx, { component: 'jaeger-collector', file: 'collector.yaml', ports: [otlp], pod: managed.collectorPod, volumes: { volumes: [], mounts: [] }, tlsSecret: tls.collectorSecret });
    new k8s.KubeService(this, 'collector-service', serviceProps(ctx, 'jaeger-collector', 'jaeger-collector', [servicePort('otlp-grpc', PORTS.otlpGrpc)]));
    new Component(this, 'collector', {
      ctx,
      component: 'jaeger-collector',
      replicas: managed.collectorReplicas,
      pod: managed.collectorPod,
      spec: collector,
      configText: collectorYaml,
    });
  }
}
