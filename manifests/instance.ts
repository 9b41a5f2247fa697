/**
 * One KelemetryInstance as a cdk8s chart of typed L1 objects (cdk8s-plus-33's k8s.Kube* classes), one
 * construct per concern (constructs/). Names are stable and explicit; nothing is hashed or defaulted by
 * cdk8s. renderInstance builds a fresh App + chart per call (construct trees are not reusable) and
 * returns `chart.toJson()`: no files are written.
 */
import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KelemetryInstance } from '../api/types.ts';
import { Component } from './constructs/component.ts';
import { Consumer } from './constructs/consumer.ts';
import { InstanceContext } from './constructs/context.ts';
import { Etcd } from './constructs/etcd.ts';
import { Frontend } from './constructs/frontend.ts';
import { Informers } from './constructs/informers.ts';
import { Jaeger } from './constructs/jaeger.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { NetworkPolicies } from './constructs/networkPolicy.ts';
import { Rbac } from './constructs/rbac.ts';
import { RuntimeConfig } from './constructs/runtimeConfig.ts';
import { COMPONENTS, type ComponentId } from './naming.ts';
import { usesBackend, type Role } from './runtimeConfig.ts';
import type { RenderedComponent } from './workload.ts';

export interface RenderOptions {
  /** The version each component is rendered at; the rollout planner holds some back. Default: spec.version. */
  versions?: Partial<Record<ComponentId, string>>;
}

export interface RenderedInstance {
  objects: Record<string, unknown>[];
  components: RenderedComponent[];
  /** One runtime config document (YAML) per role, as put in the ConfigMap. */
  configs: Record<Role, string>;
}

export interface InstanceChartProps extends RenderOptions {
  instance: KelemetryInstance;
}

export class InstanceChart extends Chart {
  readonly configs: Record<Role, string>;

  constructor(scope: Construct, id: string, props: InstanceChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const ctx = new InstanceContext(props.instance, props.versions);
    const { storage } = props.instance.spec;
    // Objects are emitted in construct order: config and RBAC first, then stores before their users.
    this.configs = new RuntimeConfig(this, 'config', ctx).configs;
    new Rbac(this, 'rbac', ctx);
    if (storage.etcd.managed && usesBackend(props.instance, 'etcd')) new Etcd(this, 'etcd', ctx, storage.etcd.managed);
    if (storage.jaeger.managed) new Jaeger(this, 'jaeger', ctx, storage.jaeger.managed);
    new Informers(this, 'informers', ctx, this.configs.informers);
    new Consumer(this, 'consumer', ctx, this.configs.consumer);
    new Frontend(this, 'frontend', ctx, this.configs.frontend);
    // Opt-in, after the workloads whose pods they select.
    new Monitoring(this, 'monitoring', ctx);
    if (props.instance.spec.networkPolicy.enabled) new NetworkPolicies(this, 'network-policy', ctx, this.components.map((c) => c.id));
  }

  /** The rendered workloads, in rollout order. */
  get components(): RenderedComponent[] {
    const order = (id: ComponentId) => COMPONENTS.indexOf(id);
    const found = this.node.findAll().filter((c): c is Component => c instanceof Component);
    return found.map((c) => c.rendered).sort((a, b) => order(a.id) - order(b.id));
  }
}

/** Renders every object of one instance. Pure: same input, same output (golden-file tested). */
export function renderInstance(inst: KelemetryInstance, opts: RenderOptions = {}): RenderedInstance {
  const chart = new InstanceChart(new App(), inst.metadata.name, { instance: inst, versions: opts.versions });
  return { objects: chart.toJson(), components: chart.components, configs: chart.configs };
}
