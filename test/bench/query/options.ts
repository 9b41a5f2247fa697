import { BenchArgs } from '../common/args.ts';

export const usage = `usage: npm run bench -- query [options]

Loads one object family into a real Jaeger v2 remote storage, runs the storage plugin as its own process
against it, and times FindTraces and GetTraces (cold and warm) over gRPC in 'tracing [full tree]'.

options:
  --rs N           ReplicaSets of the Deployment (default 10)
  --pods N         Pods per ReplicaSet (default 20)
  --windows N      span windows of audit and Event spans (default 4)
  --iterations N   timed calls of each kind (default 20)
  --heap-mib N     cap the plugin's V8 old space (default: uncapped)`;

export interface Options {
  rsCount: number;
  pods: number;
  windows: number;
  iterations: number;
  heapMib?: number;
}

export function parseOptions(argv: string[]): Options {
  const args = new BenchArgs(argv, ['rs', 'pods', 'windows', 'iterations', 'heap-mib']);
  return {
    rsCount: args.positiveInteger('rs', 10),
    pods: args.positiveInteger('pods', 20),
    windows: args.positiveInteger('windows', 4),
    iterations: args.positiveInteger('iterations', 20),
    heapMib: args.has('heap-mib') ? args.positiveInteger('heap-mib', 0) : undefined,
  };
}

export function reproduce(o: Options): string {
  return `npm run bench -- query --rs ${o.rsCount} --pods ${o.pods} --windows ${o.windows} --iterations ${o.iterations}${o.heapMib ? ` --heap-mib ${o.heapMib}` : ''}`;
}
