/** The informers role: the diff and event controllers that watch the traced clusters. */
import { Construct } from 'constructs';
import { PORTS } from '../ports.ts';
import { containerPort } from '../workload.ts';
import { Component } from './component.ts';
import type { InstanceContext } from './context.ts';
import { kelemetryContainer, kelemetryFiles, kelemetryPodSpec } from './kelemetryPod.ts';

export class Informers extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, configYaml: string) {
    super(scope, id);
    const { informers } = ctx.inst.spec;
    const files = kelemetryFiles(ctx);
    new Component(this, 'workload', {
      ctx,
      component: 'informers',
      replicas: informers.replicas,
      pod: informers.pod,
      spec: kelemetryPodSpec(ctx, 'informers', files, [kelemetryContainer(ctx, 'informers', informers.pod, files, informers.diff.debugApi ? [containerPort('diff-api', PORTS.diffApi)] : [])]),
      configText: configYaml,
    });
  }
}
