import { BenchArgs } from '../common/args.ts';
import { shippedNodeFlags } from '../common/nodeFlags.ts';

export const usage = `usage: npm run bench -- audit [options]

The audit pipeline (webhook → queue → consumer → aggregator → span cache → OTLP export) under a realistic
RequestResponse audit stream POSTed by a child process playing the kube-apiserver.

options:
  --events N         audit events to send (default 40000)
  --objects N        objects alive at once (default 2000)
  --batch N          events per EventList POST (default 400)
  --concurrency N    concurrent POSTs (default 4)
  --partitions N     audit queue partitions (default 8)
  --rate N           events/s offered; 0 = as fast as accepted, which measures saturation (default 0)
  --otlp HOST:PORT   export to this collector (default: a local OTLP sink that discards)
  --span-cache memory|etcd|redis   (default memory)
  --etcd URL         etcd for --span-cache etcd (default http://127.0.0.1:2379)
  --redis URL        Redis for --span-cache redis and --queue redis (default redis://127.0.0.1:6379)
  --queue memory|redis   audit queue backend (default memory); redis = durable Redis Streams, acked after export
  --replicas N       consumer replicas (runtimes in this process sharing the Redis queue; needs --queue redis
                     for N > 1; default 1). The generator posts to the first one's webhook; all consume.

comparison with the original (both as server processes exporting over OTLP to a timestamping receiver process):
  --peer upstream    also run the original Kelemetry (github.com/kubewharf/kelemetry v0.2.7, built from its Go
                     module with Go and cached like the test environment's tools) on the same stream, alternating,
                     and print both rows and the ratios; memory span cache only, --rate and --otlp do not apply
  --rounds N         alternations of the two implementations (default 2)
  --ours-node-flags "..."   Node/V8 flags of this project's server process only (not the generator's or the
                     receiver's); default what the consumer pod ships as NODE_OPTIONS (1 GiB memory limit,
                     manifests/constructs/kelemetryPod.ts), so the bench measures what is shipped:
                     "${shippedNodeFlags}"; "" for none
  --paced-rate N     events/s of the paced run that measures receipt → export latency (default 1000)
  --from-sources     run this project from its TypeScript sources through tsx, as \`kelemetry\` does without dist/
                     (default: compile it first, as shipped, into .kelemetry/bench-dist; about a minute)`;

export interface Options {
  events: number;
  objects: number;
  batch: number;
  concurrency: number;
  partitions: number;
  /** Events per second offered; 0 = as fast as the webhook accepts. */
  rate: number;
  otlp?: string;
  spanCache: 'memory' | 'etcd' | 'redis';
  queue: 'memory' | 'redis';
  replicas: number;
  etcd?: string;
  redis?: string;
  /** The implementation to compare with (only `upstream`). */
  peer?: 'upstream';
  rounds: number;
  pacedRate: number;
  /** Node flags of this project's server process in the peer comparison. */
  oursNodeFlags: string[];
  /** Run this project through tsx instead of compiled. */
  fromSources: boolean;
}

export function parseOptions(argv: string[]): Options {
  const args = new BenchArgs(argv, ['events', 'objects', 'batch', 'concurrency', 'partitions', 'rate', 'otlp', 'span-cache', 'etcd', 'redis', 'peer', 'rounds', 'paced-rate', 'queue', 'replicas', 'ours-node-flags'], ['from-sources']);
  const peer = args.string('peer');
  if (peer !== undefined && peer !== 'upstream') throw new Error(`--peer wants "upstream", got ${peer}`);
  if (peer && (args.has('rate') || args.has('otlp') || args.string('span-cache', 'memory') !== 'memory' || args.has('queue') || args.has('replicas'))) {
    throw new Error('--peer compares memory span caches and queues exporting to its own receiver: drop --rate, --otlp, --span-cache, --queue and --replicas');
  }
  if (!peer && args.has('ours-node-flags')) throw new Error('--ours-node-flags applies to the server process of --peer upstream only (this bench runs the pipeline in its own process)');
  const queue = args.string('queue', 'memory');
  if (queue !== 'memory' && queue !== 'redis') throw new Error(`--queue wants memory or redis, got ${queue}`);
  const replicas = args.positiveInteger('replicas', 1);
  if (replicas > 1 && queue !== 'redis') throw new Error('--replicas above 1 needs --queue redis (the memory queue is per process)');
  return {
    events: args.number('events', 40_000),
    objects: args.number('objects', 2_000),
    batch: args.number('batch', 400),
    concurrency: args.number('concurrency', 4),
    partitions: args.number('partitions', 8),
    rate: args.number('rate', 0),
    otlp: args.string('otlp'),
    spanCache: args.string('span-cache', 'memory') as Options['spanCache'],
    queue,
    replicas,
    etcd: args.string('etcd'),
    redis: args.string('redis'),
    peer,
    rounds: args.positiveInteger('rounds', 2),
    pacedRate: args.positiveInteger('paced-rate', 1000),
    oursNodeFlags: args.string('ours-node-flags', shippedNodeFlags).split(' ').filter(Boolean),
    fromSources: args.has('from-sources'),
  };
}
