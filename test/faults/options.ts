/** Command-line options of `npm run faults`. */
import { BenchArgs } from '../bench/common/args.ts';

export const usage = `usage: npm run faults -- [options]

Starts the test environment (etcd, Redis, kube-apiserver with kwok, Jaeger v2), then runs each fault scenario
against a \`kelemetry run\` child process under steady audit load posted like kube-apiserver's batching webhook
(retries 429, 5xx, resets and timeouts with backoff, 5 attempts; gives up on a refused connection), and prints
one row per scenario: events sent, accepted, given up by the sender, found in Jaeger, lost (accepted but not
found), duplicated, objects whose trace split, and the time from the end of the fault until an event posted
then is readable in Jaeger.

options:
  --only NAME,...        run these scenarios only (default all): SCENARIOS
  --quick                short phases and outages (seconds instead of tens of seconds), as the CI tests run them
  --queue memory|redis   audit queue backend (audit.queue.backend; redis needs a runtime that has it) (default memory)
  --rate N               steady audit events/s (default 200)
  --objects N            live objects at once in the stream (default 300)
  --outage S             seconds a component stays down (default 30, --quick 5)
  --backoff S            the sender's first retry delay (kube-apiserver: --audit-webhook-initial-backoff, 10 s
                         by default there) (default 1, --quick 0.5; the burst always uses 10)
  --help                 this text`;

export interface SuiteOptions {
  only?: string[];
  quick: boolean;
  queue: 'memory' | 'redis';
  rate: number;
  objects: number;
  outageMs: number;
  backoffMs: number;
  /** Load before and after the fault. */
  phaseMs: number;
}

export function parseOptions(argv: string[]): SuiteOptions {
  const args = new BenchArgs(argv, ['only', 'queue', 'rate', 'objects', 'outage', 'backoff'], ['quick', 'help']);
  const quick = args.has('quick');
  const queue = args.string('queue', 'memory');
  if (queue !== 'memory' && queue !== 'redis') throw new Error(`--queue wants memory or redis, got ${queue}`);
  return {
    only: args.has('only') ? args.list('only', '') : undefined,
    quick,
    queue,
    rate: args.positiveInteger('rate', 200),
    objects: args.positiveInteger('objects', 300),
    outageMs: args.number('outage', quick ? 5 : 30) * 1000,
    backoffMs: args.number('backoff', quick ? 0.5 : 1) * 1000,
    phaseMs: quick ? 3_000 : 10_000,
  };
}

/** The options the integration tests run with: the quick variants. */
export function quickOptions(): SuiteOptions {
  return parseOptions(['--quick']);
}
