import { BenchArgs } from '../common/args.ts';

export const usage = `usage: npm run bench -- diff [options]

The diff controller against the real environment (kube-apiserver on etcd, kwok, etcd, Redis): for each N,
N ConfigMaps are listed and watched, then updated at random for a while ("churn").

options:
  --objects N,N…        ConfigMap counts to run (default 2000,10000)
  --churn-seconds S     how long to update them (default 20)
  --concurrency N       concurrent updates (default 16)
  --backends etcd,redis diff cache backends to run (default etcd,redis)
  --reuse-env           use a running 'npm run env -- up' instead of starting (and stopping) one`;

export interface Options {
  sizes: number[];
  churnSeconds: number;
  concurrency: number;
  backends: string[];
  reuseEnv: boolean;
}

export function parseOptions(argv: string[]): Options {
  const args = new BenchArgs(argv, ['objects', 'churn-seconds', 'concurrency', 'backends'], ['reuse-env']);
  return {
    sizes: args.list('objects', '2000,10000').map(Number),
    churnSeconds: args.number('churn-seconds', 20),
    concurrency: args.number('concurrency', 16),
    backends: args.list('backends', 'etcd,redis'),
    reuseEnv: args.has('reuse-env'),
  };
}

/** The command that reproduces a run (with every setting spelled out). */
export function reproduce(o: Options): string {
  return `npm run bench -- diff --objects ${o.sizes.join(',')} --churn-seconds ${o.churnSeconds} --concurrency ${o.concurrency} --backends ${o.backends.join(',')}`;
}
