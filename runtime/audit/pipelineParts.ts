/**
 * The optional parts of the audit pipeline around its queue: API clients for the dynamic filter and objectRef
 * inference, the audit dump, and the filter's reload and watch loops. The pipeline starts them with the
 * webhook and stops them in two steps: the loops and the dump with the webhook, the clients after the queue
 * has drained (the consumer may still infer objects while draining).
 */
import type { Registry } from 'prom-client';
import type { ClusterConfig } from '../config/schema.ts';
import type { AuditConfig } from '../config/sections/audit.ts';
import { createKubeClients, type KubeClients } from '../k8s/clients.ts';
import { Discovery } from '../k8s/discovery.ts';
import type { Logger } from '../util/log.ts';
import { AuditDump } from './dump.ts';
import { DynamicFilterWatcher } from './dynamicFilter.ts';
import type { AuditFilter, AuditFilterSettings } from './filter.ts';
import { FilterReloader } from './filterReload.ts';
import { discoveryInference, type ObjectInference } from './infer.ts';
import type { ReceivedAuditEvent } from './types.ts';

export interface PipelinePartsDeps {
  clusters: ClusterConfig[];
  filter: AuditFilter;
  registry: Registry;
  logger: Logger;
  observe?: (received: ReceivedAuditEvent) => void;
  reload?: () => AuditFilterSettings | undefined;
}

export class PipelineParts {
  readonly infer: ObjectInference | undefined;
  /** The dump and the caller's observer, as one webhook observer. */
  readonly observe: ((received: ReceivedAuditEvent) => void) | undefined;
  private readonly kube: KubeClients | undefined;
  private readonly discovery: Discovery | undefined;
  private readonly dump: AuditDump | undefined;
  private reloader: FilterReloader | undefined;
  private watcher: DynamicFilterWatcher | undefined;

  constructor(
    private readonly config: AuditConfig,
    private readonly deps: PipelinePartsDeps,
  ) {
    const { registry, logger } = deps;
    const inferOn = config.consumer.enabled && config.consumer.inferObjectRef;
    this.kube = config.filter.dynamic.enabled || inferOn ? createKubeClients(deps.clusters) : undefined;
    this.discovery = this.kube && inferOn ? new Discovery(this.kube, logger, registry) : undefined;
    this.infer = this.discovery ? discoveryInference(this.discovery, logger) : undefined;
    const file = config.dump.file;
    try {
      this.dump = file ? new AuditDump({ ...config.dump, file }, { registry, logger }) : undefined;
    } catch (err) {
      this.close();
      throw new Error(`audit.dump.file ${file}: cannot open: ${(err as Error).message}`, { cause: err });
    }
    const observers = [this.dump?.record, deps.observe].filter((o) => o !== undefined);
    this.observe = observers.length > 0 ? (r) => observers.forEach((o) => o(r)) : undefined;
  }

  /** Starts the filter's reload and watch loops. */
  start(): void {
    const { config } = this;
    const { filter, registry, logger, reload } = this.deps;
    if (reload) this.reloader = new FilterReloader({ filter, initial: config, load: reload, intervalMs: config.filter.reloadInterval, logger, registry });
    this.reloader?.start();
    if (this.kube && config.filter.dynamic.enabled) this.watcher = new DynamicFilterWatcher({ ...config.filter.dynamic, clients: this.kube, filter, logger, registry });
    this.watcher?.start();
  }

  /** Ends the loops and writes and closes the dump. */
  async stop(): Promise<void> {
    await this.reloader?.stop();
    await this.watcher?.stop();
    await this.dump?.stop();
  }

  /** Closes the API clients (after the queue drained). */
  close(): void {
    this.discovery?.stop();
    this.kube?.close();
  }
}
