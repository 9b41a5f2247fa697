/**
 * The managed etcd: a StatefulSet of members that form one cluster, behind a headless Service; non-root
 * (Pod Security restricted), members spread over nodes, restarted when a member stops answering.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { KelemetryInstance } from '../../api/types.ts';
import { PORTS } from '../ports.ts';
import { selectorLabels } from '../naming.ts';
import { managedEtcdTls } from '../runtimeConfig.ts';
import {
  ETCD_UID,
  containerPort,
  etcdImage,
  httpProbe,
  nonRootPod,
  podIdentityEnv,
  resources,
  restrictedContainer,
  spreadOverNodes,
  storageVolume,
} from '../workload.ts';
import { Component } from './component.ts';
import type { InstanceContext } from './context.ts';
import { servicePort, serviceProps } from './service.ts';

type ManagedEtcd = NonNullable<KelemetryInstance['spec']['storage']['etcd']['managed']>;

const TLS_DIR = '/etc/etcd/tls';

/**
 * Flags of member $(POD_NAME): every member is listed up front, addressed by its stable DNS name. Clients
 * connect over TLS with a certificate from the instance CA; peers still talk plain HTTP inside the pod
 * network (peer URLs are stored in the membership, so switching them would break existing members).
 */
function etcdArgs(ctx: InstanceContext, replicas: number): string[] {
  const name = ctx.name('etcd');
  const domain = `${name}.${ctx.ref.namespace}.svc`;
  const peer = (i: number) => `${name}-${i}=http://${name}-${i}.${domain}:${PORTS.etcdPeer}`;
  return [
    '--name=$(POD_NAME)',
    // A subdirectory etcd creates with the 0700 mode it wants (the volume root belongs to fsGroup).
    '--data-dir=/var/lib/etcd/data',
    `--listen-client-urls=https://0.0.0.0:${PORTS.etcdClient}`,
    `--advertise-client-urls=https://$(POD_NAME).${domain}:${PORTS.etcdClient}`,
    `--cert-file=${TLS_DIR}/tls.crt`,
    `--key-file=${TLS_DIR}/tls.key`,
    `--trusted-ca-file=${TLS_DIR}/ca.crt`,
    '--client-cert-auth',
    `--listen-metrics-urls=http://0.0.0.0:${PORTS.etcdMetrics}`,
    `--listen-peer-urls=http://0.0.0.0:${PORTS.etcdPeer}`,
    `--initial-advertise-peer-urls=http://$(POD_NAME).${domain}:${PORTS.etcdPeer}`,
    `--initial-cluster=${Array.from({ length: replicas }, (_, i) => peer(i)).join(',')}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${ctx.ref.namespace}-${name}`,
  ];
}

export class Etcd extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, managed: ManagedEtcd) {
    super(scope, id);
    const args = etcdArgs(ctx, managed.replicas);
    const { volumes, claimTemplates } = storageVolume(managed.storage, 'data');
    const container: k8s.Container = {
      name: 'etcd',
      image: etcdImage(ctx.inst, ctx.version('etcd')),
      imagePullPolicy: ctx.inst.spec.images.pullPolicy,
      command: ['etcd'],
      args,
      env: podIdentityEnv,
      ports: [containerPort('client', PORTS.etcdClient), containerPort('peer', PORTS.etcdPeer), containerPort('metrics', PORTS.etcdMetrics)],
      readinessProbe: httpProbe('/health', 'metrics'),
      // This member only (serializable): losing quorum must not restart every member.
      livenessProbe: { ...httpProbe('/health?serializable=true', 'metrics', 10), failureThreshold: 6, initialDelaySeconds: 15 },
      securityContext: restrictedContainer,
      resources: resources(managed.pod.resources),
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/etcd' },
        { name: 'tls', mountPath: TLS_DIR, readOnly: true },
      ],
    };
    const ports = [servicePort('client', PORTS.etcdClient), servicePort('peer', PORTS.etcdPeer)];
    new k8s.KubeService(this, 'service', serviceProps(ctx, 'etcd', 'etcd', ports, { headless: true, publishNotReady: true }));
    new Component(this, 'members', {
      ctx,
      component: 'etcd',
      replicas: managed.replicas,
      pod: managed.pod,
      spec: {
        serviceAccountName: ctx.name('store'),
        automountServiceAccountToken: false,
        securityContext: nonRootPod(ETCD_UID),
        affinity: spreadOverNodes(selectorLabels(ctx.ref, 'etcd')),
        containers: [container],
        // Readable by the etcd user through fsGroup only.
        volumes: [...volumes, { name: 'tls', secret: { secretName: managedEtcdTls(ctx.inst)!.serverSecret, defaultMode: 0o440 } }],
      },
      configText: args.join(' '),
      statefulSet: {
        serviceName: ctx.name('etcd'),
        // Members must all start to form a quorum; ordered start would wait forever on the first one.
        podManagementPolicy: 'Parallel',
        volumeClaimTemplates: claimTemplates,
      },
    });
  }
}
