import type { Generated } from '../audit/generate.ts';
import type { MemoryOptions } from './options.ts';
import type { Sample } from './sampler.ts';

const MiB = (n: number | undefined) => (n === undefined ? '-' : (n / 1024 / 1024).toFixed(0));
const cols = ['t s', 'RSS', 'heapUsed', 'heapTotal', 'new used', 'new total', 'old used', 'old total', 'code+lo', 'external'];

function line(s: Sample): string {
  const v = s.v8;
  const lo = (v['code_space:total'] ?? 0) + (v['large_object_space:total'] ?? 0) + (v['code_large_object_space:total'] ?? 0);
  const cells = [(s.atMs / 1000).toFixed(1), MiB(s.rss), MiB(v.nodejs_heap_size_used_bytes), MiB(v.nodejs_heap_size_total_bytes), MiB(v['new:used']), MiB(v['new:total']), MiB(v['old:used']), MiB(v['old:total']), MiB(lo), MiB(v.nodejs_external_memory_bytes)];
  return cells.map((c) => c.padStart(10)).join('');
}

export function formatMemoryReport(r: { opts: MemoryOptions; args: string[]; gen: Generated; samples: Sample[] & { hwm: number }; wallMs: number; received: number; cpuSeconds: number; snapshotDir: string }): string {
  const peak = r.samples.reduce((a, s) => (s.rss > a.rss ? s : a), r.samples[0] ?? { atMs: 0, rss: 0, v8: {} });
  const step = Math.max(1, Math.floor(r.samples.length / 20));
  const shown = r.samples.filter((s, i) => i % step === 0 || s === peak);
  return `
memory of \`kelemetry run\` (server process only, /proc; V8 figures from its metrics endpoint), MiB; node flags: ${r.opts.nodeFlags.join(' ') || '(none)'}
  ${r.gen.sent} events sent at ${r.opts.rate || 'saturation'}${r.opts.rate ? '/s' : ''}, ${(r.gen.sent / (r.wallMs / 1000)).toFixed(0)} events/s end to end, ${((r.cpuSeconds / r.gen.sent) * 1000).toFixed(3)} CPU-s/1k events, ${r.gen.sent - r.received} lost, ${r.gen.refused} 429s
  peak RSS ${MiB(Math.max(r.samples.hwm, peak.rss))} MiB (VmHWM ${MiB(r.samples.hwm)}), sampled peak at ${(peak.atMs / 1000).toFixed(1)} s
${cols.map((c) => c.padStart(10)).join('')}
${shown.map(line).join('\n')}
  snapshots (if any) and log: ${r.snapshotDir}
reproduce: npm run bench -- memory ${r.args.join(' ')}`.trimEnd();
}
