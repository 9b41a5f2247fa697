/**
 * `node --import tsx test/bench/memory/snapshot.ts FILE.heapsnapshot [top]`: a heap snapshot's live objects by
 * constructor (self size, count), strings by their first characters, for a quick look without DevTools.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarize(file: string, top = 30): string {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const [typeI, nameI, sizeI] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k)) as [number, number, number];
  const types = s.snapshot.meta.node_types[0];
  const byName = new Map<string, { size: number; count: number }>();
  const strings = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const type = types[s.nodes[i + typeI]!]!;
    const size = s.nodes[i + sizeI]!;
    total += size;
    const name = s.strings[s.nodes[i + nameI]!]!;
    const key = type === 'object' || type === 'closure' ? `${type}:${name}` : type;
    add(byName, key, size);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') add(strings, name.slice(0, 40).replace(/\s+/g, ' '), size);
  }
  const rows = (m: Map<string, { size: number; count: number }>) =>
    [...m].sort((a, b) => b[1].size - a[1].size).slice(0, top).map(([k, v]) => `${(v.size / 1048576).toFixed(2).padStart(8)} MiB ${String(v.count).padStart(8)}  ${k}`);
  return [`total ${(total / 1048576).toFixed(1)} MiB`, 'by type/constructor:', ...rows(byName), 'strings by prefix:', ...rows(strings)].join('\n');
}

function add(m: Map<string, { size: number; count: number }>, k: string, size: number): void {
  const e = m.get(k) ?? { size: 0, count: 0 };
  e.size += size;
  e.count++;
  m.set(k, e);
}

if (import.meta.filename === process.argv[1]) console.log(summarize(process.argv[2]!, Number(process.argv[3] ?? 30)));
