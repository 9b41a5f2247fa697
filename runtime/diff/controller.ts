/**
 * The diff controller (spec 7.2): per traced cluster, while one of N watch leaders (Leases in that
 * cluster), watch every listable+watchable resource discovery reports (minus exclusions and
 * subresources), and write patches / snapshots to the diff cache. Among the watch leaders, one write
 * leader writes; the others keep a lease duration of writes to replay if they take over.
 */
import type { Gauge, Counter, Registry } from 'prom-client';
import type { DiffControllerConfig } from '../config/sections/informers.ts';
import type { KubeClients } from '../k8s/clients.ts';
import type { ApiResourceInfo, Discovery } from '../k8s/discovery.ts';
import { groupResourceString, gvrString } from '../k8s/gvr.ts';
import { MultiLeaderElector } from '../k8s/multiLeader.ts';
import { counter, gauge } from '../metrics/define.ts';
import { keyString } from '../model/objectKey.ts';
import { Backoff } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { Monitor, type MonitorSink } from './monitor.ts';
import { Redactor } from './redact.ts';
import type { DiffCache } from './types.ts';
import { WritePool } from './writePool.ts';

export interface DiffControllerDeps {
  /** The traced clusters (names). */
  clusters: string[];
  clients: KubeClients;
  discovery: Discovery;
  cache: DiffCache;
  logger: Logger;
  registry: Registry;
  /** Lease identity (tests run several controllers in one process). */
  identity?: string;
}

