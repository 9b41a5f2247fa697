/**
 * Slow clients: on every listener, many connections that send a request's first bytes and then one byte a
 * second, never finishing, held for the outage, while the audit load goes on and each listener gets a good
 * request every second, which must be served (within 5 s).
 */
import { connect, type Socket } from 'node:net';
import { sleep } from '../../../runtime/util/sleep.ts';
import { loadedRun, type Row, type Running, type SuiteContext } from '../harness.ts';
import { listeners } from '../listeners.ts';
import { withPlugin } from './malformed.ts';

/** Slow connections per listener. */
const perListener = 300;

function slowClient(port: number, grpcPort: boolean): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write(grpcPort ? 'PRI * HTTP/2.0\r\n' : 'POST /audit/x HTTP/1.1\r\nHost: x\r\n');
  return s;
}

async function holdSlowClients(r: Running): Promise<void> {
  const ls = listeners(r);
  const sockets = ls.flatMap((l) => Array.from({ length: perListener }, () => slowClient(l.port, l.name === 'plugin gRPC')));
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('X');
  }, 1000);
  const served = new Map(ls.map((l) => [l.name, { ok: 0, failed: 0 }]));
  const until = Date.now() + r.ctx.opts.outageMs;
  try {
    while (Date.now() < until) {
      await Promise.all(
        ls.map(async (l) => {
          const ok = await Promise.race([l.good(), sleep(5000).then(() => false)]);
          served.get(l.name)![ok ? 'ok' : 'failed']++;
        }),
      );
      await sleep(1000);
    }
  } finally {
    clearInterval(drip);
    const closedByServer = sockets.filter((s) => s.destroyed).length;
    for (const s of sockets) s.destroy();
    r.notes.push(`${sockets.length} slow connections (${perListener} per listener) held ${r.ctx.opts.outageMs / 1000} s; the servers closed ${closedByServer} of them`);
  }
  for (const [name, { ok, failed }] of served) {
    r.notes.push(`${name}: ${ok}/${ok + failed} good requests served meanwhile`);
    if (failed) r.failures.push(`${name}: ${failed} good requests not served within 5 s while slow clients held connections`);
  }
}

export const slowloris = (ctx: SuiteContext): Promise<Row> => loadedRun(ctx, { name: 'slowloris', configure: withPlugin(ctx), fault: holdSlowClients });
