/**
 * Starts the KelemetryInstance operator: the watches (informers on instances and on every owned kind),
 * the work queue and the controller's workers, and the AuditFlowing loop, as leader-only runnables of
 * the manager; the metrics server for every replica. stop() drains: no new keys, queued and in-flight
 * reconciles finish, informers stop, the lease is released.
 */
import { hostname } from 'node:os';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { AuditFlowingProbe } from '../runtime/diagnose/auditFlowing.ts';
import { PodProxyScraper } from '../runtime/diagnose/kubeTargets.ts';
import { DEFAULT_LEASE_TIMING, LeaderElector } from '../runtime/k8s/leaderElection.ts';
import { KubeRest } from '../runtime/k8s/rest.ts';
import type { HostPort } from '../runtime/util/hostPort.ts';
import type { Logger } from '../runtime/util/log.ts';
import { AuditFlowingMonitor } from './controller/auditFlowing.ts';
import { Controller } from './controller/controller.ts';
import { EventRecorder } from './controller/events.ts';
import { createOperatorMetrics, type OperatorMetrics } from './controller/metrics.ts';
import { Reconciler } from './controller/reconciler.ts';
import { Watches } from './controller/watches.ts';
import { ItemExponentialRateLimiter, WorkQueue } from './controller/workqueue.ts';
import { Manager, untilAborted, type Runnable } from './manager.ts';
import { isLoopback, kubeMetricsGuard } from './metricsAuth.ts';
import { metricsServer } from './metricsServer.ts';

const CONTROLLER = 'kelemetryinstance';

export interface OperatorLeaderElection {
  /** Namespace of the Lease. */
  namespace: string;
  /** Lease name (default kelemetry-operator). */
  name?: string;
  identity?: string;
  /** controller-runtime's defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface OperatorOptions {
  kubeconfig: KubeConfig;
  logger: Logger;
  registry: Registry;
  /** Reconcile workers (distinct instances are reconciled in parallel, one key never twice at once). */
  workers?: number;
  /** Lease-based leader election; false runs as leader at once (single replica, tests). */
  leaderElection?: OperatorLeaderElection | false;
  /** Server-side watch timeout: each watch is replaced at least this often. */
  watchTimeoutSeconds?: number;
  /** How often discovery is asked whether the Prometheus Operator's kinds are served (default 30 s). */
  optionalKindsIntervalMs?: number;
  probeStores?: boolean;
  /**
   * The AuditFlowing condition: how often each instance's pods are scraped (default 60 s) and the window
   * audit figures are judged over (default 5 min); false turns the condition off.
   */
  auditFlowing?: { intervalMs?: number; windowMs?: number } | false;
  /** Retry backoff bounds (controller-runtime: 5 ms … 1000 s). */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
  /** Where to serve /metrics, /healthz and /readyz; not served when undefined. */
  metricsListen?: HostPort;
  /**
   * /metrics only for callers allowed to `get` it (TokenReview + SubjectAccessReview, metricsAuth.ts).
   * Default: on whenever metricsListen is not a loopback address.
   */
  metricsAuth?: boolean;
  /** Namespaces whose instances are reconciled (the install grants namespaced rights there only); all when unset. */
  watchNamespaces?: string[];
}

/** A filter on `namespace/name` keys: instances outside the watched namespaces are left alone. */
export function namespaceScope(namespaces: string[] | undefined): (key: string) => boolean {
  if (!namespaces?.length || namespaces.includes('*')) return () => true;
  const allowed = new Set(namespaces);
  return (key) => allowed.has(key.slice(0, key.indexOf('/')));
}

export interface RunningOperator {
  metrics: OperatorMetrics;
  isLeader(): boolean;
  /** True once leading and every informer has listed. */
  ready(): boolean;
  stop(): Promise<void>;
  /** Resolves after stop(); rejects with the reason when the operator stopped itself (a runnable failed, the lease was lost). */
  done: Promise<void>;
}

