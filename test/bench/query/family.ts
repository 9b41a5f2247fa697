/** The benchmark's data: one Deployment family's Kelemetry spans, written straight into remote storage. */
import { deploymentFamily, KelemetrySpanBuilder } from '../../../plugin/testing/kelemetrySpans.ts';
import { exportSpans } from '../../../plugin/testing/otlpWriter.ts';
import { windowStartMs } from '../../../runtime/model/window.ts';

export const cluster = 'bench';
const spanTtlMs = 30 * 60_000;

export interface LoadedFamily {
  deploymentName: string;
  spans: number;
  rawTraces: number;
  /** The time range the spans cover. */
  fromMs: number;
  toMs: number;
}

export interface FamilySpec {
  /** The Deployment's name: one family per size, side by side in the same storage. */
  name: string;
  rsCount: number;
  pods: number;
  windows: number;
}

export async function loadFamily(remoteStorage: string, spec: FamilySpec, log: (m: string) => void): Promise<LoadedFamily> {
  const { name, rsCount, pods, windows } = spec;
  const firstWindowMs = windowStartMs(Date.now()) - (windows - 1) * spanTtlMs;
  const builder = new KelemetrySpanBuilder();
  const family = deploymentFamily(builder, { cluster, namespace: 'default', name, firstWindowMs, windows, replicaSets: rsCount, podsPerReplicaSet: pods });
  const rawTraces = new Set(builder.spans.map((s) => s.traceId)).size;
  log(`loading ${builder.spans.length} spans in ${rawTraces} raw traces (Deployment ${name}, ${rsCount} ReplicaSets, ${rsCount * pods} Pods, ${windows} windows)`);
  // Remote storage serves OTLP export on its API port: writes land in the store without batching delay.
  await exportSpans(remoteStorage, builder.spans);
  return { deploymentName: family.deployment.name, spans: builder.spans.length, rawTraces, fromMs: firstWindowMs, toMs: firstWindowMs + windows * spanTtlMs };
}
