import { describe, expect, it } from 'vitest';
import type { JaegerTraceJson } from '../../plugin/page/jaegerJson.ts';
import { renderTraceTree } from './traceTree.ts';

const t0 = Date.parse('2026-11-25T10:00:00Z') * 1000;
const trace: JaegerTraceJson = {
  traceID: 'ff21000000e1e3e70123456789abcdef',
  processes: { p1: { serviceName: 'deployments' }, p2: { serviceName: 'replicasets' } },
  spans: [
    {
      traceID: 't', spanID: 'a', operationName: 'default demo', startTime: t0, duration: 10_000_000, processID: 'p1',
      logs: [
        { timestamp: t0, fields: [{ key: 'audit', value: 'alice create' }, { key: 'zzz-logType', value: 'audit' }] },
        { timestamp: t0 + 4_000_000, fields: [{ key: 'diff', value: 'spec.replicas 2 -> 4\nstatus.observedGeneration 1 -> 2' }] },
      ],
    },
    { traceID: 't', spanID: 'b', operationName: 'default demo-7fb87548c', startTime: t0 + 1_000_000, duration: 2_000_000, processID: 'p2', references: [{ refType: 'CHILD_OF', traceID: 't', spanID: 'a' }] },
    { traceID: 't', spanID: 'c', operationName: 'default demo-55d9c4b8f', startTime: t0 + 5_000_000, duration: 5_000_000, processID: 'p2', references: [{ refType: 'CHILD_OF', traceID: 't', spanID: 'a' }] },
  ],
};

describe('trace tree rendering', () => {
  const out = renderTraceTree(trace, { width: 100 });
  const lines = out.trimEnd().split('\n');

  it('draws the object tree with children in start order', () => {
    expect(lines[1]).toMatch(/^deployments default demo\s+\|█+\|\s+10\.0s$/);
    const rsLines = lines.filter((l) => l.includes('replicasets'));
    expect(rsLines[0]).toContain('├─ replicasets default demo-7fb87548c');
    expect(rsLines[1]).toContain('└─ replicasets default demo-55d9c4b8f');
  });

  it('places bars on a shared timeline', () => {
    const barOf = (l: string) => l.split('|')[1]!;
    const first = barOf(lines.find((l) => l.includes('7fb87548c'))!);
    const second = barOf(lines.find((l) => l.includes('55d9c4b8f'))!);
    expect(first.indexOf('█')).toBeLessThan(second.indexOf('█'));
    expect(barOf(lines[1]!).trim()).toHaveLength(24);
  });

  it('prints audit and diff log lines, one per diff line, and hides internal fields', () => {
    expect(out).toMatch(/10:00:00\.000\s+audit\s+alice create/);
    expect(out).toMatch(/diff\s+spec\.replicas 2 -> 4/);
    expect(out).toContain('status.observedGeneration 1 -> 2');
    expect(out).not.toContain('zzz-logType');
  });

  it('fits every line in the width', () => {
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
  });
});
