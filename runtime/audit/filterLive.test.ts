/** The audit filter's live parts: replacing the static settings, per-cluster dynamic rules, the config reloader. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import type { AuditConfig } from '../config/sections/audit.ts';
import { nullLogger } from '../util/log.ts';
import { parseFilterData } from './dynamicFilter.ts';
import { AuditFilter } from './filter.ts';
import { FilterReloader } from './filterReload.ts';
import { toMessage } from './object.ts';
import { auditEvent } from './testdata.ts';
import type { AuditEvent } from './types.ts';

const audit = (filter: Record<string, unknown> = {}): AuditConfig =>
  parseConfig({ clusters: [{ name: 'a' }, { name: 'b' }], tracer: { otlpEndpoint: 'x:1' }, audit: { filter } }).audit!;
const msg = (e: AuditEvent, cluster = 'a') => toMessage({ cluster, sourceAddr: '127.0.0.1', event: e, receivedAtMs: Date.now() });

describe('dynamic filter ConfigMap data', () => {
  it("reads the original's exclude-regex and our per-line lists, skipping blanks and comments", () => {
    const f = new AuditFilter(audit());
    f.setDynamic(
      'a',
      parseFilterData({
        'exclude-regex': '^apps/v1/deployments/default/',
        'exclude-users': '\n# bots\n^bot-\n',
        'exclude-user-agents': 'helm/',
        'exclude-namespaces': '^team-x$',
        'exclude-resources': 'secrets\napps/replicasets',
      }),
    );
    expect(f.test(msg(auditEvent({ group: 'apps', resource: 'deployments', namespace: 'default' })))).toBe('object');
    expect(f.test(msg(auditEvent({ user: 'bot-1' })))).toBe('user');
    expect(f.test(msg({ ...auditEvent(), userAgent: 'helm/3.14' }))).toBe('userAgent');
    expect(f.test(msg(auditEvent({ namespace: 'team-x' })))).toBe('namespace');
    expect(f.test(msg(auditEvent({ group: '', resource: 'secrets' })))).toBe('type');
    expect(f.test(msg(auditEvent({ group: 'apps', resource: 'replicasets' })))).toBe('type');
    // Another cluster's ConfigMap, not this one's, applies to its events.
    expect(f.test(msg(auditEvent({ user: 'bot-1' }), 'b'))).toBeUndefined();
    f.setDynamic('a', undefined);
    expect(f.test(msg(auditEvent({ user: 'bot-1' })))).toBeUndefined();
  });

  it('rejects unknown keys, bad resources and bad patterns, naming them', () => {
    expect(() => parseFilterData({ 'exclude-things': 'x' })).toThrow(/unknown key exclude-things/);
    expect(() => parseFilterData({ 'exclude-resources': 'a/b/c' })).toThrow(/"a\/b\/c" is not "resource" or "group\/resource"/);
    expect(() => parseFilterData({ 'exclude-regex': '(' })).toThrow(/invalid regular expression "\("/);
  });
});

describe('FilterReloader', () => {
  it('applies a changed filter, ignores an unchanged one and keeps the old settings when loading fails', () => {
    const initial = audit();
    const f = new AuditFilter(initial);
    let next: AuditConfig | Error = initial;
    const reloader = new FilterReloader({
      filter: f,
      initial,
      load: () => {
        if (next instanceof Error) throw next;
        return next;
      },
      intervalMs: 1000,
      logger: nullLogger,
      registry: new Registry(),
    });
    expect(reloader.check()).toBe(false);
    next = audit({ excludeUsers: ['^alice$'] });
    expect(reloader.check()).toBe(true);
    expect(f.test(msg(auditEvent({ user: 'alice' })))).toBe('user');
    next = new Error('config file unreadable');
    expect(reloader.check()).toBe(false);
    expect(f.test(msg(auditEvent({ user: 'alice' })))).toBe('user');
  });
});
