/** RSS from /proc and V8's breakdown from the server's Prometheus endpoint, every 250 ms. */
import { readFileSync } from 'node:fs';
import type { MeasuredServer } from './server.ts';

export interface Sample {
  atMs: number;
  rss: number;
  /** Prometheus figures: nodejs_heap_size_used_bytes etc., and per space `space:<name>` (used bytes). */
  v8: Record<string, number>;
}

function rssBytes(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const wanted = ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes'];

async function v8Figures(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (wanted.includes(name!)) out[name!] = Number(value);
    const space = /^nodejs_heap_space_size_(used|total)_bytes\{space="(\w+)"\} (\S+)/.exec(line);
    if (space) out[`${space[2]}:${space[1]}`] = Number(space[3]);
  }
  return out;
}

export function sampleServer(server: MeasuredServer, o: { snapshotAtMs?: number }): { stop(): Promise<Sample[] & { hwm: number }> } {
  const samples: Sample[] = [];
  const t0 = Date.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const rss = rssBytes(server.pid);
    v8Figures(server.metricsUrl)
      .then((v8) => samples.push({ atMs: Date.now() - t0, rss, v8 }))
      .catch(() => samples.push({ atMs: Date.now() - t0, rss, v8: {} }))
      .finally(() => (busy = false));
  }, 250);
  const snap = o.snapshotAtMs === undefined ? undefined : setTimeout(() => process.kill(server.pid, 'SIGUSR2'), o.snapshotAtMs);
  return {
    async stop() {
      clearInterval(timer);
      clearTimeout(snap);
      return Object.assign(samples, { hwm: rssBytes(server.pid, 'VmHWM') });
    },
  };
}
