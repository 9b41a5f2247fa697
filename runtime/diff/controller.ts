/**
 * The diff controller (spec 7.2): per traced cluster, while one of N watch leaders (Leases in that
 * cluster), watch every listable+watchable resource discovery reports (minus exclusions and
 * subresources), and write patches / snapshots to the diff cache. Among the watch leaders, one write
 * leader writes; the others keep a lease duration of writes to replay if they take over.
 */
import type { Registry } from 'prom-client';
import type { DiffControllerConfig } from '../config/sections/informers.ts';
import type { KubeClients } from '../k8s/clients.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { groupResourceString, gvrString } from '../k8s/gvr.ts';
import { sleep } from '../k8s/listWatch.ts';
import { gauge, counter } from '../metrics/define.ts';
import { MultiLeaderElector } from '../k8s/multiLeader.ts';
import { keyString } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { Monitor } from './monitor.ts';
import { Redactor } from './redact.ts';
import type { DiffCache } from './types.ts';
import { WritePool } from './writePool.ts';

export interface DiffControllerDeps {
  config: DiffControllerConfig;
  clusters: string[];
  clients: KubeClients;
  discovery: Discovery;
  cache: DiffCache;
  logger: Logger;
  registry: Registry;
  /** Lease identity (tests run several controllers in one process). */
  identity?: string;
}

export class DiffController {
  private readonly electors: MultiLeaderElector[] = [];
  private readonly redactor: Redactor;
  private readonly monitorsGauge;
  private readonly poolDepth;
  private readonly writeErrors;
  private readonly active = new Map<string, Map<string, Monitor>>();

  constructor(private readonly deps: DiffControllerDeps) {
    this.redactor = new Redactor({ redactPattern: deps.config.redactPattern, stripManagedFields: deps.config.stripManagedFields });
    this.monitorsGauge = gauge(deps.registry, 'diff_controller_monitors', 'Resources being watched.', ['cluster']);
    this.poolDepth = gauge(deps.registry, 'diff_controller_task_pool', 'Diff cache writes queued or buffered.', ['cluster']);
    this.writeErrors = counter(deps.registry, 'diff_controller_write_error_count', 'Diff cache writes that failed.', ['cluster']);
  }

  start(): void {
    const { config, clients, logger, registry } = this.deps;
    for (const cluster of this.deps.clusters) {
      const elector = new MultiLeaderElector(
        { component: `diff-controller/${cluster}`, rest: clients.get(cluster).rest, config: config.leaderElection, logger, registry, identity: this.deps.identity },
        (_id, signal) => this.watchAsLeader(cluster, signal),
      );
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
    for (const monitors of this.active.values()) {
      if (monitors.size === 0) return false;
      for (const m of monitors.values()) if (!m.synced) return false;
    }
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

  private async watchAsLeader(cluster: string, signal: AbortSignal): Promise<void> {
    const { config, clients, cache, logger, registry } = this.deps;
    const log = logger.child({ component: 'diff-controller', cluster });
    const pool = new WritePool({
      workers: config.workerCount,
      maxPending: config.maxPendingTasks,
      bufferMs: config.leaderElection.leaseDuration,
      logger: log,
      depth: this.poolDepth,
      labels: { cluster },
      writeLeader: !config.writerElection.enabled,
      onError: (w, err) => {
        this.writeErrors.inc({ cluster });
        log.warn('diff cache write failed', { write: w.describe, err });
      },
    });
    const writer = config.writerElection.enabled
      ? new MultiLeaderElector(
          { component: `diff-writer/${cluster}`, rest: clients.get(cluster).rest, config: config.writerElection, logger, registry, identity: this.deps.identity },
          async (_id, lost) => {
            pool.setWriteLeader(true);
            await new Promise<void>((r) => lost.addEventListener('abort', () => r(), { once: true }));
            // Keep writing until the next writer surely took over (writes are idempotent).
            await sleep(config.leaderElection.leaseDuration, signal);
            pool.setWriteLeader(false);
          },
        )
      : undefined;
    writer?.start();

    const withTimeout = (p: Promise<void>) =>
      Promise.race([p, new Promise<void>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${config.storeTimeout} ms`)), config.storeTimeout).unref())]);
    const sink = {
      patch: (key: Parameters<DiffCache['storePatch']>[0], patch: Parameters<DiffCache['storePatch']>[1]) =>
        pool.submit({ describe: `patch ${keyString(key)}@${patch.NewResourceVersion}`, run: () => withTimeout(cache.storePatch(key, patch)) }),
      snapshot: (key: Parameters<DiffCache['storeSnapshot']>[0], name: Parameters<DiffCache['storeSnapshot']>[1], snap: Parameters<DiffCache['storeSnapshot']>[2]) =>
        pool.submit({ describe: `${name} snapshot ${keyString(key)}`, run: () => withTimeout(cache.storeSnapshot(key, name, snap)) }),
    };

    const monitors = new Map<string, Monitor>();
    this.active.set(cluster, monitors);
    const discovery = this.deps.discovery.for(cluster);
    const excluded = new Set(config.excludeResources);
    const resync = async () => {
      const wanted = new Map<string, Awaited<ReturnType<typeof discovery.resources>>[number]>();
      for (const info of await discovery.resources()) {
        if (!info.verbs.includes('list') || !info.verbs.includes('watch')) continue;
        if (excluded.has(groupResourceString(info.group, info.resource))) continue;
        wanted.set(gvrString(info), info);
      }
      for (const [gvr, m] of monitors) {
        if (wanted.has(gvr)) continue;
        monitors.delete(gvr);
        await m.stop();
      }
      for (const [gvr, info] of wanted) {
        if (monitors.has(gvr) || signal.aborted) continue;
        const m = new Monitor(cluster, info, clients.get(cluster).rest, this.redactor, sink, log, registry, config.listPageSize);
        monitors.set(gvr, m);
        m.start();
      }
      this.monitorsGauge.set({ cluster }, monitors.size);
      log.info('watching resources', { count: monitors.size });
    };

    let dirty = true;
    let wake: () => void = () => {};
    const unsubscribe = discovery.onChange(() => {
      dirty = true;
      wake();
    });
    try {
      let backoff = 500;
      while (!signal.aborted) {
        if (dirty) {
          dirty = false;
          try {
            await resync();
            backoff = 500;
          } catch (err) {
            dirty = true;
            log.warn('resyncing monitors failed; retrying', { err, backoffMs: backoff });
            await sleep(backoff, signal);
            backoff = Math.min(backoff * 2, 30_000);
            continue;
          }
        }
        await new Promise<void>((r) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            r();
          };
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } finally {
      unsubscribe();
      await Promise.all([...monitors.values()].map((m) => m.stop()));
      monitors.clear();
      this.active.delete(cluster);
      this.monitorsGauge.set({ cluster }, 0);
      await writer?.stop();
      await pool.close();
    }
  }
}
