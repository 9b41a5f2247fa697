/**
 * `kelemetry operator`: runs the KelemetryInstance controller until SIGTERM/SIGINT (graceful: the work
 * queue drains and the lease is released) or until it loses its lease (exit 1; the Deployment restarts it).
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from '../../operator/manager.ts';
import { createRegistry } from '../../runtime/metrics/registry.ts';
import { createLogger } from '../../runtime/util/log.ts';

const help = `usage: kelemetry operator [--kubeconfig FILE] [--leader-elect] [--lease-namespace NS] [--workers N] [--metrics-listen HOST:PORT]

Reconciles KelemetryInstance resources (kelemetry.io/v1alpha1) in every namespace.
  --kubeconfig FILE        default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account
  --leader-elect           hold a Lease before reconciling (run several replicas for fail-over)
  --lease-namespace NS     namespace of the Lease (default: $POD_NAMESPACE or kelemetry-system)
  --workers N              parallel reconciles of distinct instances (default 2)
  --metrics-listen ADDR    Prometheus /metrics, /healthz and /readyz (default 127.0.0.1:9090)
  --no-store-probes        do not TCP-probe external stores for status`;

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  const logger = createLogger();
  const kubeconfig = new KubeConfig();
  if (values.kubeconfig) kubeconfig.loadFromFile(values.kubeconfig);
  else kubeconfig.loadFromDefault();
  const registry = createRegistry();
  const op = startOperator({
    kubeconfig,
    logger,
    registry,
    workers: Number(values.workers),
    probeStores: !values['no-store-probes'],
    leaderElection: values['leader-elect'] ? { namespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? 'kelemetry-system' } : false,
  });

  const [host, port] = splitHostPort(values['metrics-listen']!);
  const server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.end('ok');
    if (req.url === '/readyz') {
      // A standby replica is ready: it serves metrics and waits for the lease.
      res.statusCode = op.isLeader() && !op.ready() ? 503 : 200;
      return void res.end(res.statusCode === 200 ? 'ok' : 'syncing');
    }
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.setHeader('Content-Type', registry.contentType);
          res.end(text);
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        },
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));

  let signalled = false;
  const shutdown = new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      if (signalled) return;
      signalled = true;
      logger.info('shutting down', { signal: sig });
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  await Promise.race([shutdown, op.stopped]);
  await op.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return signalled ? 0 : 1;
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', Number(addr.slice(i + 1))];
}
