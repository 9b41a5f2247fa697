import { BenchArgs } from '../common/args.ts';

export const usage = `usage: npm run bench -- diff [options]

The diff controller against the real environment (kube-apiserver on etcd, kwok, etcd, Redis): for each N,
N ConfigMaps are listed and watched, then updated at random for a while ("churn").

options:
  --objects N,N…        ConfigMap counts to run (default 2000,10000)
  --churn-seconds S     how long to update them (default 20)
  --concurrency N       concurrent updates (default 16)
  --rate R              updates/s on a fixed schedule (default: as fast as the clients go), e.g. to give
                        both sides of --peer the same load
  --backends etcd,redis diff cache backends to run (default etcd,redis)
  --reuse-env           use a running 'npm run env -- up' instead of starting (and stopping) one
  --peer upstream       instead, run this project's diff controller and the original Kelemetry's
                        (github.com/kubewharf/kelemetry v0.2.7, built from its Go module on first use) as
                        server processes, alternating, on the same apiserver, ConfigMaps and etcd (diff cache
                        backend etcd; --backends is ignored): RSS and heap synced, diffs/s, ratios
  --rounds R            with --peer: runs of each side per N (default 1)
  --ours-strip-managed-fields
                        with --peer: run ours as shipped, dropping metadata.managedFields before keeping an
                        object (default with --peer: keep them, as the original does, so both hold the same data)`;

export interface Options {
  sizes: number[];
  churnSeconds: number;
  concurrency: number;
  /** Updates/s on a schedule; absent: unpaced. */
  rate?: number;
  backends: string[];
  reuseEnv: boolean;
  /** 'upstream', or absent: only this project, in the bench's process. */
  peer?: 'upstream';
  rounds: number;
  /** With --peer: our controller drops managedFields (its default) instead of keeping them like the original. */
  oursStripManagedFields: boolean;
}

export function parseOptions(argv: string[]): Options {
  const args = new BenchArgs(argv, ['objects', 'churn-seconds', 'concurrency', 'rate', 'backends', 'peer', 'rounds'], ['reuse-env', 'ours-strip-managed-fields']);
  const peer = args.string('peer');
  if (peer !== undefined && peer !== 'upstream') throw new Error(`--peer: only "upstream" is known, got ${peer}`);
  return {
    sizes: args.list('objects', '2000,10000').map(Number),
    churnSeconds: args.number('churn-seconds', 20),
    concurrency: args.number('concurrency', 16),
    ...(args.has('rate') ? { rate: args.positiveInteger('rate', 1) } : {}),
    backends: args.list('backends', 'etcd,redis'),
    reuseEnv: args.has('reuse-env'),
    ...(peer ? { peer } : {}),
    rounds: args.positiveInteger('rounds', 1),
    oursStripManagedFields: args.has('ours-strip-managed-fields'),
  };
}

/** The command that reproduces a run (with every setting spelled out). */
export function reproduce(o: Options): string {
  const common = `npm run bench -- diff --objects ${o.sizes.join(',')} --churn-seconds ${o.churnSeconds} --concurrency ${o.concurrency}${o.rate ? ` --rate ${o.rate}` : ''}`;
  const strip = o.oursStripManagedFields ? ' --ours-strip-managed-fields' : '';
  return o.peer ? `${common} --peer ${o.peer} --rounds ${o.rounds}${strip}` : `${common} --backends ${o.backends.join(',')}`;
}
