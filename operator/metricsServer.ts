/**
 * The operator's `/metrics`, `/healthz` and `/readyz` (runtime/metrics/server.ts) as a runnable of the
 * manager: a port that cannot be bound fails the start. A standby replica is ready: it serves metrics
 * and waits for the lease; a leader is ready once its caches are synced. With a guard (metricsAuth.ts),
 * /metrics answers only callers the API server authorizes; the probes stay open to the kubelet.
 */
import type { Registry } from 'prom-client';
import { startMetricsServer, type MetricsGuard } from '../runtime/metrics/server.ts';
import type { HostPort } from '../runtime/util/hostPort.ts';
import type { Logger } from '../runtime/util/log.ts';
import { untilAborted, type Runnable } from './manager.ts';

export function metricsServer(listen: HostPort, registry: Registry, ready: () => boolean, logger: Logger, guard?: MetricsGuard): Runnable {
  return {
    name: 'metrics-server',
    async run(signal) {
      const component = { name: 'operator', ready };
      const server = await startMetricsServer(listen, registry, () => [component], logger, undefined, guard);
      logger.info('serving metrics', { url: server.url, authorized: guard !== undefined });
      await untilAborted(signal);
      await server.stop();
    },
  };
}
