import { BenchArgs } from '../common/args.ts';
import { shippedNodeFlags } from '../common/nodeFlags.ts';

export const usage = `usage: npm run bench -- query [options]

Grows one object family in a real Jaeger v2 remote storage, size by size, runs the storage plugin as its
own process against it (a fresh process per size), and times FindTraces and GetTraces (cold and cached)
over gRPC in 'tracing [full tree]'.

options:
  --sizes N,N,...  ReplicaSets of the Deployment, one family per size (default 1,10,100: about 200,
                   2,000 and 20,000 spans with 20 Pods each and 4 windows)
  --pods N         Pods per ReplicaSet (default 20)
  --windows N      span windows of audit and Event spans (default 4)
  --iterations N   timed calls of each kind per size (default 20)
  --node-flags ".." Node/V8 flags of the plugin process (default: the frontend pod's NODE_OPTIONS,
                   "${shippedNodeFlags}"; "" for none)
  --cpu-prof DIR   write a V8 CPU profile of each plugin process into DIR (node --cpu-prof)`;

export interface Options {
  /** ReplicaSet counts, in run order. */
  sizes: number[];
  pods: number;
  windows: number;
  iterations: number;
  /** Node/V8 flags of the plugin process. */
  nodeFlags: string;
  cpuProfDir?: string;
}

function positiveIntegers(list: string[]): number[] {
  return list.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--sizes wants positive integers, got ${v}`);
    return n;
  });
}

export function parseOptions(argv: string[]): Options {
  const args = new BenchArgs(argv, ['sizes', 'pods', 'windows', 'iterations', 'node-flags', 'cpu-prof']);
  return {
    sizes: positiveIntegers(args.list('sizes', '1,10,100')),
    pods: args.positiveInteger('pods', 20),
    windows: args.positiveInteger('windows', 4),
    iterations: args.positiveInteger('iterations', 20),
    nodeFlags: args.string('node-flags', shippedNodeFlags).trim(),
    cpuProfDir: args.string('cpu-prof'),
  };
}

export function reproduce(o: Options): string {
  const flags = o.nodeFlags === shippedNodeFlags ? '' : ` --node-flags "${o.nodeFlags}"`;
  const prof = o.cpuProfDir ? ` --cpu-prof ${o.cpuProfDir}` : '';
  return `npm run bench -- query --sizes ${o.sizes.join(',')} --pods ${o.pods} --windows ${o.windows} --iterations ${o.iterations}${flags}${prof}`;
}
