/**
 * One component's workload: a Deployment, or a StatefulSet for a store, plus a PodDisruptionBudget
 * above one replica. The pod template carries the version label and a hash of the component's config,
 * so a config change rolls the pods.
 */
import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { PodOptions } from '../../api/types.ts';
import { CONFIG_HASH_ANNOTATION, VERSION_LABEL, selectorLabels, type ComponentId } from '../naming.ts';
import { nonEmpty, scheduling, type RenderedComponent } from '../workload.ts';
import type { InstanceContext } from './context.ts';
import { KubeStatefulSet } from './kubeStatefulSet.ts';

export interface ComponentProps {
  ctx: InstanceContext;
  component: ComponentId;
  replicas: number;
  /** Scheduling and extra annotations of the pods. */
  pod: PodOptions;
  /** The pod spec without the scheduling fields (added from pod). */
  spec: k8s.PodSpec;
  /** Everything the pods read at start; its hash is a pod template annotation. */
  configText: string;
  /** Renders a StatefulSet with these fields instead of a Deployment. */
  statefulSet?: Pick<k8s.StatefulSetSpec, 'serviceName' | 'podManagementPolicy' | 'volumeClaimTemplates'>;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export class Component extends Construct {
  /** What the status computation looks for among live objects. */
  readonly rendered: RenderedComponent;

  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx, component, replicas, pod, statefulSet } = props;
    const version = ctx.version(component);
    const metadata = ctx.metadata(component, component, { [VERSION_LABEL]: version });
    const selector: k8s.LabelSelector = { matchLabels: selectorLabels(ctx.ref, component) };
    const sched = scheduling(ctx.inst, pod);
    const template: k8s.PodTemplateSpec = {
      metadata: {
        labels: { ...selectorLabels(ctx.ref, component), [VERSION_LABEL]: version },
        annotations: { ...(pod.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: hash(props.configText) },
      },
      // The spec's affinity replaces the component's default one (e.g. etcd's spread over nodes).
      spec: { ...props.spec, ...sched, affinity: sched.affinity ?? props.spec.affinity },
    };
    if (statefulSet) {
      const spec = { ...statefulSet, volumeClaimTemplates: nonEmpty(statefulSet.volumeClaimTemplates), replicas, selector, template };
      new KubeStatefulSet(this, 'statefulset', { metadata, spec });
    } else {
      new k8s.KubeDeployment(this, 'deployment', { metadata, spec: { replicas, selector, template } });
    }
    this.rendered = { id: component, kind: statefulSet ? 'StatefulSet' : 'Deployment', name: ctx.name(component), replicas, version };
    if (replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: ctx.metadata(component, component),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector },
      });
    }
  }
}
