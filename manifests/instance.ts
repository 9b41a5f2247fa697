/**
 * One function from a KelemetryInstance to every namespaced and cluster-scoped object it needs. A fresh
 * cdk8s App + Chart per call (construct trees are not reusable), L1 ApiObjects with explicit fields,
 * stable names, and `chart.toJson()` — no files are written.
 */
import { createHash } from 'node:crypto';
import { ApiObject, App, Chart, type OwnerReference } from 'cdk8s';
import { stringify } from 'yaml';
import { API_VERSION, KIND, type KelemetryInstance, type Persistence, type PodOptions } from '../api/types.ts';
import { jaegerCollectorConfig, jaegerQueryConfig, jaegerStorageConfig } from './jaegerConfig.ts';
import {
  COMPONENTS,
  INSTANCE_NAMESPACE_LABEL,
  VERSION_LABEL,
  CONFIG_HASH_ANNOTATION,
  clusterObjectName,
  commonLabels,
  objectName,
  selectorLabels,
  type ComponentId,
  type InstanceRef,
} from './naming.ts';
import { ENV, PATHS, PORTS } from './ports.ts';
import { ROLES, renderRuntimeConfig, serviceHost, usesBackend, type Role } from './runtimeConfig.ts';
import {
  compact,
  etcdImage,
  httpProbe,
  jaegerImage,
  kelemetryImage,
  nonRootPod,
  podIdentityEnv,
  resources,
  restrictedContainer,
  scheduling,
  type Obj,
  type RenderedComponent,
} from './workload.ts';

export interface RenderOptions {
  /** The version each component is rendered at; the rollout planner holds some back. Default: spec.version. */
  versions?: Partial<Record<ComponentId, string>>;
}

export interface RenderedInstance {
  objects: Obj[];
  components: RenderedComponent[];
  /** One runtime config document (YAML) per role, as put in the ConfigMap. */
  configs: Record<Role, string>;
}

const KELEMETRY_UID = 1000;
const JAEGER_UID = 10001;

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

class InstanceChart {
  readonly chart: Chart;
  readonly ref: InstanceRef;
  readonly components: RenderedComponent[] = [];

  constructor(
    readonly inst: KelemetryInstance,
    readonly opts: RenderOptions,
  ) {
    const app = new App();
    this.ref = { name: inst.metadata.name, namespace: inst.metadata.namespace ?? 'default' };
    this.chart = new Chart(app, inst.metadata.name, { disableResourceNameHashes: true });
  }

  version(id: ComponentId): string {
    return this.opts.versions?.[id] ?? this.inst.spec.version;
  }

  private ownerReferences(): OwnerReference[] | undefined {
    const { uid, name } = this.inst.metadata;
    if (!uid) return undefined;
    return [{ apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true }];
  }

  /** A namespaced object owned by the instance. */
  add(kind: string, apiVersion: string, suffix: string, component: string, body: Obj, extraLabels: Record<string, string> = {}): void {
    new ApiObject(this.chart, `${kind}-${suffix}`, {
      apiVersion,
      kind,
      metadata: compact({
        name: objectName(this.ref, suffix),
        namespace: this.ref.namespace,
        labels: { ...commonLabels(this.ref, component), ...extraLabels },
        ownerReferences: this.ownerReferences(),
      }),
      ...body,
    });
  }

  /** A cluster-scoped object: no owner reference is possible, the finalizer removes it. */
  addClusterScoped(kind: string, apiVersion: string, suffix: string, component: string, body: Obj): void {
    new ApiObject(this.chart, `${kind}-${suffix}`, {
      apiVersion,
      kind,
      metadata: { name: clusterObjectName(this.ref, suffix), labels: { ...commonLabels(this.ref, component), [INSTANCE_NAMESPACE_LABEL]: this.ref.namespace } },
      ...body,
    });
  }

