/** The storage plugin as its own process (plugin/testing/runPlugin.ts), and gRPC clients for it. */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { RemoteStorageClient } from '../../../plugin/backend/remoteStorage.ts';
import { loadProtos } from '../../../plugin/proto/load.ts';
import { repoRoot } from '../../../envtest/environment.ts';
import { cluster } from './family.ts';

export type TraceReaderClient = grpc.Client & {
    FindTraceIDs(req: unknown, cb: (e: grpc.ServiceError | null, r: { trace_ids: { trace_id: Buffer }[] }) => void): void;
  };

export interface PluginProcess {
  /** For FindTraceIDs. */
  client: TraceReaderClient;
  /** FindTraces and GetTraces, decoded by the plugin's own decoder. */
  reader: RemoteStorageClient;
  pid: number;
  /** Stops it gracefully; its peak RSS in KiB. */
  stop(): Promise<number>;
  /** For the error path. */
  kill(): void;
}

function writeConfig(dir: string, remoteStorage: string): string {
  const file = join(dir, 'plugin.yaml');
  // The whole family, however large: the default link budget (100) and time limit (20 s) would cut it short.
  const plugin = { grpcListen: '127.0.0.1:0', backend: { remoteStorage }, traceCache: { backend: 'memory' }, followLinks: { limit: 100_000, timeout: '10m' } };
  writeFileSync(file, stringify({ clusters: [{ name: cluster }], plugin }));
  return file;
}

/** The plugin prints one JSON line when started and one when stopped. */
function jsonLines(proc: ChildProcess): () => Promise<unknown> {
  const lines = createInterface({ input: proc.stdout! });
  return () =>
    new Promise((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line)));
      proc.once('exit', (code) => reject(new Error(`plugin exited with code ${code}`)));
    });
}

/** `cpuProfDir`: node --cpu-prof writes the process's profile there when it exits. */
export async function startPluginProcess(dir: string, remoteStorage: string, flags: { nodeFlags: string; cpuProfDir?: string }): Promise<PluginProcess> {
  const profFlags = flags.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${flags.cpuProfDir}`] : [];
  const args = [...flags.nodeFlags.split(' ').filter(Boolean), ...profFlags, '--import', 'tsx', join(repoRoot, 'plugin/testing/runPlugin.ts'), writeConfig(dir, remoteStorage)];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const nextLine = jsonLines(proc);
  let client: TraceReaderClient;
  let reader: RemoteStorageClient;
  try {
    const { grpcPort } = (await nextLine()) as { grpcPort: number };
    const { TraceReader } = loadProtos();
    const address = `127.0.0.1:${grpcPort}`;
    client = new TraceReader(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 * 1024 * 1024 }) as TraceReaderClient;
    reader = new RemoteStorageClient({ address, timeoutMs: 60_000, maxReceiveMessageMiB: 256 });
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    client,
    reader,
    pid: proc.pid!,
    async stop() {
      client.close();
      reader.close();
      proc.kill('SIGTERM');
      return ((await nextLine()) as { maxRssKb: number }).maxRssKb;
    },
    kill: () => proc.kill('SIGKILL'),
  };
}
