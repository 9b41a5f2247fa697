/**
 * The runtime with every producer of one cluster in one process — audit webhook on the environment's audit
 * receiver port, diff and Event controllers (short leases in `namespace`), one aggregator exporting to the
 * environment's Jaeger — and a reader of what it wrote. Waits a moment so the controllers have listed.
 */
import type { ProvidedContext } from 'vitest';
import { startApp, type RunningApp } from '../../../app/app.ts';
import { parseConfig } from '../../../runtime/config/load.ts';
import { createLogger } from '../../../runtime/util/log.ts';
import { TraceReaderClient } from '../audit-traces.ts';

export async function startAllProducers(
  env: ProvidedContext['env'],
  namespace: string,
  pseudoSpanTags: Record<string, string> = {},
): Promise<{ app: RunningApp; reader: TraceReaderClient }> {
  const election = { namespace, leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
  const config = parseConfig({
    clusters: [{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms', pseudoSpanTags },
    audit: { webhook: { listen: `127.0.0.1:${env.auditReceiverPort}` } },
    informers: {
      diffController: { enabled: true, leaderElection: { ...election, name: 'diff-watch' }, writerElection: { ...election, name: 'diff-writer' } },
      eventController: { enabled: true, configMapNamespace: namespace, leaderElection: { ...election, name: 'events' } },
    },
    metrics: { listen: '127.0.0.1:0' },
  });
  const app = await startApp({ config, logger: createLogger({ level: 'error' }) });
  const reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);
  // Give the controllers a moment to list, so that they write for the changes that follow too.
  await new Promise((r) => setTimeout(r, 3000));
  return { app, reader };
}
