/**
 * The operator's Deployment: leader-elected replicas of `kelemetry operator`, spread over nodes, with a
 * PodDisruptionBudget so a node drain never takes every replica at once.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { KELEMETRY_UID, containerPort, httpProbe, nonRootPod, restrictedContainer } from '../../workload.ts';
import { OPERATOR_LABELS, OPERATOR_NAME, operatorMetadata, watchNamespaces, type OperatorInstallOptions } from './metadata.ts';

function operatorContainer(opts: OperatorInstallOptions): k8s.Container {
  return {
    name: 'operator',
    image: opts.image,
    args: [
      'operator',
      '--leader-elect',
      `--lease-namespace=${opts.namespace}`,
      `--watch-namespaces=${watchNamespaces(opts).join(',')}`,
      '--metrics-listen=0.0.0.0:9090',
    ],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports: [containerPort('metrics', 9090)],
    readinessProbe: httpProbe('/readyz', 'metrics'),
    livenessProbe: httpProbe('/healthz', 'metrics', 20),
    resources: {
      requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('128Mi') },
      limits: { memory: k8s.Quantity.fromString('512Mi') },
    },
    securityContext: restrictedContainer,
    // The root filesystem is read-only; tsx keeps its transform cache in /tmp.
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

export class OperatorDeployment extends Construct {
  constructor(scope: Construct, id: string, opts: OperatorInstallOptions) {
    super(scope, id);
    const selector = { 'app.kubernetes.io/name': OPERATOR_NAME };
    const spread: k8s.WeightedPodAffinityTerm = { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } };
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: operatorMetadata(OPERATOR_NAME, opts.namespace),
      spec: {
        replicas: opts.replicas ?? 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...OPERATOR_LABELS, ...selector } },
          spec: {
            serviceAccountName: OPERATOR_NAME,
            securityContext: nonRootPod(KELEMETRY_UID),
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [spread] } },
            containers: [operatorContainer(opts)],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: operatorMetadata(OPERATOR_NAME, opts.namespace),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
  }
}
