/**
 * Scenarios of the informers (Event controller + diff controller, two leader-elected `kelemetry run`
 * replicas against the environment's kube-apiserver) while Events are created and ConfigMaps patched, beside
 * the usual audit load: the Event leader SIGKILLed (the standby takes over: each Event's span in Jaeger once,
 * neither repeated nor skipped), and the kube-apiserver restarted in place (the watches resume: Events and
 * diffs of the changes made after it). The row's lost/dup add the Events missing/repeated (and, for the
 * restart, the diffs missing) to the audit load's.
 */
import { createKubeClients } from '../../../runtime/k8s/clients.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { loadedRun, type Row, type Running, type SuiteContext } from '../harness.ts';
import { InformerReplicas, informerNames, type InformerNames } from '../informers.ts';
import { countEvents, missingDiffs, settleEvents } from '../informerCount.ts';
import { KubeActivity } from '../kubeActivity.ts';
import { restartServer } from '../restart.ts';

const eventsPerSecond = 5;
const patchesPerSecond = 2;

interface InformerRunning {
  ctx: SuiteContext;
  replicas: InformerReplicas;
  activity: KubeActivity;
  names: InformerNames;
  /** The audit load's run (the harness). */
  r: Running;
  notes: string[];
  failures: string[];
}

interface FaultResult {
  /** When the fault was over (the apiserver serving again; the leader killed). */
  endMs: number;
  /** Resolves with the ms from endMs until the first Event created after it was in Jaeger. */
  recovery: Promise<number | undefined>;
}

const list = (items: string[], max = 8) => `${items.slice(0, max).join(', ')}${items.length > max ? ` … (${items.length})` : ''}`;

/** Ms from `sinceMs` until the first Event created after it is in Jaeger; undefined after `timeoutMs`. */
async function eventRecovery(ctx: SuiteContext, run: string, activity: KubeActivity, sinceMs: number, fromMs: number, timeoutMs = 90_000): Promise<number | undefined> {
  const deadline = sinceMs + timeoutMs;
  while (Date.now() < deadline) {
    const after = new Map([...activity.events].filter(([, c]) => c.atMs > sinceMs));
    if (after.size) {
      const count = await countEvents(ctx.env.jaeger.storage.remoteStorage, run, activity.namespace, after, fromMs).catch(() => undefined);
      if (count && count.missing.length < after.size) return Date.now() - sinceMs;
    }
    await sleep(500);
  }
  return undefined;
}

