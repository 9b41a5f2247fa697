/**
 * `kelemetry replay FILE... --webhook URL`: feeds an audit dump (`audit.dump.file`) back into an audit
 * webhook, batch by batch in file order, as the apiserver would have posted it. Batches refused with 429 or
 * 503 are retried with backoff; any other refusal stops the replay (exit 1).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { forwardHeader, forwardHeaderValue } from '../../runtime/audit/forward.ts';
import { readDumpBatches, replayUrl, type DumpBatch } from '../../runtime/audit/replay.ts';
import { Backoff } from '../../runtime/util/backoff.ts';
import { sleep } from '../../runtime/util/sleep.ts';

const help = `usage: kelemetry replay FILE... --webhook URL [options]

Posts the audit events of dump files (audit.dump.file; give rotated files oldest first) to an audit webhook.

  --webhook URL       webhook base URL (http://host:8080; /audit/<cluster> is added) or a URL with :cluster
  --token-file FILE   send "Authorization: Bearer <token>" (audit.webhook.bearerTokenFile)
  --batch N           events per POST (default 100)
  --attempts N        tries per batch on 429/503 or connection errors (default 10)
`;

interface Options {
  webhook: string;
  token?: string;
  batch: number;
  attempts: number;
}

async function post(batch: DumpBatch, opts: Options): Promise<void> {
  const url = replayUrl(opts.webhook, batch.cluster);
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: batch.items });
  const headers: Record<string, string> = { 'content-type': 'application/json', [forwardHeader]: forwardHeaderValue };
  // The webhook takes the original apiserver address from here when it trusts forwarded requests.
  if (batch.sourceAddr) headers['x-forwarded-for'] = batch.sourceAddr;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers, body }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (!(res instanceof Error) && res.ok) return;
    const problem = res instanceof Error ? `${res.message}${res.cause instanceof Error ? `: ${res.cause.message}` : ''}` : `${res.status} ${(await res.text()).trim()}`;
    // Only a full queue, a shutting-down webhook or a connection failure is worth another try.
    if (!(res instanceof Error) && res.status !== 429 && res.status !== 503) throw new Error(`POST ${url}: ${problem}`);
    if (attempt >= opts.attempts) throw new Error(`POST ${url}: gave up after ${attempt} attempts: ${problem}`);
    await sleep(backoff.next());
  }
}

export async function run(argv: string[]): Promise<number> {
  let files: string[];
  let opts: Options;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { webhook: { type: 'string' }, 'token-file': { type: 'string' }, batch: { type: 'string' }, attempts: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length === 0 || !values.webhook) throw new Error('give at least one FILE and --webhook URL');
    const int = (v: string | undefined, def: number, name: string) => {
      const n = v === undefined ? def : Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got ${v}`);
      return n;
    };
    files = positionals;
    opts = { webhook: values.webhook, batch: int(values.batch, 100, 'batch'), attempts: int(values.attempts, 10, 'attempts') };
    if (!URL.canParse(opts.webhook.replaceAll(':cluster', 'x'))) throw new Error(`--webhook ${opts.webhook} is not a URL`);
    if (values['token-file']) opts.token = readFileSync(values['token-file'], 'utf8').trim();
  } catch (err) {
    console.error(`kelemetry replay: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  let events = 0;
  let batches = 0;
  for await (const batch of readDumpBatches(files, opts.batch)) {
    await post(batch, opts);
    events += batch.items.length;
    batches++;
  }
  console.log(`replayed ${events} audit events in ${batches} batches to ${opts.webhook}`);
  return 0;
}
