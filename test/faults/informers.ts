/**
 * Informer replicas for the informer scenarios: `kelemetry run` child processes running the Event controller
 * and the diff controller against the environment's kube-apiserver, leader-elected on Leases (short leases,
 * so a takeover is seconds), sharing an etcd span cache (the record of emitted Events) and an etcd diff cache.
 * Their event spans carry `faultRun=<run>` and go straight to Jaeger.
 */
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { freePorts } from '../../envtest/ports.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { RuntimeProcess } from './runtime.ts';

const election = { leaseDuration: '6s', renewDeadline: '4s', retryPeriod: '1s' };

export interface InformerNames {
  run: string;
  /** Lease and ConfigMap names, etcd prefixes: unique to the run. */
  spanPrefix: string;
  diffPrefix: string;
}

export function informerNames(run: string): InformerNames {
  return { run, spanPrefix: `/faults-span-${run}/`, diffPrefix: `/faults-diff-${run}/` };
}

function informerConfig(env: EnvironmentInfo, n: InformerNames, metricsPort: number): Record<string, unknown> {
  return {
    clusters: [{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '200ms', eventSpanTags: { faultRun: n.run } },
    audit: { webhook: { enabled: false } },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
    stores: { etcd: { endpoints: [env.etcd.endpoint] }, spanCache: { backend: 'etcd', prefix: n.spanPrefix } },
    informers: {
      eventController: {
        enabled: true,
        configMapName: `${n.run}-events`,
        configMapSyncInterval: '1s',
        leaderElection: { ...election, name: `${n.run}-events` },
      },
      diffController: {
        enabled: true,
        leaderElection: { ...election, name: `${n.run}-diff-watch` },
        writerElection: { ...election, name: `${n.run}-diff-writer` },
      },
      diffCache: { backend: 'etcd', prefix: n.diffPrefix },
    },
  };
}

/** Two (or more) informer replicas; the caller owns them: start, then stop in a finally. */
export class InformerReplicas {
  readonly replicas: RuntimeProcess[] = [];
  /** Replicas killed on purpose: not a failure when found dead. */
  readonly killed = new Set<RuntimeProcess>();

  constructor(
    private readonly env: EnvironmentInfo,
    readonly names: InformerNames,
    private readonly dir: string,
  ) {}

  async start(count: number): Promise<void> {
    const ports = await freePorts(count);
    for (const [i, port] of ports.entries()) {
      const r = new RuntimeProcess(`${this.names.run}-informers-${i}`, informerConfig(this.env, this.names, port), this.dir, `http://127.0.0.1:${port}`);
      this.replicas.push(r);
      await r.start();
    }
  }

  /** Whether a replica holds the Event controller's lease (from its is_leader_gauge). */
  async leads(r: RuntimeProcess): Promise<boolean> {
    if (!r.running()) return false;
    try {
      const text = await (await fetch(`${r.metricsUrl}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      return new RegExp(`^is_leader_gauge\\{component="event-controller/${this.env.kube.clusterName}",leaderId="0"\\} 1$`, 'm').test(text);
    } catch {
      return false;
    }
  }

  /** The replica leading the Event controller, waiting up to `timeoutMs` for one. */
  async leader(timeoutMs = 30_000): Promise<RuntimeProcess | undefined> {
    const deadline = Date.now() + timeoutMs;
    do {
      for (const r of this.replicas) if (await this.leads(r)) return r;
      await sleep(100);
    } while (Date.now() < deadline);
    return undefined;
  }

  async kill(r: RuntimeProcess): Promise<void> {
    this.killed.add(r);
    await r.kill();
  }

  /** Replicas that exited without being killed on purpose. */
  crashed(): RuntimeProcess[] {
    return this.replicas.filter((r) => !r.running() && !this.killed.has(r));
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
  }
}