async function informersRun(ctx: SuiteContext, name: string, fault: (i: InformerRunning) => Promise<FaultResult>): Promise<Row> {
  const names = informerNames(`${name}-${Date.now().toString(36)}`);
  const cluster = ctx.env.kube.clusterName;
  const clients = createKubeClients([{ name: cluster, kubeconfig: ctx.env.kube.kubeconfig }]);
  const activity = new KubeActivity(clients.get(cluster).rest, `faults-${names.run}`);
  const replicas = new InformerReplicas(ctx.env, names, ctx.dir);
  const startedMs = Date.now();
  const notes: string[] = [];
  const failures: string[] = [];
  let result: FaultResult | undefined;
  try {
    await replicas.start(2);
    if (!(await replicas.leader())) throw new Error(`no Event controller leader among the informer replicas; see ${replicas.replicas.map((r) => r.logFile).join(', ')}`);
    await activity.start(eventsPerSecond, patchesPerSecond);
    const row = await loadedRun(ctx, { name, fault: async (r) => void (result = await fault({ ctx, replicas, activity, names, r, notes, failures })) });
    await activity.stop();
    const recoverMs = await result!.recovery;
    const events = await settleEvents(ctx.env.jaeger.storage.remoteStorage, names.run, activity.namespace, activity.events, startedMs);
    const after = activity.patches.filter((p) => p.atMs > result!.endMs);
    const since = (ms: number) => `${ms >= result!.endMs ? '+' : ''}${((ms - result!.endMs) / 1000).toFixed(1)}`;
    const diffs = await missingDiffs(ctx.env.etcd.endpoint, names.diffPrefix, cluster, activity.namespace, after);
    notes.push(
      `Events: ${events.created} created (${eventsPerSecond}/s on 3 ConfigMaps), ${events.found} spans in Jaeger, ${events.missing.length} missing, ${events.repeated} repeated` +
        (events.missing.length ? ` (missing, created at fault end + s: ${list(events.missing.map((e) => `${e} ${since(activity.events.get(e)!.atMs)}`))})` : ''),
      `diffs: ${after.length} ConfigMap patches served after the fault, ${diffs.length} without a diff in the diff cache` +
        (diffs.length ? ` (served at fault end + s: ${list(diffs.map((p) => `${p.name}@${p.rv} ${since(p.atMs)}`))})` : ''),
      `recover (Events): end of the fault → the first Event created after it in Jaeger ${recoverMs === undefined ? 'never' : `${(recoverMs / 1000).toFixed(1)} s`}; audit recover ${row.recoverMs === undefined ? 'never' : `${(row.recoverMs / 1000).toFixed(1)} s`}`,
      `requests to the apiserver retried ${activity.failures.n} times`,
    );
    if (recoverMs === undefined) failures.push('no Event created after the fault reached Jaeger');
    for (const r of replicas.crashed()) failures.push(`informer replica ${r.name} exited; log tail:\n${r.tail(10)}`);
    const lost = row.lost + events.missing.length + diffs.length;
    const duplicated = row.duplicated + events.repeated;
    const failed = failures.length > 0 || row.status === 'fail';
    return {
      ...row,
      status: failed ? 'fail' : lost || duplicated ? 'loss' : row.status,
      lost,
      duplicated,
      recoverMs: recoverMs === undefined || row.recoverMs === undefined ? undefined : Math.max(recoverMs, row.recoverMs),
      notes: [...row.notes, ...notes, ...failures.map((f) => `FAILED: ${f}`)],
    };
  } catch (err) {
    throw Object.assign(err as Error, { notes: [...notes, ...replicas.replicas.map((r) => `informer log ${r.logFile}`)] });
  } finally {
    await activity.stop();
    await replicas.stop();
    await clients.get(cluster).rest.request({ method: 'DELETE', path: `/api/v1/namespaces/${activity.namespace}` }).catch(() => undefined);
    clients.close();
  }
}

export const informersLeaderKill = (ctx: SuiteContext): Promise<Row> =>
  informersRun(ctx, 'informers-leader-kill', async ({ replicas, activity, names, notes, failures }) => {
    const leader = await replicas.leader();
    if (!leader) throw new Error('no Event controller leader to kill');
    await replicas.kill(leader);
    const endMs = Date.now();
    const recovery = eventRecovery(ctx, names.run, activity, endMs, endMs - 120_000);
    const survivor = await replicas.leader(60_000);
    if (survivor) notes.push(`Event leader ${leader.name} SIGKILLed; ${survivor.name} leading ${((Date.now() - endMs) / 1000).toFixed(1)} s later (lease 6 s)`);
    else failures.push('no replica took over the Event controller within 60 s of the leader\'s SIGKILL');
    return { endMs, recovery };
  });

export const apiserverRestart = (ctx: SuiteContext): Promise<Row> =>
  informersRun(ctx, 'apiserver-restart', async ({ replicas, activity, names, notes }) => {
    const cluster = ctx.env.kube.clusterName;
    const probe = createKubeClients([{ name: cluster, kubeconfig: ctx.env.kube.kubeconfig }]);
    try {
      const ready = async () => (await probe.get(cluster).rest.request({ path: '/api/v1/namespaces/default', signal: AbortSignal.timeout(2000) }), true);
      const downMs = 2_000;
      const ms = await restartServer(ctx.env, 'kube-apiserver', { signal: 'SIGTERM', downMs, ready, readyTimeoutMs: 90_000 });
      const endMs = Date.now();
      notes.push(`kube-apiserver SIGTERM, down ${downMs / 1000} s, serving ${(ms / 1000).toFixed(1)} s after its start; Event leader afterwards: ${(await replicas.leader(30_000))?.name ?? 'none'}`);
      return { endMs, recovery: eventRecovery(ctx, names.run, activity, endMs, endMs - 120_000) };
    } finally {
      probe.close();
    }
  });
