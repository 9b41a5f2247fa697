/**
 * Prometheus metrics. Every component registers its metrics on the Registry it is given (so tests can
 * use a private one); the process serves one registry on the `metrics` port. Metric names follow the
 * original Kelemetry (spec 9.2) where it has one, so dashboards keep working.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A registry with process metrics (CPU, RSS, event loop lag, GC) already collected. */
export function createRegistry(opts: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
