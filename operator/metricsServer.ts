/**
 * The operator's `/metrics`, `/healthz` and `/readyz` (runtime/metrics/server.ts) as a runnable of the
 * manager: a port that cannot be bound fails the start. A standby replica is ready: it serves metrics
 * and waits for the lease; a leader is ready once its caches are synced.
 */
import type { Registry } from 'prom-client';
import { startMetricsServer } from '../runtime/metrics/server.ts';
import type { HostPort } from '../runtime/util/hostPort.ts';
import type { Logger } from '../runtime/util/log.ts';
import { untilAborted, type Runnable } from './manager.ts';

export function metricsServer(listen: HostPort, registry: Registry, ready: () => boolean, logger: Logger): Runnable {
  return {
    name: 'metrics-server',
    async run(signal) {
      const component = { name: 'operator', ready };
      const server = await startMetricsServer(listen, registry, () => [component], logger);
      logger.info('serving metrics', { url: server.url });
      await untilAborted(signal);
      await server.stop();
    },
  };
}
