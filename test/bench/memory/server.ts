/** `kelemetry run` as the measured process, with its metrics endpoint for V8's own figures. */
import { startOursServer } from '../audit/peer/servers.ts';

export interface MeasuredServer {
  pid: number;
  /** Where to POST audit events. */
  url: string;
  metricsUrl: string;
  logFile: string;
  /** Where --heapsnapshot-signal writes. */
  dir: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  entry: string;
  otlp: string;
  dir: string;
  nodeFlags: string[];
  partitions: number;
}

export async function startMeasuredServer(o: ServerOptions): Promise<MeasuredServer> {
  // Heap snapshots land in the working directory: the bench's own folder.
  const nodeFlags = [...o.nodeFlags, '--heapsnapshot-signal=SIGUSR2'];
  return { ...(await startOursServer({ ...o, nodeFlags, cwd: o.dir })), dir: o.dir };
}