  podTemplate(component: ComponentId, pod: PodOptions, spec: Obj, configText: string): Obj {
    return {
      metadata: {
        labels: { ...selectorLabels(this.ref, component), [VERSION_LABEL]: this.version(component) },
        annotations: { ...(pod.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: hash(configText) },
      },
      spec: { ...spec, ...scheduling(this.inst, pod) },
    };
  }

  workload(kind: 'Deployment' | 'StatefulSet', component: ComponentId, replicas: number, template: Obj, extra: Obj = {}): void {
    const version = this.version(component);
    this.add(kind, 'apps/v1', component, component, {
      spec: { replicas, selector: { matchLabels: selectorLabels(this.ref, component) }, template, ...extra },
    }, { [VERSION_LABEL]: version });
    this.components.push({ id: component, kind, name: objectName(this.ref, component), replicas, version });
    if (replicas > 1) {
      this.add('PodDisruptionBudget', 'policy/v1', component, component, {
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(this.ref, component) } },
      });
    }
  }

  serviceAccount(suffix: string, component: string, automount: boolean): void {
    this.add('ServiceAccount', 'v1', suffix, component, { automountServiceAccountToken: automount });
  }

  service(suffix: string, component: ComponentId, ports: Obj[], opts: { headless?: boolean; type?: string; publishNotReady?: boolean } = {}): void {
    this.add('Service', 'v1', suffix, component, {
      spec: compact({
        type: opts.headless ? undefined : (opts.type ?? 'ClusterIP'),
        clusterIP: opts.headless ? 'None' : undefined,
        publishNotReadyAddresses: opts.publishNotReady || undefined,
        selector: selectorLabels(this.ref, component),
        ports,
      }),
    });
  }
}

function storageVolume(persistence: Persistence, name: string): { volumes: Obj[]; claimTemplates: Obj[] } {
  if (persistence.ephemeral) return { volumes: [{ name, emptyDir: {} }], claimTemplates: [] };
  return {
    volumes: [],
    claimTemplates: [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name },
        spec: compact({
          accessModes: ['ReadWriteOnce'],
          storageClassName: persistence.storageClassName,
          resources: { requests: { storage: persistence.size } },
        }),
      },
    ],
  };
}

/** Volumes and mounts every Kelemetry container needs: config, cluster kubeconfigs, store TLS. */
function kelemetryFiles(c: InstanceChart): { volumes: Obj[]; mounts: Obj[]; env: Obj[] } {
  const { spec } = c.inst;
  // The root filesystem is read-only; tsx keeps its transform cache in /tmp.
  const volumes: Obj[] = [{ name: 'config', configMap: { name: objectName(c.ref, 'config') } }, { name: 'tmp', emptyDir: {} }];
  const mounts: Obj[] = [{ name: 'config', mountPath: PATHS.config, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }];
  const env: Obj[] = [...podIdentityEnv];
  for (const cluster of spec.clusters) {
    const secret = cluster.kubeconfig.secretRef;
    if (cluster.kubeconfig.source !== 'Secret' || !secret) continue;
    volumes.push({ name: `cluster-${cluster.name}`, secret: { secretName: secret.name, items: [{ key: secret.key, path: secret.key }] } });
    mounts.push({ name: `cluster-${cluster.name}`, mountPath: `${PATHS.clusters}/${cluster.name}`, readOnly: true });
  }
  const etcdExt = spec.storage.etcd.external;
  if (usesBackend(c.inst, 'etcd') && etcdExt) {
    if (etcdExt.tlsSecretRef) {
      volumes.push({ name: 'etcd-tls', secret: { secretName: etcdExt.tlsSecretRef.name } });
      mounts.push({ name: 'etcd-tls', mountPath: PATHS.etcdTls, readOnly: true });
    }
    if (etcdExt.passwordSecretRef) {
      env.push({ name: ENV.etcdPassword, valueFrom: { secretKeyRef: { name: etcdExt.passwordSecretRef.name, key: etcdExt.passwordSecretRef.key } } });
    }
  }
  const redis = spec.storage.redis?.external;
  if (usesBackend(c.inst, 'redis') && redis) {
    if (redis.tlsSecretRef) {
      volumes.push({ name: 'redis-tls', secret: { secretName: redis.tlsSecretRef.name } });
      mounts.push({ name: 'redis-tls', mountPath: PATHS.redisTls, readOnly: true });
    }
    if (redis.passwordSecretRef) {
      env.push({ name: ENV.redisPassword, valueFrom: { secretKeyRef: { name: redis.passwordSecretRef.name, key: redis.passwordSecretRef.key } } });
    }
  }
  return { volumes, mounts, env };
}

function kelemetryContainer(c: InstanceChart, role: Role, component: ComponentId, pod: PodOptions, files: { mounts: Obj[]; env: Obj[] }, ports: Obj[]): Obj {
  return compact({
    name: 'kelemetry',
    image: kelemetryImage(c.inst, c.version(component)),
    imagePullPolicy: c.inst.spec.images.pullPolicy,
    args: ['run', '--config', `${PATHS.config}/${role}.yaml`],
    env: files.env,
    ports: [...ports, { name: 'metrics', containerPort: PORTS.metrics, protocol: 'TCP' }],
    readinessProbe: httpProbe('/readyz', 'metrics'),
    livenessProbe: httpProbe('/healthz', 'metrics', 20),
    resources: resources(pod.resources),
    securityContext: restrictedContainer,
    volumeMounts: files.mounts,
  });
}

