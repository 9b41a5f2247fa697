/**
 * Audit checks: are audit batches arriving (`audit_webhook_request`), are any refused, and do the
 * consumed events become spans (`audit_consumer_event`, label hasTrace).
 */
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';
import { absent, breakdown, fmt, period } from './wording.ts';

const is2xx = (code: string) => /^2\d\d$/.test(code);

export function auditRequests(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'auditRequests';
  if (!set.has('audit_webhook_request')) return absent(id, 'audit webhook requests');
  const total = set.increase('audit_webhook_request_count');
  const when = period(set, ctx);
  if (total === 0) {
    const endpoint = ctx.auditEndpoint ?? 'the consumer\'s audit webhook URL (http(s)://<consumer service>:<port>/audit/<cluster>)';
    return {
      id,
      ok: false,
      figure: 0,
      message: `no audit requests received ${when}`,
      suggestion:
        `check kube-apiserver --audit-webhook-config-file points at ${endpoint}, that --audit-policy-file logs requests ` +
        '(level Metadata or above), and that the apiserver can reach the consumer (look for "Error sending audit events" in its log)',
    };
  }
  const accepted = set.increase('audit_webhook_request_count', { code: (c) => c === '' || is2xx(c) });
  return { id, ok: true, figure: total, message: `received ${fmt(total)} audit webhook requests ${when} (${fmt(accepted)} accepted)`, suggestion: '' };
}

const refusalAdvice: Record<string, string> = {
  '400': 'the body was not an audit.k8s.io/v1 EventList, or the cluster could not be resolved: check --audit-webhook-version=audit.k8s.io/v1 and post to /audit/<cluster>',
  '401': 'missing or wrong bearer token: the token in the apiserver\'s webhook kubeconfig must match audit.webhook.bearerTokenFile',
  '404': 'wrong path or unknown cluster: the webhook URL must end in /audit/<cluster> with a cluster named in clusters[]',
  '413': 'batches exceed the queue: raise audit.queue.capacity or lower the apiserver\'s --audit-webhook-batch-max-size',
  '429': 'the audit queue was full: raise audit.queue.capacity/partitions or check the span exporter keeps up (spans check)',
  '503': 'the consumer was shutting down (normal during a rollout)',
};

export function auditRefused(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'auditRefused';
  if (!set.has('audit_webhook_request')) return absent(id, 'refused audit requests');
  const byCode = set.increaseBy('audit_webhook_request_count', 'code', { code: (c) => c !== '' && !is2xx(c) });
  const refused = [...byCode.values()].reduce((a, b) => a + b, 0);
  const when = period(set, ctx);
  if (refused === 0) return { id, ok: true, figure: 0, message: `no audit requests refused ${when}`, suggestion: '' };
  const codes = [...byCode.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  // Refusals only during a rollout are expected; anything else needs action.
  const onlyShutdown = codes.every(([c]) => c === '503');
  const advice = codes.map(([c]) => refusalAdvice[c] ?? (c.startsWith('5') ? `HTTP ${c}: the consumer failed; see its log` : `HTTP ${c}: see the consumer's log`));
  return {
    id,
    ok: onlyShutdown,
    figure: refused,
    message: `refused ${fmt(refused)} audit requests ${when}, by HTTP status: ${breakdown(new Map(codes))}`,
    suggestion: onlyShutdown ? '' : [...new Set(advice)].join('; '),
  };
}

/** Below this many consumed events without any trace, an idle window is more likely than a misconfiguration. */
const minEventsForNoTrace = 20;

export function auditEvents(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'auditEvents';
  if (!set.has('audit_consumer_event')) return absent(id, 'consumed audit events');
  const byTrace = set.increaseBy('audit_consumer_event_count', 'hasTrace');
  const withTrace = byTrace.get('true') ?? 0;
  const without = byTrace.get('false') ?? 0;
  // `error` is our addition to the original labels: a span was attempted but its send failed.
  const failed = set.increase('audit_consumer_event_count', { hasTrace: 'true', error: (e) => e !== '' && e !== '<nil>' });
  const when = period(set, ctx);
  const message = `consumed ${fmt(withTrace + without)} audit events ${when}: ${fmt(withTrace)} with a trace, ${fmt(without)} without (filtered)`;
  if (failed > 0) {
    return {
      id,
      ok: false,
      figure: withTrace,
      message: `${message}; ${fmt(failed)} audit spans failed to send`,
      suggestion: 'audit spans could not be written: check the span cache store (stores.*) and tracer.otlpEndpoint (see the spans and cache checks)',
    };
  }
  if (withTrace === 0 && without >= minEventsForNoTrace) {
    return {
      id,
      ok: false,
      figure: 0,
      message: `${message}; none produced a trace`,
      suggestion:
        'every event was filtered: check audit.consumer.verbs and stages (ResponseComplete must be logged by the audit policy, ' +
        'omitStages must not drop it) and audit.filter (excludeTypes, excludeUsers, excludeNamespaces, onlyClusters)',
    };
  }
  return { id, ok: true, figure: withTrace, message, suggestion: '' };
}