export function startOperator(opts: OperatorOptions): RunningOperator {
  const log = opts.logger.child({ component: 'operator' });
  const metrics = createOperatorMetrics(opts.registry);
  const cluster = opts.kubeconfig.getCurrentContext() || 'in-cluster';
  const rest = new KubeRest(cluster, opts.kubeconfig, { userAgent: 'kelemetry-operator', writes: metrics.kubeWrites });
  const queue = new WorkQueue(new ItemExponentialRateLimiter(opts.backoff ?? { baseDelayMs: 5, maxDelayMs: 1_000_000 }), {
    depth: metrics.queueDepth,
    adds: metrics.queueAdds,
    retries: metrics.queueRetries,
  });
  const inScope = namespaceScope(opts.watchNamespaces);
  const enqueue = (key: string) => {
    if (inScope(key)) queue.add(key);
  };
  const watches = new Watches({ rest, logger: log, registry: opts.registry, watchTimeoutSeconds: opts.watchTimeoutSeconds, optionalKindsIntervalMs: opts.optionalKindsIntervalMs, enqueue });
  const monitor = opts.auditFlowing === false ? undefined : auditFlowingMonitor(opts, opts.auditFlowing ?? {}, metrics, log, enqueue);
  const events = new EventRecorder({ rest, logger: log, emitted: metrics.events });
  const reconciler = new Reconciler({ rest, cache: watches, logger: log, probeStores: opts.probeStores, auditFlowing: monitor, events });
  const controller = new Controller({ name: CONTROLLER, queue, reconciler, workers: opts.workers ?? 2, metrics, logger: log, waitForSync: (s) => watches.waitForSync(s) });

  const election = opts.leaderElection ? leaderElector(opts.kubeconfig, cluster, opts.leaderElection, log) : undefined;
  const manager = new Manager({ logger: log, elector: election?.elector, leaderGauge: metrics.leader });
  const ready = () => manager.isLeader() && watches.hasSynced();
  // Its own client: a review is a create, which must not count as one of the operator's writes.
  const reviews = opts.metricsListen && (opts.metricsAuth ?? !isLoopback(opts.metricsListen.host)) ? new KubeRest(cluster, opts.kubeconfig, { userAgent: 'kelemetry-operator/metrics-auth' }) : undefined;
  if (opts.metricsListen) {
    const guard = reviews && kubeMetricsGuard({ rest: reviews, logger: log, decisions: metrics.metricsAuth });
    manager.add(metricsServer(opts.metricsListen, opts.registry, () => !manager.isLeader() || ready(), log, guard), { leaderElection: false });
  }
  manager.add(watches, { leaderElection: true });
  if (monitor) manager.add(monitorRunnable(monitor), { leaderElection: true });
  manager.add(controller, { leaderElection: true });
  manager.start();

  return {
    metrics,
    isLeader: () => manager.isLeader(),
    ready,
    done: manager.done,
    async stop() {
      await manager.stop();
      rest.close();
      reviews?.close();
      election?.rest.close();
    },
  };
}

function leaderElector(kubeconfig: KubeConfig, cluster: string, le: OperatorLeaderElection, logger: Logger) {
  // Its own client: lease renewals are the one write a healthy leader makes in steady state, and are
  // kept out of the write counter (and marked in audit logs by their user agent).
  const rest = new KubeRest(cluster, kubeconfig, { userAgent: 'kelemetry-operator/leader-election' });
  const elector = new LeaderElector({
    rest,
    namespace: le.namespace,
    name: le.name ?? 'kelemetry-operator',
    identity: le.identity ?? `${process.env.POD_NAME ?? hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
    timing: {
      leaseDurationMs: le.leaseDurationMs ?? DEFAULT_LEASE_TIMING.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs ?? DEFAULT_LEASE_TIMING.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs ?? DEFAULT_LEASE_TIMING.retryPeriodMs,
    },
    logger,
  });
  return { rest, elector };
}

function auditFlowingMonitor(opts: OperatorOptions, af: { intervalMs?: number; windowMs?: number }, metrics: OperatorMetrics, logger: Logger, onChange: (key: string) => void) {
  // Reads only (pod list, pod proxy GETs) through client-node: none of it is counted as a write.
  const core = opts.kubeconfig.makeApiClient(CoreV1Api);
  const scraper = new PodProxyScraper(opts.kubeconfig, 5_000);
  const windowMs = af.windowMs ?? 5 * 60_000;
  return new AuditFlowingMonitor({
    newProbe: () => new AuditFlowingProbe(core, (t) => scraper.scrape(t), windowMs),
    onChange,
    intervalMs: af.intervalMs ?? 60_000,
    logger,
    checks: metrics.auditFlowingChecks,
  });
}

function monitorRunnable(monitor: AuditFlowingMonitor): Runnable {
  return {
    name: 'audit-flowing',
    async run(signal) {
      monitor.start();
      await untilAborted(signal);
      monitor.stop();
    },
  };
}
