import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditFlowingCondition } from '../../runtime/diagnose/auditFlowing.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import { AuditFlowingMonitor, verdictKey, type AuditProbe, type AuditTarget } from './auditFlowing.ts';

const verdict = (status: AuditFlowingCondition['status'], reason: string, message: string): AuditFlowingCondition => ({ type: 'AuditFlowing', status, reason, message });
const unavailable = verdict('Unknown', 'MetricsUnavailable', "cannot read the consumer's metrics: scraping ns/k-consumer-abc:9090 through the apiserver pod proxy: HTTP 503");

/** A probe that answers from a script, one verdict (or error) per check; the last one repeats. */
function scripted(...answers: (AuditFlowingCondition | Error)[]) {
  const targets: AuditTarget[] = [];
  const probe: AuditProbe = {
    check: async (t) => {
      targets.push(t);
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (a instanceof Error) throw a;
      return { condition: a };
    },
  };
  return { probe, targets };
}

function monitor(probe: AuditProbe, intervalMs = 1000) {
  const changes: string[] = [];
  const results: string[] = [];
  const m = new AuditFlowingMonitor({
    newProbe: () => probe,
    onChange: (k) => changes.push(k),
    intervalMs,
    logger: nullLogger,
    checks: { inc: ({ result }: { result: string }) => results.push(result) } as never,
  });
  return { m, changes, results };
}

const target = { namespace: 'ns', name: 'k', auditEndpoint: 'http://k-webhook.ns.svc:8080/audit/a' };

afterEach(() => vi.useRealTimers());

describe('AuditFlowingMonitor', () => {
  it('checks a new instance at once, publishes the verdict and enqueues it once', async () => {
    const { probe, targets } = scripted(unavailable);
    const { m, changes, results } = monitor(probe);
    m.track('ns/k', target);
    await m.check('ns/k');
    expect(targets[0]).toEqual(target);
    expect(m.condition('ns/k')).toEqual(unavailable);
    expect(changes).toEqual(['ns/k']);
    await m.check('ns/k');
    await m.check('ns/k');
    expect(changes).toEqual(['ns/k']);
    expect(results).toEqual(['changed', 'unchanged', 'unchanged']);
    m.stop();
  });

  it('does not republish when only the figures change, but does when the status, reason or wording does', async () => {
    const { probe } = scripted(
      verdict('True', 'AuditEventsReceived', 'received 120 audit webhook requests in the last 5m (120 accepted)'),
      verdict('True', 'AuditEventsReceived', 'received 3400 audit webhook requests in the last 4.5m (3399 accepted)'),
      verdict('False', 'NoAuditRequests', 'no audit requests received in the last 5m: check ...'),
    );
    const { m, changes } = monitor(probe);
    m.track('ns/k', target);
    await m.check('ns/k');
    await m.check('ns/k');
    expect(changes).toEqual(['ns/k']);
    // The published message keeps the figures of the last published verdict.
    expect(m.condition('ns/k')?.message).toContain('received 120 audit');
    await m.check('ns/k');
    expect(changes).toEqual(['ns/k', 'ns/k']);
    expect(m.condition('ns/k')).toMatchObject({ status: 'False', reason: 'NoAuditRequests' });
  });

  it('treats the condition already in status as published: a restarted operator rewrites nothing', async () => {
    const { probe } = scripted(unavailable);
    const { m, changes } = monitor(probe);
    m.track('ns/k', target, { ...unavailable });
    await m.check('ns/k');
    expect(changes).toEqual([]);
    expect(m.condition('ns/k')).toEqual(unavailable);
  });

  it('reports a probe that throws (e.g. pods cannot be listed) as Unknown/DiagnosisFailed with the error', async () => {
    const { probe } = scripted(new Error('listing pods of KelemetryInstance ns/k: 403 Forbidden'));
    const { m, results } = monitor(probe);
    m.track('ns/k', target);
    await m.check('ns/k');
    expect(m.condition('ns/k')).toEqual(verdict('Unknown', 'DiagnosisFailed', 'listing pods of KelemetryInstance ns/k: 403 Forbidden'));
    expect(results).toEqual(['error']);
  });

  it('re-checks every interval until stopped; a forgotten instance is no longer probed', async () => {
    vi.useFakeTimers();
    const { probe, targets } = scripted(unavailable);
    const { m } = monitor(probe, 1000);
    m.start();
    m.track('ns/k', target);
    await vi.advanceTimersByTimeAsync(0);
    expect(targets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(targets).toHaveLength(4);
    m.forget('ns/k');
    await vi.advanceTimersByTimeAsync(2000);
    expect(targets).toHaveLength(4);
    m.track('ns/k', target);
    await vi.advanceTimersByTimeAsync(0);
    expect(targets).toHaveLength(5);
    m.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(targets).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops a verdict that arrives after stop', async () => {
    let release!: () => void;
    const probe: AuditProbe = { check: () => new Promise((r) => (release = () => r({ condition: unavailable }))) };
    const { m, changes } = monitor(probe);
    m.track('ns/k', target);
    m.stop();
    release();
    await new Promise((r) => setImmediate(r));
    expect(changes).toEqual([]);
  });
});

describe('verdictKey', () => {
  it('masks numbers only', () => {
    expect(verdictKey(verdict('True', 'R', 'received 5 in 2.5m'))).toBe(verdictKey(verdict('True', 'R', 'received 61 in 5m')));
    expect(verdictKey(verdict('True', 'R', 'received 5'))).not.toBe(verdictKey(verdict('Unknown', 'R', 'received 5')));
    expect(verdictKey(verdict('True', 'R', 'received 5'))).not.toBe(verdictKey(verdict('True', 'R', 'refused 5')));
  });
});
