import { describe, expect, it } from 'vitest';
import { auditEvents, auditRefused, auditRequests } from './checks/audit.ts';
import { cacheErrors } from './checks/caches.ts';
import { eventsHandled } from './checks/events.ts';
import { leaderState } from './checks/leader.ts';
import { spansSent } from './checks/spans.ts';
import { diagnose, healthy } from './diagnose.ts';
import { MetricSet, type Scrape } from './metricSet.ts';
import { parsePrometheusText } from './promText.ts';

const scrape = (text: string, target = 'http://consumer:9090/metrics'): Scrape => ({ target, families: parsePrometheusText(text, target) });
const set = (...texts: string[]) => new MetricSet(texts.map((t, i) => scrape(t, `t${i}`)));

const webhook = (lines: string) => `# TYPE audit_webhook_request histogram\n${lines}`;

describe('MetricSet', () => {
  it('sums across targets and computes increases with counter resets', () => {
    const before = [scrape('# TYPE x counter\nx{a="1"} 10\nx{a="2"} 5\n', 'p1'), scrape('# TYPE x counter\nx{a="1"} 100\n', 'p2')];
    const after = [scrape('# TYPE x counter\nx{a="1"} 15\nx{a="2"} 5\nx{a="3"} 2\n', 'p1'), scrape('# TYPE x counter\nx{a="1"} 4\n', 'p2')];
    expect(new MetricSet(after).increase('x')).toBe(26);
    const w = new MetricSet(after, before);
    expect(w.windowed).toBe(true);
    // p1: +5, +0, +2 (new series); p2 restarted: counts from 0 → 4
    expect(w.increase('x')).toBe(11);
    expect(w.increaseBy('x', 'a')).toEqual(new Map([['1', 9], ['2', 0], ['3', 2]]));
    expect(w.increase('x', { a: ['2', '3'] })).toBe(2);
    expect(w.increase('x', { a: (v) => v > '1' })).toBe(2);
    expect(w.increase('x', { missing: '' })).toBe(11);
  });
});

describe('auditRequests', () => {
  it('is absent when no webhook metrics were scraped', () => {
    expect(auditRequests(set('# TYPE other counter\nother 1\n'), {})).toMatchObject({ ok: true, absent: true });
  });

  it('flags zero requests and names the endpoint and the apiserver flag', () => {
    const f = auditRequests(set(webhook('')), { auditEndpoint: 'https://kelemetry-consumer.kelemetry.svc:8443/audit/prod' });
    expect(f.ok).toBe(false);
    expect(f.figure).toBe(0);
    expect(f.message).toBe('no audit requests received since the processes started');
    expect(f.suggestion).toContain('check kube-apiserver --audit-webhook-config-file points at https://kelemetry-consumer.kelemetry.svc:8443/audit/prod');
  });

  it('uses the window in the message', () => {
    const prev = [scrape(webhook('audit_webhook_request_count{cluster="c",code="200"} 7\n'), 'a')];
    const cur = [scrape(webhook('audit_webhook_request_count{cluster="c",code="200"} 7\n'), 'a')];
    const f = auditRequests(new MetricSet(cur, prev), { windowSeconds: 300 });
    expect(f).toMatchObject({ ok: false, message: 'no audit requests received in the last 5m' });
  });

  it('counts requests, with the original label set too', () => {
    const f = auditRequests(set(webhook('audit_webhook_request_count{cluster="c",code="200"} 40\naudit_webhook_request_count{cluster="c",code="429"} 2\n'), webhook('audit_webhook_request_count{cluster="d"} 3\n')), {});
    expect(f).toMatchObject({ ok: true, figure: 45, message: 'received 45 audit webhook requests since the processes started (43 accepted)' });
  });
});

describe('auditRefused', () => {
  it('explains each refusal code', () => {
    const f = auditRefused(set(webhook('audit_webhook_request_count{cluster="c",code="200"} 40\naudit_webhook_request_count{cluster="c",code="401"} 3\naudit_webhook_request_count{cluster="c",code="429"} 5\n')), {});
    expect(f.ok).toBe(false);
    expect(f.figure).toBe(8);
    expect(f.message).toBe('refused 8 audit requests since the processes started, by HTTP status: 429 (5), 401 (3)');
    expect(f.suggestion).toContain('raise audit.queue.capacity');
    expect(f.suggestion).toContain('bearer token');
  });

  it('tolerates 503 during shutdown and passes without refusals', () => {
    expect(auditRefused(set(webhook('audit_webhook_request_count{cluster="c",code="503"} 1\n')), {}).ok).toBe(true);
    expect(auditRefused(set(webhook('audit_webhook_request_count{cluster="c",code="200"} 1\n')), {})).toMatchObject({ ok: true, figure: 0 });
  });
});