/** `p`, or a rejection after `ms`. */
async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `wake` is called or `signal` aborts, whichever is first. */
function wakeOrAbort(signal: AbortSignal, setWake: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    setWake(done);
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

/** How often the first-list check looks at the monitors. */
const LISTED_POLL_MS = 250;

/** Whether there are monitors and every one has taken its first list. */
/**
 * Every monitor has its first list, or is refused by RBAC: a cluster admin grants custom resources to the
 * reader role on purpose (aggregation label), and one not granted must not keep the informers unready.
 * The refusal is logged and counted (kube_watch_error_count{reason="403"}).
 */
function allSynced(monitors: Map<string, Monitor>): boolean {
  if (monitors.size === 0) return false;
  for (const m of monitors.values()) if (!m.synced && !m.forbidden) return false;
  return true;
}

/**
 * How long a replica that is not the writer keeps its diffs for replay. A killed writer's lease runs out
 * (the writer election's lease, not the watch election's) and the next writer needs a retry period or two
 * to win it: diffs seen meanwhile must still be there (the fault suite lost the ones buffered right after
 * a SIGKILL when this was only the watch lease).
 */
export function writeBufferMs(config: Pick<DiffControllerConfig, 'leaderElection' | 'writerElection'>): number {
  const { leaderElection: watch, writerElection: writer } = config;
  return Math.max(watch.leaseDuration, writer.leaseDuration) + 2 * writer.retryPeriod;
}

export class DiffController {
  private readonly config: DiffControllerConfig;
  private readonly deps: DiffControllerDeps;
  private readonly logger: Logger;
  private readonly excluded: Set<string>;
  private readonly redactor: Redactor;
  private readonly electors: MultiLeaderElector[] = [];
  private readonly monitorsGauge: Gauge<'cluster'>;
  private readonly poolDepth: Gauge<'cluster'>;
  private readonly writeErrors: Counter<'cluster'>;
  private readonly listedSince: Gauge<'cluster'>;
  private readonly active = new Map<string, Map<string, Monitor>>();

  constructor(config: DiffControllerConfig, deps: DiffControllerDeps) {
    this.config = config;
    this.deps = deps;
    this.logger = deps.logger.child({ component: 'diff-controller' });
    this.excluded = new Set(config.excludeResources);
    this.redactor = new Redactor(config);
    this.monitorsGauge = gauge(deps.registry, 'diff_controller_monitors', 'Resources being watched.', ['cluster']);
    this.poolDepth = gauge(deps.registry, 'diff_controller_task_pool', 'Diff cache writes queued or buffered.', ['cluster']);
    this.listedSince = gauge(deps.registry, 'diff_controller_listed_since_seconds', 'When this process last completed a first list of the cluster (epoch seconds); older changes have no diff.', ['cluster']);
    this.writeErrors = counter(deps.registry, 'diff_controller_write_error_count', 'Diff cache writes that failed.', ['cluster']);
  }

  start(): void {
    for (const cluster of this.deps.clusters) {
      const elector = this.elector(`diff-controller/${cluster}`, cluster, this.config.leaderElection, (_id, signal) => this.watchAsLeader(cluster, signal));
      elector.start();
      this.electors.push(elector);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.electors.map((e) => e.stop()));
  }

  /**
   * Ready once every resource watched here has been listed. A standby (leading no cluster) is ready:
   * readiness only says this process is not missing diffs it should be writing.
   */
  ready(): boolean {
    for (const monitors of this.active.values()) if (!allSynced(monitors)) return false;
    return true;
  }

  /** Objects tracked across all monitors (for RSS-per-object measurements). */
  trackedObjects(): number {
    let n = 0;
    for (const m of this.active.values()) for (const mon of m.values()) n += mon.size;
    return n;
  }

  /** Resources currently watched in a cluster (gvr strings). */
  watched(cluster: string): string[] {
    return [...(this.active.get(cluster)?.keys() ?? [])];
  }

  private elector(component: string, cluster: string, config: DiffControllerConfig['leaderElection'], body: ConstructorParameters<typeof MultiLeaderElector>[1]): MultiLeaderElector {
    const { clients, registry, identity } = this.deps;
    // Through an apiserver outage the watches resume (or relist against the objects kept): stepping down
    // would drop them, and changes before the next first list would have no diff. A second watch leader
    // or writer meanwhile is harmless: writes are idempotent.
    return new MultiLeaderElector({ component, rest: clients.get(cluster).rest, config, logger: this.logger, registry, identity, keepWhileUnreachable: true }, body);
  }

  private async watchAsLeader(cluster: string, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ cluster });
    const pool = this.writePool(cluster, log);
    const writer = this.writerElection(cluster, pool, signal);
    writer?.start();
    const monitors = new Map<string, Monitor>();
    this.active.set(cluster, monitors);
    const marking = this.markListed(cluster, monitors, pool, log, signal);
    try {
      await this.keepMonitors(cluster, monitors, this.sinkTo(pool), log, signal);
    } finally {
      await Promise.all([...monitors.values()].map((m) => m.stop()));
      monitors.clear();
      this.active.delete(cluster);
      this.monitorsGauge.set({ cluster }, 0);
      await writer?.stop();
      await pool.close(); // also releases a marker write waiting for room
      await marking;
    }
  }

  /**
   * Once every monitor has its first list, writes the cluster's "listed since" marker (through the pool,
   * so only the write leader writes it): the diff decorator does not wait for diffs of older changes.
   */
  private async markListed(cluster: string, monitors: Map<string, Monitor>, pool: WritePool, log: Logger, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !allSynced(monitors)) await sleep(LISTED_POLL_MS, signal);
    if (signal.aborted) return;
    const ms = Date.now();
    log.info('first list complete', { resources: monitors.size, listedSince: new Date(ms).toISOString() });
    this.listedSince.set({ cluster }, ms / 1000);
    const { cache } = this.deps;
    await pool.submit({ describe: `listed-since marker of ${cluster}`, run: () => withTimeout(cache.storeListedSince(cluster, ms), this.config.storeTimeout) });
  }

  private writePool(cluster: string, log: Logger): WritePool {
    const { config } = this;
    return new WritePool(
      { workers: config.workerCount, maxPending: config.maxPendingTasks, bufferMs: writeBufferMs(config), writeLeader: !config.writerElection.enabled },
      {
        logger: log,
        depth: this.poolDepth,
        labels: { cluster },
        onError: (w, err) => {
          this.writeErrors.inc({ cluster });
          log.warn('diff cache write failed', { write: w.describe, err });
        },
      },
    );
  }

  /** With writer election, only its leader's pool writes; without, every watch leader's pool does. */
  private writerElection(cluster: string, pool: WritePool, signal: AbortSignal): MultiLeaderElector | undefined {
    if (!this.config.writerElection.enabled) return undefined;
    return this.elector(`diff-writer/${cluster}`, cluster, this.config.writerElection, async (_id, lost) => {
      pool.setWriteLeader(true);
      await new Promise<void>((r) => (lost.aborted ? r() : lost.addEventListener('abort', () => r(), { once: true })));
      // Keep writing until the next writer surely took over (writes are idempotent).
      await sleep(this.config.leaderElection.leaseDuration, signal);
      pool.setWriteLeader(false);
    });
  }

  private sinkTo(pool: WritePool): MonitorSink {
    const { cache } = this.deps;
    const timeout = this.config.storeTimeout;
    return {
      patch: (key, patch) => pool.submit({ describe: `patch ${keyString(key)}@${patch.NewResourceVersion}`, run: () => withTimeout(cache.storePatch(key, patch), timeout) }),
      snapshot: (key, name, snap) => pool.submit({ describe: `${name} snapshot ${keyString(key)}`, run: () => withTimeout(cache.storeSnapshot(key, name, snap), timeout) }),
    };
  }

  /** Resyncs the monitors with discovery now and on each discovery change, retrying failures, until aborted. */
  private async keepMonitors(cluster: string, monitors: Map<string, Monitor>, sink: MonitorSink, log: Logger, signal: AbortSignal): Promise<void> {
    let dirty = true;
    let wake: () => void = () => {};
    const unsubscribe = this.deps.discovery.for(cluster).onChange(() => {
      dirty = true;
      wake();
    });
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    try {
      while (!signal.aborted) {
        if (dirty) {
          dirty = false;
          try {
            await this.resync(cluster, monitors, sink, log, signal);
            backoff.reset();
          } catch (err) {
            dirty = true;
            const backoffMs = backoff.next();
            log.warn('resyncing monitors failed; retrying', { err, backoffMs });
            await sleep(backoffMs, signal);
            continue;
          }
        }
        await wakeOrAbort(signal, (w) => (wake = w));
      }
    } finally {
      unsubscribe();
    }
  }

  /** Stops monitors of resources that went away and starts monitors of new ones. */
  private async resync(cluster: string, monitors: Map<string, Monitor>, sink: MonitorSink, log: Logger, signal: AbortSignal): Promise<void> {
    const wanted = new Map<string, ApiResourceInfo>();
    for (const info of await this.deps.discovery.for(cluster).resources()) {
      if (!info.verbs.includes('list') || !info.verbs.includes('watch')) continue;
      if (this.excluded.has(groupResourceString(info.group, info.resource))) continue;
      wanted.set(gvrString(info), info);
    }
    for (const [gvr, m] of monitors) {
      if (wanted.has(gvr)) continue;
      monitors.delete(gvr);
      await m.stop();
    }
    const rest = this.deps.clients.get(cluster).rest;
    for (const [gvr, info] of wanted) {
      if (monitors.has(gvr) || signal.aborted) continue;
      const m = new Monitor(this.config, { cluster, info, rest, redactor: this.redactor, sink, logger: log, registry: this.deps.registry });
      monitors.set(gvr, m);
      m.start();
    }
    this.monitorsGauge.set({ cluster }, monitors.size);
    log.info('watching resources', { count: monitors.size });
  }
}
