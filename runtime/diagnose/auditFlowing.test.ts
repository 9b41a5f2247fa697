import { describe, expect, it } from 'vitest';
import { auditFlowingCondition } from './auditFlowing.ts';
import { diagnose } from './diagnose.ts';
import type { Scrape } from './metricSet.ts';
import { parsePrometheusText } from './promText.ts';
import { ScrapeWindow } from './window.ts';

const scrape = (text: string, target = 'ns/consumer-0:9090'): Scrape => ({ target, families: parsePrometheusText(text, target) });
const requests = (n: number) => scrape(`# TYPE audit_webhook_request histogram\naudit_webhook_request_count{cluster="c",code="200"} ${n}\n`);

describe('ScrapeWindow', () => {
  it('diffs against the newest scrape at least a window old, and says when the window is partial', () => {
    const w = new ScrapeWindow(60_000);
    const s = (n: number) => [requests(n)];
    expect(w.record(0, s(1))).toEqual({ complete: false });
    const partial = w.record(30_000, s(2));
    expect(partial).toMatchObject({ complete: false, windowSeconds: 30 });
    expect(partial.previous).toEqual(s(1));
    const full = w.record(70_000, s(3));
    expect(full).toMatchObject({ complete: true, windowSeconds: 70 });
    expect(full.previous).toEqual(s(1));
    const next = w.record(100_000, s(4));
    expect(next).toMatchObject({ complete: true, windowSeconds: 70 });
    expect(next.previous).toEqual(s(2));
  });
});

describe('auditFlowingCondition', () => {
  const endpoint = 'https://demo-consumer.kelemetry.svc:8080/audit/prod';

  it('is True when audit requests arrive', () => {
    const c = auditFlowingCondition(diagnose({ current: [requests(5)], previous: [requests(1)], windowSeconds: 300 }), { windowComplete: true });
    expect(c).toEqual({ type: 'AuditFlowing', status: 'True', reason: 'AuditEventsReceived', message: 'received 4 audit webhook requests in the last 5m (4 accepted)' });
  });

  it('is False with the fix as message when none arrived in a full window', () => {
    const c = auditFlowingCondition(diagnose({ current: [requests(5)], previous: [requests(5)], windowSeconds: 300, auditEndpoint: endpoint }), { windowComplete: true });
    expect(c.status).toBe('False');
    expect(c.reason).toBe('NoAuditRequests');
    expect(c.message).toBe(
      `no audit requests received in the last 5m: check kube-apiserver --audit-webhook-config-file points at ${endpoint}, that --audit-policy-file logs requests (level Metadata or above), and that the apiserver can reach the consumer (look for "Error sending audit events" in its log)`,
    );
  });

  it('is Unknown while the window fills or without metrics', () => {
    expect(auditFlowingCondition(diagnose({ current: [requests(0)] }), { windowComplete: false })).toMatchObject({ status: 'Unknown', reason: 'Waiting' });
    expect(auditFlowingCondition(diagnose({ current: [] }), { windowComplete: true, failures: [{ target: 'ns/p:9090', error: 'scraping ns/p:9090: HTTP 503' }] })).toEqual({
      type: 'AuditFlowing',
      status: 'Unknown',
      reason: 'MetricsUnavailable',
      message: "cannot read the consumer's metrics: scraping ns/p:9090: HTTP 503",
    });
  });

  it('reports the first downstream problem when requests arrive', () => {
    const text =
      '# TYPE audit_webhook_request histogram\naudit_webhook_request_count{cluster="c",code="200"} 9\n' +
      '# TYPE tracer_spans_dropped_total counter\ntracer_spans_dropped_total{reason="export_failed"} 4\n';
    const c = auditFlowingCondition(diagnose({ current: [scrape(text)] }), { windowComplete: true });
    expect(c).toMatchObject({ status: 'False', reason: 'SpansNotExported' });
    expect(c.message).toContain('check tracer.otlpEndpoint');
  });
});