function renderRbac(c: InstanceChart): void {
  // Consumers and informers read any kind (objects of every kind are traced): read-only, cluster-wide.
  // Writes are limited to the instance namespace: leases for leader election, one ConfigMap of state.
  c.serviceAccount('consumer', 'consumer', true);
  c.serviceAccount('informers', 'informers', true);
  c.serviceAccount('frontend', 'frontend', false);
  c.serviceAccount('store', 'store', false);
  c.addClusterScoped('ClusterRole', 'rbac.authorization.k8s.io/v1', 'reader', 'rbac', {
    rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
  });
  c.addClusterScoped('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'reader', 'rbac', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterObjectName(c.ref, 'reader') },
    subjects: ['consumer', 'informers'].map((s) => ({ kind: 'ServiceAccount', name: objectName(c.ref, s), namespace: c.ref.namespace })),
  });
  c.add('Role', 'rbac.authorization.k8s.io/v1', 'informers', 'informers', {
    rules: [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ],
  });
  c.add('RoleBinding', 'rbac.authorization.k8s.io/v1', 'informers', 'informers', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: objectName(c.ref, 'informers') },
    subjects: [{ kind: 'ServiceAccount', name: objectName(c.ref, 'informers'), namespace: c.ref.namespace }],
  });
}

function renderEtcd(c: InstanceChart): void {
  const managed = c.inst.spec.storage.etcd.managed;
  if (!managed || !usesBackend(c.inst, 'etcd')) return;
  const name = objectName(c.ref, 'etcd');
  const peer = (i: number) => `${name}-${i}=http://${name}-${i}.${name}.${c.ref.namespace}.svc:${PORTS.etcdPeer}`;
  const initialCluster = Array.from({ length: managed.replicas }, (_, i) => peer(i)).join(',');
  const { volumes, claimTemplates } = storageVolume(managed.storage, 'data');
  const args = [
    '--name=$(POD_NAME)',
    '--data-dir=/var/lib/etcd',
    `--listen-client-urls=http://0.0.0.0:${PORTS.etcdClient}`,
    `--advertise-client-urls=http://$(POD_NAME).${name}.${c.ref.namespace}.svc:${PORTS.etcdClient}`,
    `--listen-peer-urls=http://0.0.0.0:${PORTS.etcdPeer}`,
    `--initial-advertise-peer-urls=http://$(POD_NAME).${name}.${c.ref.namespace}.svc:${PORTS.etcdPeer}`,
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${c.ref.namespace}-${name}`,
  ];
  const spec = compact({
    serviceAccountName: objectName(c.ref, 'store'),
    automountServiceAccountToken: false,
    containers: [
      compact({
        name: 'etcd',
        image: etcdImage(c.inst, c.version('etcd')),
        imagePullPolicy: c.inst.spec.images.pullPolicy,
        command: ['etcd'],
        args,
        env: podIdentityEnv,
        ports: [
          { name: 'client', containerPort: PORTS.etcdClient, protocol: 'TCP' },
          { name: 'peer', containerPort: PORTS.etcdPeer, protocol: 'TCP' },
        ],
        readinessProbe: httpProbe('/health', 'client'),
        resources: resources(managed.pod.resources),
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
      }),
    ],
    volumes,
  });
  c.service('etcd', 'etcd', [
    { name: 'client', port: PORTS.etcdClient, targetPort: 'client', protocol: 'TCP' },
    { name: 'peer', port: PORTS.etcdPeer, targetPort: 'peer', protocol: 'TCP' },
  ], { headless: true, publishNotReady: true });
  c.workload('StatefulSet', 'etcd', managed.replicas, c.podTemplate('etcd', managed.pod, spec, args.join(' ')), compact({
    serviceName: name,
    // Members must all start to form a quorum; ordered start would wait forever on the first one.
    podManagementPolicy: 'Parallel',
    volumeClaimTemplates: claimTemplates,
  }));
}

function renderJaeger(c: InstanceChart): void {
  const managed = c.inst.spec.storage.jaeger.managed;
  if (!managed) return;
  const storageYaml = stringify(jaegerStorageConfig());
  const collectorYaml = stringify(jaegerCollectorConfig(`${serviceHost(c.inst, 'jaeger-storage')}:${PORTS.otlpGrpc}`));
  c.add('ConfigMap', 'v1', 'jaeger', 'jaeger', { data: { 'storage.yaml': storageYaml, 'collector.yaml': collectorYaml } });
  const jaegerPod = (component: ComponentId, file: string, ports: Obj[], extraMounts: Obj[], pod: PodOptions): Obj =>
    compact({
      serviceAccountName: objectName(c.ref, 'store'),
      automountServiceAccountToken: false,
      securityContext: nonRootPod(JAEGER_UID),
      containers: [
        compact({
          name: 'jaeger',
          image: jaegerImage(c.inst, c.version(component)),
          imagePullPolicy: c.inst.spec.images.pullPolicy,
          args: [`--config=${PATHS.jaegerConfig}/${file}`],
          ports: [...ports, { name: 'health', containerPort: PORTS.jaegerHealth, protocol: 'TCP' }],
          readinessProbe: httpProbe('/status', 'health'),
          livenessProbe: httpProbe('/status', 'health', 20),
          resources: resources(pod.resources),
          securityContext: restrictedContainer,
          volumeMounts: [{ name: 'config', mountPath: PATHS.jaegerConfig, readOnly: true }, ...extraMounts],
        }),
      ],
    });
  const otlpPort = { name: 'otlp-grpc', containerPort: PORTS.otlpGrpc, protocol: 'TCP' };

  const { volumes, claimTemplates } = storageVolume(managed.storage, 'data');
  const storageSpec = jaegerPod('jaeger-storage', 'storage.yaml', [otlpPort, { name: 'remote-storage', containerPort: PORTS.remoteStorage, protocol: 'TCP' }], [{ name: 'data', mountPath: PATHS.jaegerData }], managed.storagePod);
  storageSpec.volumes = [{ name: 'config', configMap: { name: objectName(c.ref, 'jaeger') } }, ...volumes];
  c.service('jaeger-storage', 'jaeger-storage', [
    { name: 'otlp-grpc', port: PORTS.otlpGrpc, targetPort: 'otlp-grpc', protocol: 'TCP' },
    { name: 'remote-storage', port: PORTS.remoteStorage, targetPort: 'remote-storage', protocol: 'TCP' },
  ], { headless: true });
  // Badger is a single-writer embedded store: one replica.
  c.workload('StatefulSet', 'jaeger-storage', 1, c.podTemplate('jaeger-storage', managed.storagePod, storageSpec, storageYaml), compact({
    serviceName: objectName(c.ref, 'jaeger-storage'),
    volumeClaimTemplates: claimTemplates,
  }));

  const collectorSpec = jaegerPod('jaeger-collector', 'collector.yaml', [otlpPort], [], managed.collectorPod);
  collectorSpec.volumes = [{ name: 'config', configMap: { name: objectName(c.ref, 'jaeger') } }];
  c.service('jaeger-collector', 'jaeger-collector', [{ name: 'otlp-grpc', port: PORTS.otlpGrpc, targetPort: 'otlp-grpc', protocol: 'TCP' }]);
  c.workload('Deployment', 'jaeger-collector', managed.collectorReplicas, c.podTemplate('jaeger-collector', managed.collectorPod, collectorSpec, collectorYaml));
}

function renderConsumer(c: InstanceChart, configYaml: string): void {
  const { audit } = c.inst.spec;
  const files = kelemetryFiles(c);
  if (audit.tls.enabled && audit.tls.secretName) {
    files.volumes.push({ name: 'webhook-tls', secret: { secretName: audit.tls.secretName } });
    files.mounts.push({ name: 'webhook-tls', mountPath: PATHS.webhookTls, readOnly: true });
  }
  const ca = audit.auth.clientCaSecretRef;
  if (audit.auth.mode === 'ClientCertificate' && ca) {
    files.volumes.push({ name: 'webhook-client-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: ca.key }] } });
    files.mounts.push({ name: 'webhook-client-ca', mountPath: PATHS.webhookClientCa, readOnly: true });
  }
  const token = audit.auth.tokenSecretRef;
  if (audit.auth.mode === 'Token' && token) {
    files.volumes.push({ name: 'webhook-token', secret: { secretName: token.name, items: [{ key: token.key, path: token.key }] } });
    files.mounts.push({ name: 'webhook-token', mountPath: PATHS.webhookToken, readOnly: true });
  }
  const spec = compact({
    serviceAccountName: objectName(c.ref, 'consumer'),
    securityContext: nonRootPod(KELEMETRY_UID),
    containers: [kelemetryContainer(c, 'consumer', 'consumer', audit.pod, files, [{ name: 'webhook', containerPort: PORTS.webhook, protocol: 'TCP' }])],
    volumes: files.volumes,
  });
  c.service('webhook', 'consumer', [compact({ name: 'webhook', port: PORTS.webhook, targetPort: 'webhook', protocol: 'TCP', nodePort: audit.service.nodePort })], { type: audit.service.type });
  c.workload('Deployment', 'consumer', audit.replicas, c.podTemplate('consumer', audit.pod, spec, configYaml));
}

function renderInformers(c: InstanceChart, configYaml: string): void {
  const { informers } = c.inst.spec;
  const files = kelemetryFiles(c);
  const spec = compact({
    serviceAccountName: objectName(c.ref, 'informers'),
    securityContext: nonRootPod(KELEMETRY_UID),
    containers: [kelemetryContainer(c, 'informers', 'informers', informers.pod, files, [])],
    volumes: files.volumes,
  });
  c.workload('Deployment', 'informers', informers.replicas, c.podTemplate('informers', informers.pod, spec, configYaml));
}

function renderFrontend(c: InstanceChart, configYaml: string): void {
  const { frontend } = c.inst.spec;
  const queryYaml = stringify(jaegerQueryConfig());
  c.add('ConfigMap', 'v1', 'jaeger-query', 'frontend', { data: { 'query.yaml': queryYaml } });
  const files = kelemetryFiles(c);
  const dm = frontend.displayModes.configMapRef;
  if (dm) {
    files.volumes.push({ name: 'display-modes', configMap: { name: dm.name, items: [{ key: dm.key, path: dm.key }] } });
    files.mounts.push({ name: 'display-modes', mountPath: PATHS.displayModes, readOnly: true });
  }
  files.volumes.push({ name: 'jaeger-query', configMap: { name: objectName(c.ref, 'jaeger-query') } });
  const query = compact({
    name: 'jaeger-query',
    image: jaegerImage(c.inst, c.version('frontend')),
    imagePullPolicy: c.inst.spec.images.pullPolicy,
    args: [`--config=${PATHS.jaegerConfig}/query.yaml`],
    ports: [
      { name: 'query', containerPort: PORTS.query, protocol: 'TCP' },
      { name: 'query-grpc', containerPort: PORTS.queryGrpc, protocol: 'TCP' },
      { name: 'health', containerPort: PORTS.jaegerHealth, protocol: 'TCP' },
    ],
    readinessProbe: httpProbe('/status', 'health'),
    livenessProbe: httpProbe('/status', 'health', 20),
    resources: resources(frontend.queryResources),
    securityContext: { ...restrictedContainer, runAsUser: JAEGER_UID, runAsGroup: JAEGER_UID },
    volumeMounts: [{ name: 'jaeger-query', mountPath: PATHS.jaegerConfig, readOnly: true }],
  });
  const spec = compact({
    serviceAccountName: objectName(c.ref, 'frontend'),
    automountServiceAccountToken: false,
    securityContext: nonRootPod(KELEMETRY_UID),
    containers: [kelemetryContainer(c, 'frontend', 'frontend', frontend.pod, files, [{ name: 'http', containerPort: PORTS.pluginHttp, protocol: 'TCP' }]), query],
    volumes: files.volumes,
  });
  c.service('query', 'frontend', [
    compact({ name: 'query', port: PORTS.query, targetPort: 'query', protocol: 'TCP', nodePort: frontend.service.nodePort }),
    { name: 'http', port: PORTS.pluginHttp, targetPort: 'http', protocol: 'TCP' },
  ], { type: frontend.service.type });
  c.workload('Deployment', 'frontend', frontend.replicas, c.podTemplate('frontend', frontend.pod, spec, configYaml + queryYaml));
}

/** Renders every object of one instance. Pure: same input, same output (golden-file tested). */
export function renderInstance(inst: KelemetryInstance, opts: RenderOptions = {}): RenderedInstance {
  const c = new InstanceChart(inst, opts);
  const configs = Object.fromEntries(ROLES.map((role) => [role, stringify(renderRuntimeConfig(inst, role, c.version(role)), { lineWidth: 0 })])) as Record<Role, string>;
  c.add('ConfigMap', 'v1', 'config', 'config', { data: { 'consumer.yaml': configs.consumer, 'informers.yaml': configs.informers, 'frontend.yaml': configs.frontend } });
  renderRbac(c);
  renderEtcd(c);
  renderJaeger(c);
  renderInformers(c, configs.informers);
  renderConsumer(c, configs.consumer);
  renderFrontend(c, configs.frontend);
  const order = (id: ComponentId) => COMPONENTS.indexOf(id);
  return { objects: c.chart.toJson() as Obj[], components: c.components.sort((a, b) => order(a.id) - order(b.id)), configs };
}