describe('auditEvents', () => {
  const consumer = (lines: string) => `# TYPE audit_consumer_event histogram\n${lines}`;
  it('reports events with and without traces', () => {
    const f = auditEvents(set(consumer('audit_consumer_event_count{cluster="c",consumerGroup="kelemetry",partition="0",hasTrace="true",error=""} 12\naudit_consumer_event_count{cluster="c",consumerGroup="kelemetry",partition="1",hasTrace="false",error=""} 30\n')), {});
    expect(f).toMatchObject({ ok: true, figure: 12, message: 'consumed 42 audit events since the processes started: 12 with a trace, 30 without (filtered)' });
  });

  it('flags failed sends', () => {
    const f = auditEvents(set(consumer('audit_consumer_event_count{hasTrace="true",error="send"} 2\naudit_consumer_event_count{hasTrace="true",error=""} 1\n')), {});
    expect(f.ok).toBe(false);
    expect(f.message).toContain('2 audit spans failed to send');
    expect(f.suggestion).toContain('tracer.otlpEndpoint');
  });

  it('flags many events and no traces, but not a quiet window', () => {
    const many = auditEvents(set(consumer('audit_consumer_event_count{hasTrace="false",error=""} 25\n')), {});
    expect(many).toMatchObject({ ok: false, figure: 0 });
    expect(many.suggestion).toContain('audit.consumer.verbs');
    expect(auditEvents(set(consumer('audit_consumer_event_count{hasTrace="false",error=""} 3\n')), {}).ok).toBe(true);
  });
});

describe('eventsHandled', () => {
  const ev = (lines: string) => `# TYPE event_handle histogram\n${lines}`;
  it('counts successes with either success label and lists errors except expected skips', () => {
    const f = eventsHandled(
      set(
        ev(
          'event_handle_count{error=""} 10\nevent_handle_count{error="<nil>"} 2\nevent_handle_count{error="BeforeRestart"} 50\nevent_handle_count{error="Filtered"} 4\nevent_handle_count{error="UnknownGVK"} 1\n',
        ),
      ),
      {},
    );
    expect(f).toMatchObject({ ok: true, figure: 12, message: 'handled 67 Events since the processes started, 12 have spans, with errors: UnknownGVK (1)' });
  });

  it('flags SendTrace errors with a concrete suggestion', () => {
    const f = eventsHandled(set(ev('event_handle_count{error=""} 1\nevent_handle_count{error="SendTrace"} 3\n')), {});
    expect(f.ok).toBe(false);
    expect(f.message).toContain('with errors: SendTrace (3)');
    expect(f.suggestion).toContain('span cache store');
  });
});

describe('spansSent', () => {
  it('reports sent, exported and dropped spans', () => {
    const f = spansSent(
      set(
        '# TYPE aggregator_send histogram\naggregator_send_count{success="true",error=""} 20\n# TYPE tracer_spans_exported_total counter\ntracer_spans_exported_total 35\n# TYPE tracer_spans_dropped_total counter\n',
      ),
      {},
    );
    expect(f).toMatchObject({ ok: true, figure: 20, message: 'sent 20 event spans since the processes started, 35 spans exported, 0 dropped' });
  });

  it('flags drops by reason, failed sends and collector rejections', () => {
    const f = spansSent(
      set(
        '# TYPE aggregator_send histogram\naggregator_send_count{success="false",error="SpanCache"} 2\n# TYPE tracer_spans_dropped_total counter\ntracer_spans_dropped_total{reason="queue_full"} 7\ntracer_spans_dropped_total{reason="export_failed"} 3\n',
        '# TYPE jaeger_collector_spans_rejected_total counter\njaeger_collector_spans_rejected_total{svc="audit"} 1\n',
      ),
      {},
    );
    expect(f.ok).toBe(false);
    expect(f.message).toBe('sent 0 event spans since the processes started, 0 spans exported, 10 dropped (queue_full (7), export_failed (3)), 2 span writes failed, jaeger-collector rejected 1');
    expect(f.suggestion).toContain('raise tracer.maxQueueSize');
    expect(f.suggestion).toContain('check tracer.otlpEndpoint');
    expect(f.suggestion).toContain('span cache store');
    expect(f.suggestion).toContain('Jaeger collector rejected');
  });
});

