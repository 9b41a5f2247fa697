import { describe, expect, it } from 'vitest';
import { parseConfig } from '../runtime/config/load.ts';
import { informersSection } from '../runtime/config/sections/informers.ts';

describe('informers config section', () => {
  it('defaults follow the original (2 diff watch leaders, 1 writer, 1 event leader, 10m TTLs)', () => {
    const cfg = informersSection.parse({});
    expect(cfg.diffController.leaderElection.numLeaders).toBe(2);
    expect(cfg.diffController.writerElection.numLeaders).toBe(1);
    expect(cfg.eventController.leaderElection).toMatchObject({ numLeaders: 1, name: 'kelemetry-event-informer-leader-election', leaseDuration: 15_000 });
    expect(cfg.diffCache).toMatchObject({ backend: 'memory', prefix: '/diff/', patchTtl: 600_000, snapshotTtl: 600_000 });
    expect(cfg.diffDecorator).toMatchObject({ fetchBackoff: 1000, fetchEventTimeout: 15_000, fetchTotalTimeout: 10_000 });
    expect(cfg.diffController.excludeResources).toContain('coordination.k8s.io/leases');
  });

  it('names the bad field', () => {
    expect(() => parseConfig({ clusters: [{ name: 'a' }], informers: { diffController: { redactPattern: '(' } } })).toThrow(/informers\.diffController\.redactPattern: not a valid regular expression/);
    expect(() => parseConfig({ clusters: [{ name: 'a' }], informers: { eventController: { leaderElection: { leaseDuration: '5s' } } } })).toThrow(/renewDeadline must be shorter than leaseDuration/);
    expect(() => parseConfig({ clusters: [{ name: 'a' }], informers: { diffController: { excludeResources: ['a/b/c'] } } })).toThrow(/excludeResources\.0/);
  });
});
