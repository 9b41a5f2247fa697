/**
 * Get-or-create helpers for prom-client metrics on a given registry. Components may be built more than
 * once against one registry (tests, several pipelines sharing one aggregator), and prom-client throws on
 * a second registration of the same name; these return the existing metric instead.
 */
import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';

type Labels<L extends string> = readonly L[];

function existing<T>(registry: Registry, name: string, kind: new (...args: never[]) => T): T | undefined {
  const found = registry.getSingleMetric(name);
  if (!found) return undefined;
  if (!(found instanceof kind)) throw new Error(`metric "${name}" is already registered with another type`);
  return found;
}

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: Labels<L>): Counter<L> {
  return existing(registry, name, Counter<L>) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
}

/** A gauge. Pass `collect` to sample a value at scrape time (the value is set, never accumulated). */
export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: Labels<L>,
  collect?: (g: Gauge<L>) => void,
): Gauge<L> {
  const found = existing(registry, name, Gauge<L>);
  if (found) return found;
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    ...(collect ? { collect(this: Gauge<L>) { collect(this); } } : {}),
  });
}

/** Latency buckets in seconds, from 100 µs to 30 s. */
export const latencyBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A count + latency histogram. Named after the original's `<name>` metrics so that the series
 * `<name>_count` (read by the original scan tool) exists with the same labels.
 */
export function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: Labels<L>, buckets = latencyBuckets): Histogram<L> {
  return existing(registry, name, Histogram<L>) ?? new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

export function summary<L extends string>(registry: Registry, name: string, help: string, labelNames: Labels<L>): Summary<L> {
  return (
    existing(registry, name, Summary<L>) ??
    new Summary<L>({ name, help, labelNames, percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5, registers: [registry] })
  );
}
