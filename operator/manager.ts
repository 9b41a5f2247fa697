/**
 * Runs the operator: leader election, informers on KelemetryInstance and on every owned kind (label
 * selected), the work queue and its workers. Children map to their instance through labels (which also
 * covers cluster-scoped children without owner references). stop() drains: no new keys, in-flight
 * reconciles finish, informers stop, the lease is released.
 */
import { hostname } from 'node:os';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL, MANAGED_BY } from '../manifests/naming.ts';
import { AuditFlowingProbe } from '../runtime/diagnose/auditFlowing.ts';
import { PodProxyScraper } from '../runtime/diagnose/kubeTargets.ts';
import type { Logger } from '../runtime/util/log.ts';
import type { K8sObject } from './controller/apply.ts';
import { AuditFlowingMonitor } from './controller/auditFlowing.ts';
import { Informer } from './controller/informer.ts';
import { LeaderElector } from './controller/leader.ts';
import { createOperatorMetrics, type OperatorMetrics } from './controller/metrics.ts';
import { Reconciler, TerminalError } from './controller/reconciler.ts';
import { ItemExponentialRateLimiter, WorkQueue } from './controller/workqueue.ts';
import { KubeClient } from './kube/client.ts';
import { INSTANCE_RESOURCE, OWNED_RESOURCES, collectionPath } from './kube/resources.ts';

const CONTROLLER = 'kelemetryinstance';

export interface OperatorOptions {
  kubeconfig: KubeConfig;
  logger: Logger;
  registry: Registry;
  /** Reconcile workers (distinct instances are reconciled in parallel, one key never twice at once). */
  workers?: number;
  /** Lease-based leader election; false runs as leader at once (single replica, tests). */
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | false;
  /** Server-side watch timeout: each watch is replaced at least this often. */
  watchTimeoutSeconds?: number;
  probeStores?: boolean;
  /**
   * The AuditFlowing condition: how often each instance's pods are scraped (default 60 s) and the window
   * audit figures are judged over (default 5 min); false turns the condition off.
   */
  auditFlowing?: { intervalMs?: number; windowMs?: number } | false;
  /** Retry backoff bounds (controller-runtime: 5 ms … 1000 s). */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
}

export interface RunningOperator {
  metrics: OperatorMetrics;
  isLeader(): boolean;
  /** True once leading and every informer has listed. */
  ready(): boolean;
  stop(): Promise<void>;
  /** Resolves when the operator stopped by itself (lost its lease); the CLI exits then. */
  stopped: Promise<void>;
}

