import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { apiErrorFromBody } from '../k8s/errors.ts';
import type { KubeObject } from '../k8s/listWatch.ts';
import type { KubeRest, WatchEvent } from '../k8s/rest.ts';
import { nullLogger } from '../util/log.ts';
import { Monitor, type MonitorSink } from './monitor.ts';
import { Redactor } from './redact.ts';

const cm = (name: string, rv: number, n: number): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, data: { n: String(n) } }) as KubeObject;
const tooOld = (ours: number, oldest: number) =>
  apiErrorFromBody('c1', 'WATCH', '/api/v1/configmaps', 410, JSON.stringify({ reason: 'Expired', message: `too old resource version: ${ours} (${oldest})` }));

type Step = { list: KubeObject[]; rv: number } | { events: WatchEvent[]; then?: Error };

/** A fake apiserver playing `steps` in order (LISTs and WATCHes), then a watch that blocks until aborted. */
function scriptedRest(steps: Step[]): { rest: KubeRest; watchedFrom: string[] } {
  const watchedFrom: string[] = [];
  const next = (kind: 'list' | 'events'): Step => {
    const s = steps.shift();
    if (!s || !(kind in s)) throw new Error(`script: wanted a ${kind} step, have ${JSON.stringify(s)}`);
    return s;
  };
  const rest = {
    cluster: 'c1',
    async request() {
      const s = next('list') as { list: KubeObject[]; rv: number };
      return { items: s.list, metadata: { resourceVersion: String(s.rv) } };
    },
    async watch(_path: string, q: { resourceVersion?: string }, on: (ev: WatchEvent) => void | Promise<void>, signal: AbortSignal) {
      watchedFrom.push(q.resourceVersion ?? '');
      if (!steps.length) return new Promise<void>((r) => signal.addEventListener('abort', () => r()));
      const s = next('events') as { events: WatchEvent[]; then?: Error };
      for (const ev of s.events) await on(ev);
      if (s.then) throw s.then;
      return new Promise<void>((r) => signal.addEventListener('abort', () => r()));
    },
  };
  return { rest: rest as unknown as KubeRest, watchedFrom };
}

function recordingSink(): { sink: MonitorSink; writes: string[] } {
  const writes: string[] = [];
  const sink: MonitorSink = {
    async patch(key, p) {
      const d = p.DiffList.diffs.find((x) => x.jsonPath === 'data.n');
      writes.push(`patch ${key.name} ${p.OldResourceVersion}→${p.NewResourceVersion} n ${String(d?.old)}→${String(d?.new)}`);
    },
    async snapshot(key, name, s) {
      writes.push(`${name} ${key.name}@${s.ResourceVersion}`);
    },
  };
  return { sink, writes };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

function monitor(rest: KubeRest, sink: MonitorSink): Monitor {
  const info = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'watch'] };
  return new Monitor({ listPageSize: 500 }, { cluster: 'c1', info, rest, redactor: new Redactor(), sink, logger: nullLogger, registry: new Registry() });
}

describe('Monitor across an apiserver restart', () => {
  it('resumes from the oldest change the restarted apiserver has: each change made since gets its own diff', async () => {
    const { rest, watchedFrom } = scriptedRest([
      { list: [cm('a', 5, 0), cm('gone', 6, 0)], rv: 6 },
      // Before the restart; then the restarted apiserver's watch cache starts at 9.
      { events: [{ type: 'MODIFIED', object: cm('a', 7, 1) }], then: tooOld(7, 9) },
      // a changed twice after 9 (n=2 at 10, n=3 at 12); b created while unseen (8); gone deleted at some point.
      { list: [cm('a', 12, 3), cm('b', 8, 0)], rv: 12 },
      { events: [{ type: 'MODIFIED', object: cm('a', 10, 2) }, { type: 'MODIFIED', object: cm('a', 12, 3) }] },
    ]);
    const { sink, writes } = recordingSink();
    const m = monitor(rest, sink);
    m.start();
    await until('the deletion of gone', () => writes.includes('deletion gone@6'));
    await m.stop();
    expect(watchedFrom).toEqual(['6', '9']);
    expect(writes).toEqual([
      'patch a 5→7 n 0→1',
      'creation b@8',
      'patch a 7→10 n 1→2',
      'patch a 10→12 n 2→3',
      // Missing from the LIST at 12: deleted once the watch has passed 12.
      'deletion gone@6',
    ]);
  });

  it('replays changes of an object missing from the resuming LIST before its deletion', async () => {
    const { rest } = scriptedRest([
      { list: [cm('a', 5, 0)], rv: 5 },
      { events: [], then: tooOld(5, 9) },
      { list: [], rv: 12 },
      { events: [{ type: 'MODIFIED', object: cm('a', 10, 1) }, { type: 'DELETED', object: cm('a', 11, 1) }] },
    ]);
    const { sink, writes } = recordingSink();
    const m = monitor(rest, sink);
    m.start();
    await until('the deletion of a', () => writes.some((w) => w.startsWith('deletion a')));
    await m.stop();
    expect(writes).toEqual(['patch a 5→10 n 0→1', 'deletion a@11']);
  });

  it('relists plainly (diffs against the objects kept) when the 410 names no resume point', async () => {
    const { rest, watchedFrom } = scriptedRest([
      { list: [cm('a', 5, 0)], rv: 5 },
      { events: [], then: apiErrorFromBody('c1', 'WATCH', '/api/v1/configmaps', 410, JSON.stringify({ reason: 'Expired', message: 'resource version expired' })) },
      { list: [cm('a', 12, 3)], rv: 12 },
    ]);
    const { sink, writes } = recordingSink();
    const m = monitor(rest, sink);
    m.start();
    await until('the relist', () => watchedFrom.length === 2);
    await m.stop();
    expect(watchedFrom).toEqual(['5', '12']);
    expect(writes).toEqual(['patch a 5→12 n 0→3']);
  });
});
