/**
 * Quantifiers (spec 9.1): the number a metric records for one audit message, or undefined when the
 * message has none (e.g. any stage but ResponseComplete). Latencies are in seconds (the original used
 * nanoseconds; Prometheus convention is seconds).
 */
import type { ReceivedAuditEvent } from '../audit/types.ts';
import type { QuantifierName } from '../model/kelemetrixNames.ts';
import { requestQuery } from './requestUri.ts';
import { parseTimestamp, secondsBetween, secondsSince } from './timestamp.ts';

export type QuantityKind = 'counter' | 'histogram' | 'summary';

export interface QuantifierEnv {
  nowMs(): number;
  /** The apiserver's default request timeout for a cluster, in ms. */
  requestTimeoutMs(cluster: string): number;
}

export interface Quantifier {
  kind: QuantityKind;
  /** Throws when the message is malformed in a way worth counting (e.g. a bad timeoutSeconds). */
  compute(msg: ReceivedAuditEvent, env: QuantifierEnv): number | undefined;
}

const complete = (msg: ReceivedAuditEvent) => msg.event.stage === 'ResponseComplete';

/** Seconds from request receipt to this stage, or undefined when either timestamp is missing. */
function latencySeconds(msg: ReceivedAuditEvent): number | undefined {
  const start = parseTimestamp(msg.event.requestReceivedTimestamp);
  const end = parseTimestamp(msg.event.stageTimestamp);
  if (start === undefined || end === undefined) return undefined;
  return secondsBetween(start, end);
}

function timeoutSeconds(msg: ReceivedAuditEvent, env: QuantifierEnv): number {
  const given = requestQuery(msg.event.requestURI).get('timeoutSeconds');
  if (given === null) return env.requestTimeoutMs(msg.cluster) / 1000;
  const n = Number(given);
  if (given.trim() === '' || !Number.isFinite(n)) throw new Error(`timeoutSeconds "${given}" in requestURI is not a number`);
  return n;
}

export const quantifiers: Record<QuantifierName, Quantifier> = {
  request_count: { kind: 'counter', compute: (m) => (complete(m) ? 1 : undefined) },
  request_latency: { kind: 'histogram', compute: (m) => (complete(m) ? latencySeconds(m) : undefined) },
  request_latency_ratio: {
    kind: 'summary',
    compute: (m, env) => {
      if (!complete(m)) return undefined;
      const latency = latencySeconds(m);
      // A zero latency has no meaningful ratio (the original divided by zero).
      if (latency === undefined || latency <= 0) return undefined;
      return timeoutSeconds(m, env) / latency;
    },
  },
  mq_latency: {
    kind: 'histogram',
    compute: (m, env) => {
      if (!complete(m)) return undefined;
      const stage = parseTimestamp(m.event.stageTimestamp);
      return stage === undefined ? undefined : secondsSince(stage, env.nowMs());
    },
  },
};

/** Buckets for request and queue latencies (seconds): long-running watches end after minutes. */
export const requestLatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800];