export function startOperator(opts: OperatorOptions): RunningOperator {
  const log = opts.logger.child({ component: 'operator' });
  const metrics = createOperatorMetrics(opts.registry);
  const client = new KubeClient(opts.kubeconfig, { writes: metrics.kubeWrites, userAgent: 'kelemetry-operator' });
  let queue: WorkQueue | undefined;
  let informers: Informer<K8sObject>[] = [];
  let monitor: AuditFlowingMonitor | undefined;
  let workers: Promise<void>[] = [];
  let synced = false;
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const enqueueOwner = (o: K8sObject) => {
    const l = o.metadata.labels ?? {};
    const name = l[INSTANCE_LABEL];
    const ns = o.metadata.namespace || l[INSTANCE_NAMESPACE_LABEL];
    if (name && ns) queue?.add(`${ns}/${name}`);
  };

  async function worker(q: WorkQueue, reconciler: Reconciler): Promise<void> {
    for (;;) {
      const key = await q.get();
      if (key === undefined) return;
      const end = metrics.reconcileTime.startTimer({ controller: CONTROLLER });
      metrics.activeWorkers.inc({ controller: CONTROLLER });
      try {
        const result = await reconciler.reconcile(key);
        q.forget(key);
        if (result.requeueAfterMs) {
          q.addAfter(key, result.requeueAfterMs);
          metrics.reconcileTotal.inc({ controller: CONTROLLER, result: 'requeue_after' });
        } else {
          metrics.reconcileTotal.inc({ controller: CONTROLLER, result: 'success' });
        }
      } catch (err) {
        if (err instanceof TerminalError) {
          q.forget(key);
          metrics.terminalErrors.inc({ controller: CONTROLLER });
          metrics.reconcileTotal.inc({ controller: CONTROLLER, result: 'error' });
          log.error('reconcile failed; not retrying until the instance changes', { instance: key, err: err });
        } else {
          metrics.reconcileErrors.inc({ controller: CONTROLLER });
          metrics.reconcileTotal.inc({ controller: CONTROLLER, result: 'error' });
          log.warn('reconcile failed; retrying with backoff', { instance: key, retries: q.limiter.retries(key), err: err });
          q.addRateLimited(key);
        }
      } finally {
        end();
        metrics.activeWorkers.dec({ controller: CONTROLLER });
        q.done(key);
      }
    }
  }

  async function startControllers(): Promise<void> {
    const q = new WorkQueue(new ItemExponentialRateLimiter(opts.backoff ?? { baseDelayMs: 5, maxDelayMs: 1_000_000 }), {
      depth: metrics.queueDepth,
      adds: metrics.queueAdds,
      retries: metrics.queueRetries,
    });
    queue = q;
    const informerMetrics = { lists: metrics.informerLists, watches: metrics.informerWatches, failures: metrics.informerFailures };
    const instancePath = collectionPath(INSTANCE_RESOURCE);
    const instances = new Informer<K8sObject>({
      kubeconfig: opts.kubeconfig,
      path: instancePath,
      list: () => client.list<K8sObject>(instancePath),
      logger: log,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
      metrics: informerMetrics,
      handler: (event, obj, old) => {
        // Status-only updates (our own writes) change neither generation nor metadata we act on.
        if (event === 'update' && old && sameExceptStatus(obj, old)) return;
        q.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
      },
    });
    const owned = new Map<string, Informer<K8sObject>>();
    const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
    for (const r of OWNED_RESOURCES) {
      const path = collectionPath(r);
      owned.set(
        r.kind,
        new Informer<K8sObject>({
          kubeconfig: opts.kubeconfig,
          path,
          labelSelector: selector,
          list: () => client.list<K8sObject>(path, selector),
          logger: log,
          watchTimeoutSeconds: opts.watchTimeoutSeconds,
          metrics: informerMetrics,
          handler: (_event, obj) => enqueueOwner(obj),
        }),
      );
    }
    informers = [instances, ...owned.values()];
    for (const inf of informers) inf.start();
    await Promise.all(informers.map((i) => i.synced));
    if (stopping) return;
    synced = true;
    log.info('caches synced; reconciling', { instances: instances.list().length });
    if (opts.auditFlowing !== false) {
      // Reads only (pod list, pod proxy GETs) through client-node: none of it is counted as a write.
      const core = opts.kubeconfig.makeApiClient(CoreV1Api);
      const scraper = new PodProxyScraper(opts.kubeconfig, 5_000);
      const windowMs = opts.auditFlowing?.windowMs ?? 5 * 60_000;
      monitor = new AuditFlowingMonitor({
        newProbe: () => new AuditFlowingProbe(core, (t) => scraper.scrape(t), windowMs),
        onChange: (key) => q.add(key),
        intervalMs: opts.auditFlowing?.intervalMs ?? 60_000,
        logger: log,
        checks: metrics.auditFlowingChecks,
      });
      monitor.start();
    }
    const reconciler = new Reconciler({ client, instances, owned, logger: log, probeStores: opts.probeStores, auditFlowing: monitor });
    workers = Array.from({ length: opts.workers ?? 2 }, () => worker(q, reconciler));
  }

  async function stopControllers(): Promise<void> {
    queue?.shutDown();
    monitor?.stop();
    monitor = undefined;
    await Promise.all(workers);
    for (const inf of informers) inf.stop();
    synced = false;
  }

  let elector: LeaderElector | undefined;
  if (opts.leaderElection) {
    const le = opts.leaderElection;
    elector = new LeaderElector({
      // Its own client: lease renewals are the one write a healthy leader makes in steady state, and
      // are kept out of the write counter (and marked in audit logs by their user agent).
      client: new KubeClient(opts.kubeconfig, { userAgent: 'kelemetry-operator/leader-election' }),
      namespace: le.namespace,
      name: le.name ?? 'kelemetry-operator',
      identity: le.identity ?? `${process.env.POD_NAME ?? hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger: log,
      isLeader: metrics.leader,
      onStartedLeading: () => void startControllers().catch((err: unknown) => log.error('controllers failed to start', { err: err })),
      onStoppedLeading: () => {
        // Like controller-runtime: a process that lost its lease stops; the Deployment restarts it.
        void stopControllers().then(() => resolveStopped());
      },
    });
    elector.start();
  } else {
    metrics.leader.set(1);
    void startControllers().catch((err: unknown) => log.error('controllers failed to start', { err: err }));
  }

  return {
    metrics,
    isLeader: () => (elector ? elector.isLeading : true),
    ready: () => synced,
    stopped,
    async stop() {
      stopping = true;
      log.info('stopping: draining the work queue');
      await stopControllers();
      await elector?.stop();
      metrics.leader.set(0);
      resolveStopped();
    },
  };
}

function sameExceptStatus(a: K8sObject, b: K8sObject): boolean {
  const strip = (o: K8sObject) => {
    const { status: _s, ...rest } = o as K8sObject & { status?: unknown };
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = rest.metadata as K8sObject['metadata'] & { managedFields?: unknown };
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}
