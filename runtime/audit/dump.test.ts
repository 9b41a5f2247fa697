import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { nullLogger } from '../util/log.ts';
import { AuditDump } from './dump.ts';
import { readDumpBatches, replayUrl } from './replay.ts';
import { auditEvent } from './testdata.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kelemetry-dump-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const received = (cluster: string, name: string) => ({ cluster, sourceAddr: '10.0.0.1', event: auditEvent({ name }), receivedAtMs: 0 });

async function collect(files: string[], batchSize: number) {
  const out = [];
  for await (const b of readDumpBatches(files, batchSize)) out.push({ cluster: b.cluster, sourceAddr: b.sourceAddr, names: b.items.map((e) => e.objectRef?.name) });
  return out;
}

describe('audit dump', () => {
  it("writes the original's Message lines (mode 0600) that replay reads back as batches per cluster", async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const dump = new AuditDump({ file, maxBytes: 1 << 20, maxFiles: 2, flushInterval: 60_000 }, { registry: new Registry(), logger: nullLogger });
    for (const [c, n] of [['a', '1'], ['a', '2'], ['a', '3'], ['b', '4'], ['a', '5']] as const) dump.record(received(c, n));
    await dump.stop();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ cluster: 'a', sourceAddr: '10.0.0.1', kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'update', objectRef: { name: '1' } });
    expect(await collect([file], 2)).toEqual([
      { cluster: 'a', sourceAddr: '10.0.0.1', names: ['1', '2'] },
      { cluster: 'a', sourceAddr: '10.0.0.1', names: ['3'] },
      { cluster: 'b', sourceAddr: '10.0.0.1', names: ['4'] },
      { cluster: 'a', sourceAddr: '10.0.0.1', names: ['5'] },
    ]);
  });

  it('rotates past maxBytes, keeping maxFiles old files', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const dump = new AuditDump({ file, maxBytes: 10, maxFiles: 2, flushInterval: 60_000 }, { registry: new Registry(), logger: nullLogger });
    for (const n of ['1', '2', '3', '4']) {
      dump.record(received('a', n));
      dump.flush();
    }
    await dump.stop();
    // Each flush went over 10 bytes: 4 → file.1, 3 → file.2, 2 and 1 dropped; the live file is empty.
    expect(await collect([`${file}.2`, `${file}.1`, file], 100)).toEqual([{ cluster: 'a', sourceAddr: '10.0.0.1', names: ['3', '4'] }]);
  });

  it('names the file and line of a bad dump line', async () => {
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, '{"cluster":"a"}\nnot json\n');
    await expect(collect([file], 10)).rejects.toThrow(/bad\.jsonl:2: not a JSON line/);
  });
});

describe('replayUrl', () => {
  it('adds /audit/<cluster> to a base URL and fills :cluster', () => {
    expect(replayUrl('http://127.0.0.1:8080', 'east')).toBe('http://127.0.0.1:8080/audit/east');
    expect(replayUrl('http://h:1/hooks/:cluster', 'east')).toBe('http://h:1/hooks/east');
    expect(replayUrl('http://h:1/audit/west', 'east')).toBe('http://h:1/audit/west');
  });
});
