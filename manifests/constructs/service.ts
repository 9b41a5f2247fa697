/** Props of the Service in front of a component, selecting its pods by their selector labels. */
import { k8s } from 'cdk8s-plus-33';
import { selectorLabels, type ComponentId } from '../naming.ts';
import type { InstanceContext } from './context.ts';

export interface ServiceOptions {
  /** No cluster IP: DNS names each pod (StatefulSet members). */
  headless?: boolean;
  type?: string;
  /** DNS names pods before they are ready (etcd members must find each other to become ready). */
  publishNotReady?: boolean;
}

export function serviceProps(ctx: InstanceContext, suffix: string, component: ComponentId, ports: k8s.ServicePort[], opts: ServiceOptions = {}): k8s.KubeServiceProps {
  return {
    metadata: ctx.metadata(suffix, component),
    spec: {
      type: opts.headless ? undefined : (opts.type ?? 'ClusterIP'),
      clusterIp: opts.headless ? 'None' : undefined,
      publishNotReadyAddresses: opts.publishNotReady || undefined,
      selector: selectorLabels(ctx.ref, component),
      ports,
    },
  };
}

/** A TCP port that forwards to the container port of the same name. */
export function servicePort(name: string, port: number, nodePort?: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP', nodePort };
}