describe('cacheErrors', () => {
  it('ignores expected span cache races and counts store errors of both caches', () => {
    const ok = cacheErrors(set('# TYPE spancache_fetch_or_reserve histogram\nspancache_fetch_or_reserve_count{backend="etcd",result="AlreadyReserved"} 4\nspancache_fetch_or_reserve_count{backend="etcd",result="fetched"} 9\n'), {});
    expect(ok).toMatchObject({ ok: true, figure: 0 });
    const bad = cacheErrors(
      set(
        '# TYPE spancache_fetch histogram\nspancache_fetch_count{backend="redis",result="error"} 2\n',
        '# TYPE diff_cache_op_count counter\ndiff_cache_op_count{op="fetch",error="true"} 1\n# TYPE diff_controller_write_error_count counter\ndiff_controller_write_error_count{cluster="c"} 3\n# TYPE diff_cache_fetch histogram\ndiff_cache_fetch_count{found="false",error="<nil>"} 5\ndiff_cache_fetch_count{found="false",error="Timeout"} 1\n',
      ),
      {},
    );
    expect(bad).toMatchObject({ ok: false, figure: 7, message: '2 span cache errors, 5 diff cache errors since the processes started' });
    expect(bad.suggestion).toContain('stores.etcd.endpoints');
    expect(cacheErrors(set('# TYPE other counter\n'), {}).absent).toBe(true);
  });

  it('without a window, flags errors only when the last one is recent, and says when it was', () => {
    const nowMs = Date.parse('2026-11-30T12:00:00Z');
    const errors = (lastS: number) =>
      set(`# TYPE diff_cache_op_count counter\ndiff_cache_op_count{op="store",error="true"} 288\n# TYPE cache_last_error_timestamp_seconds gauge\ncache_last_error_timestamp_seconds{cache="diff"} ${lastS}\n`);
    const old = cacheErrors(errors(nowMs / 1000 - 17 * 60), { nowMs });
    expect(old).toMatchObject({ ok: true, figure: 288, message: '0 span cache errors, 288 diff cache errors since the processes started, none in the last 5m (the last 17m ago)' });
    const recent = cacheErrors(errors(nowMs / 1000 - 40), { nowMs });
    expect(recent).toMatchObject({ ok: false, figure: 288, message: '0 span cache errors, 288 diff cache errors since the processes started, the last 40s ago' });
    // Within a window the increase is what counts, whenever the last error was.
    const windowed = new MetricSet([scrape(`# TYPE diff_cache_op_count counter\ndiff_cache_op_count{op="store",error="true"} 290\n`, 't0')], [scrape(`# TYPE diff_cache_op_count counter\ndiff_cache_op_count{op="store",error="true"} 288\n`, 't0')]);
    expect(cacheErrors(windowed, { nowMs, windowSeconds: 60 })).toMatchObject({ ok: false, figure: 2 });
  });
});

describe('leaderState', () => {
  const g = (lines: string) => `# TYPE is_leader_gauge gauge\n${lines}`;
  it('is healthy when each slot has exactly one holder across processes', () => {
    const f = leaderState(
      set(g('is_leader_gauge{component="diff",leaderId="0"} 1\nis_leader_gauge{component="diff",leaderId="1"} 0\n'), g('is_leader_gauge{component="diff",leaderId="0"} 0\nis_leader_gauge{component="diff",leaderId="1"} 1\n')),
      {},
    );
    expect(f).toMatchObject({ ok: true, figure: 2, message: 'leader slots held: diff 2/2' });
  });

  it('flags unheld and doubly held slots', () => {
    const f = leaderState(
      set(g('is_leader_gauge{component="diff",leaderId="0"} 1\nis_leader_gauge{component="event",leaderId="0"} 0\n'), g('is_leader_gauge{component="diff",leaderId="0"} 1\n')),
      {},
    );
    expect(f.ok).toBe(false);
    expect(f.message).toBe('leader slots held: diff 0/1, event 0/1; diff slot 0 is led by more than one process; no scraped process leads event slot 0');
    expect(f.suggestion).toContain('Leases');
  });

  it('includes the operator leader gauge', () => {
    expect(leaderState(set('# TYPE kelemetry_operator_leader gauge\nkelemetry_operator_leader 0\n'), {})).toMatchObject({ ok: false, message: expect.stringContaining('operator 0/1') });
  });
});

describe('diagnose', () => {
  it('runs every check and is healthy only without problems', () => {
    const good = diagnose({ current: [scrape(webhook('audit_webhook_request_count{cluster="c",code="200"} 3\n'))] });
    expect(good.map((f) => f.id)).toEqual(['auditRequests', 'auditRefused', 'auditEvents', 'eventsHandled', 'spansSent', 'cacheErrors', 'leaderState']);
    expect(healthy(good)).toBe(true);
    expect(healthy(diagnose({ current: [scrape(webhook(''))] }))).toBe(false);
  });
});
