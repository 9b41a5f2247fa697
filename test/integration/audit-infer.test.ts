/**
 * objectRef inference (spec 5.5) against the real kube-apiserver's discovery: an audit event whose objectRef
 * lacks the resource (as some aggregated or older apiservers send) is posted to the consumer's webhook; the
 * consumer maps the response object's kind to its resource and writes the span under the right object.
 * The same consumer serves the original's metric series names (metrics.originalNames).
 */
import { randomBytes } from 'node:crypto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const spans: ReadableSpan[] = [];
const exporter: SpanExporter = {
  export: (batch, done) => {
    spans.push(...batch);
    done({ code: 0 });
  },
  shutdown: async () => {},
};
let app: RunningApp;

function event(auditID: string, responseObject: Record<string, unknown>) {
  const now = new Date().toISOString();
  return {
    level: 'RequestResponse',
    auditID,
    stage: 'ResponseComplete',
    requestURI: '/apis/apps/v1/namespaces/team/deployments/web',
    verb: 'update',
    user: { username: 'alice' },
    sourceIPs: ['10.0.0.1'],
    objectRef: { namespace: 'team', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    responseObject,
    requestReceivedTimestamp: now,
    stageTimestamp: now,
  };
}

beforeAll(async () => {
  const config = parseConfig({
    clusters: [{ name: cluster, kubeconfig: env.kube.kubeconfig }],
    tracer: { otlpEndpoint: 'unused:4317', scheduledDelay: '100ms' },
    audit: { consumer: { inferObjectRef: true } },
    metrics: { listen: '127.0.0.1:0', originalNames: true },
  });
  app = await startApp({ config, exporter, logger: createLogger({ level: 'warn' }), auditListen: { host: '127.0.0.1', port: 0 } });
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('objectRef inference through the real apiserver discovery', () => {
  it('an event without objectRef.resource lands on the object its response names', async () => {
    const ids = { deployment: randomBytes(8).toString('hex'), node: randomBytes(8).toString('hex'), unknown: randomBytes(8).toString('hex') };
    const items = [
      event(ids.deployment, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team', uid: 'u-1' } }),
      event(ids.node, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } }),
      event(ids.unknown, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'team' } }),
    ];
    const res = await fetch(`${app.audit!.url}/audit/${cluster}`, { method: 'POST', body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }) });
    expect(res.status, await res.text()).toBe(200);
    const bySpanId = (id: string) => spans.find((s) => s.attributes.auditId === id);
    await waitFor('both audit spans', () => bySpanId(ids.deployment) && bySpanId(ids.node), { timeoutMs: 15_000 });
    expect(bySpanId(ids.deployment)!.attributes).toMatchObject({ cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: 'team', name: 'web' });
    expect(bySpanId(ids.node)!.attributes).toMatchObject({ group: '', resource: 'nodes', namespace: '', name: 'node-a' });
    const deploymentParent = spans.find((s) => s.spanContext().spanId === bySpanId(ids.deployment)!.parentSpanContext?.spanId);
    expect(deploymentParent?.name).toBe('deployments/web');
    // A kind the cluster does not serve stays without an object and is dropped.
    expect(bySpanId(ids.unknown)).toBeUndefined();
  });

  it("with metrics.originalNames, /metrics also serves the original's series names", async () => {
    const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    expect(text).toMatch(/^audit_consumer_event_count\{/m);
    expect(text).toMatch(/^audit_consumer_event_histogram_bucket\{/m);
    expect(text).toMatch(/^audit_webhook_request_histogram_count\{/m);
    expect(text).toMatch(/^aggregator_send_histogram_sum\{/m);
  });
});
