/** etcd (shared by kube-apiserver and Kelemetry's caches, under different prefixes) and Redis. */
import { mkdirSync } from 'node:fs';
import type { Logger } from './log.ts';
import { freePorts } from './ports.ts';
import { httpOk, redisPing } from './probes.ts';
import { startProcess, waitReady, type ProcessRecord } from './process.ts';

export interface Started<T> {
  info: T;
  processes: ProcessRecord[];
}

export interface EtcdInfo {
  endpoint: string;
  dataDir: string;
}

export async function startEtcd(binary: string, dataDir: string, logDir: string, log: Logger): Promise<Started<EtcdInfo>> {
  const [client, peer, metrics] = (await freePorts(3)) as [number, number, number];
  mkdirSync(dataDir, { recursive: true });
  const endpoint = `http://127.0.0.1:${client}`;
  const record = startProcess({
    name: 'etcd',
    command: binary,
    logDir,
    args: [
      '--name=kelemetry-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=kelemetry-test=http://127.0.0.1:${peer}`,
      `--listen-metrics-urls=http://127.0.0.1:${metrics}`,
      '--log-level=warn',
    ],
  });
  await waitReady(record, () => httpOk(`${endpoint}/health`), 30_000, log);
  return { info: { endpoint, dataDir }, processes: [record] };
}

export interface RedisInfo {
  endpoint: string;
  host: string;
  port: number;
}

export async function startRedis(binary: string, dir: string, logDir: string, log: Logger): Promise<Started<RedisInfo>> {
  const [port] = (await freePorts(1)) as [number];
  mkdirSync(dir, { recursive: true });
  const record = startProcess({
    name: 'redis',
    command: binary,
    logDir,
    args: ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'],
  });
  await waitReady(record, () => redisPing(port), 15_000, log);
  return { info: { endpoint: `redis://127.0.0.1:${port}`, host: '127.0.0.1', port }, processes: [record] };
}
