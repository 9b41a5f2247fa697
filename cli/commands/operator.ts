/**
 * `kelemetry operator`: runs the KelemetryInstance controller until SIGTERM/SIGINT (graceful: the work
 * queue drains and the lease is released; exit 0) or until it stops itself — lost its lease, or a part
 * failed to start, e.g. the metrics port is taken (exit 1, logged; the Deployment restarts it).
 */
import { parseArgs } from 'node:util';
import { startOperator } from '../../operator/operator.ts';
import { createRegistry } from '../../runtime/metrics/registry.ts';
import { parseHostPort } from '../../runtime/util/hostPort.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { loadKubeConfig } from '../kubeconfig.ts';
import { nextStopSignal } from '../signals.ts';

const help = `usage: kelemetry operator [--kubeconfig FILE] [--leader-elect] [--lease-namespace NS] [--workers N] [--metrics-listen HOST:PORT]
                          [--watch-namespaces NS,NS|*]

Reconciles KelemetryInstance resources (kelemetry.io/v1alpha1).
  --kubeconfig FILE        default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account
  --leader-elect           hold a Lease before reconciling (run several replicas for fail-over)
  --lease-namespace NS     namespace of the Lease (default: $POD_NAMESPACE or kelemetry-system)
  --workers N              parallel reconciles of distinct instances (default 2)
  --metrics-listen ADDR    Prometheus /metrics, /healthz and /readyz (default 127.0.0.1:9090); beyond loopback,
                           /metrics needs a bearer token allowed to get /metrics (ClusterRole kelemetry-metrics-reader)
  --no-store-probes        do not TCP-probe external stores for status
  --watch-namespaces LIST  reconcile only instances in these comma-separated namespaces (default: every
                           namespace, *); the install grants the operator Secrets and pods/proxy there only`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'lease-namespace': { type: 'string' },
      workers: { type: 'string', default: '2' },
      'metrics-listen': { type: 'string', default: '127.0.0.1:9090' },
      'no-store-probes': { type: 'boolean', default: false },
      'watch-namespaces': { type: 'string', default: '*' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  const logger = createLogger();
  const op = startOperator({
    kubeconfig: loadKubeConfig(values.kubeconfig),
    logger,
    registry: createRegistry(),
    workers: Number(values.workers),
    probeStores: !values['no-store-probes'],
    leaderElection: values['leader-elect'] ? { namespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? 'kelemetry-system' } : false,
    metricsListen: parseHostPort(values['metrics-listen']!, '--metrics-listen'),
    watchNamespaces: values['watch-namespaces']!.split(',').map((n) => n.trim()).filter(Boolean),
  });

  const signalled = nextStopSignal().then((signal) => {
    logger.info('shutting down', { signal });
    return 0;
  });
  // The manager has logged why it stopped itself.
  const code = await Promise.race([signalled, op.done.then(() => 0, () => 1)]);
  await op.stop();
  return code;
}
