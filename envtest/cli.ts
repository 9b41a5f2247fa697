/**
 * `npm run env -- up|down|status|build|images`: the test environment for people and scripts.
 * `up` runs until Ctrl-C (the servers die with it however it ends); `up --detach` leaves them running.
 * Either way their endpoints are in .kelemetry/env.json ($KELEMETRY_ENV_STATE) while they run.
 */
import { rmSync } from 'node:fs';
import { stderrLogger } from './log.ts';
import { keepProcessesAfterExit } from './process.ts';
import { shutDown, stopOwner, trapStopSignals } from './signals.ts';
import { ensureBinaries, ensureNodeBinaries } from './tools.ts';
import { realNodeLeftovers } from './node/realNode.ts';
import { imagesCommand, imagesUsage } from './images/command.ts';
import { defaultStateFile, processStatus, readState, startEnvironment, stopEnvironment, type EnvironmentInfo } from './environment.ts';

/** $KELEMETRY_ENV_STATE moves it (tests run an environment beside a developer's own). */
const stateFile = process.env.KELEMETRY_ENV_STATE ?? defaultStateFile;

const usage = `usage: npm run env -- <command>

  build    build (or find cached) the Go-built binaries, the real node's included, and check the Debian ones;
           prints their paths
  up       start etcd, redis, kube-apiserver (+ controller-manager, scheduler, kwok) and Jaeger v2 and run
           until Ctrl-C, which stops them all (they also die if this process is killed);
           endpoints are written to ${stateFile}
           options: --detach                leave them running and return (stop with 'down')
                    --cluster NAME          cluster name in the audit webhook path (default tracetest)
                    --second-cluster NAME   also run a second cluster (its own kube-apiserver on the same etcd,
                                            controller-manager, scheduler, kwok node) posting audit events to
                                            /audit/NAME on a port of its own
                    --audit-webhook URL     where the apiserver sends audit events
                    --query-backend H:P     jaeger.storage.v2 server for Jaeger query (default: remote storage)
                    --real-node             also run a real node (containerd, kubelet, kube-proxy, CoreDNS) where
                                            pods really run; one per machine, needs root
  down     stop everything 'up' started and remove its temp files
  status   show endpoints and which processes run
${imagesUsage}`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Which node kinds are up: the kwok node always, the real node when asked for. */
function nodes(i: EnvironmentInfo): string {
  const real = i.realNode ? `, ${i.realNode.name} (real: containerd + kubelet at ${i.realNode.ip}, tainted; pods must tolerate it)` : '';
  return `${i.kube.nodeName} (kwok)${real}`;
}

/** The second cluster's lines, when there is one. */
function secondCluster(i: EnvironmentInfo): string[] {
  const c = i.secondCluster;
  if (!c) return [];
  return [
    `second cluster:   ${c.clusterName}, node ${c.kube.nodeName} (kwok)`,
    `  kubeconfig:     ${c.kube.kubeconfig}`,
    `  apiserver:      ${c.kube.apiserverUrl}`,
    `  audit webhook:  ${c.kube.auditWebhook.url}`,
    `  logs:           ${c.logDir}`,
  ];
}

function endpoints(i: EnvironmentInfo): string {
  return [
    `nodes:            ${nodes(i)}`,
    `kubeconfig:       ${i.kube.kubeconfig}`,
    `apiserver:        ${i.kube.apiserverUrl}`,
    `audit webhook:    ${i.kube.auditWebhook.url}`,
    `etcd:             ${i.etcd.endpoint}`,
    `redis:            ${i.redis.endpoint}`,
    `OTLP gRPC:        ${i.jaeger.storage.otlpGrpc}`,
    `remote storage:   ${i.jaeger.storage.remoteStorage}`,
    `Jaeger query UI:  ${i.jaeger.query.url}`,
    `logs:             ${i.logDir}`,
    ...secondCluster(i),
    `state:            ${stateFile}`,
  ].join('\n');
}

async function up(args: string[]): Promise<number> {
  const existing = readState(stateFile);
  if (existing && processStatus(existing).some((p) => p.running)) {
    console.error(`an environment is already running (see ${stateFile}); run 'npm run env -- down' first`);
    return 1;
  }
  const detach = args.includes('--detach');
  if (detach) keepProcessesAfterExit();
  const say = (line: string) => console.log(line);
  // From the start: Ctrl-C during start-up stops what already runs, detached or not.
  const signals = trapStopSignals(say);
  const webhook = option(args, '--audit-webhook');
  const second = option(args, '--second-cluster');
  const env = await Promise.race([
    startEnvironment({
      clusterName: option(args, '--cluster'),
      auditWebhook: webhook ? { url: webhook } : undefined,
      queryBackend: option(args, '--query-backend'),
      realNode: args.includes('--real-node'),
      secondCluster: second ? { name: second } : undefined,
      stateFile,
    }),
    signals.received.then(() => undefined),
  ]);
  if (env) {
    console.log(endpoints(env.info));
    if (detach) {
      signals.release();
      console.log("Running in the background; stop it with 'npm run env -- down'.");
      return 0;
    }
    console.log('Press Ctrl-C to stop everything.');
    await signals.received;
  }
  await shutDown(signals.signal, say);
  rmSync(stateFile, { force: true });
  return env ? 0 : 130;
}

async function down(): Promise<number> {
  const state = readState(stateFile);
  if (!state) {
    console.log('no environment is running');
    return 0;
  }
  // An attached `up` stops its own servers, in order, as on Ctrl-C; anything left is stopped from the record.
  if (await stopOwner(state.ownerPid, 'envtest/cli.ts')) console.log(`asked 'env up' (pid ${state.ownerPid}) to stop`);
  await stopEnvironment(state);
  rmSync(stateFile, { force: true });
  console.log('environment stopped');
  if (!state.realNode) return 0;
  const left = await realNodeLeftovers();
  for (const item of left) console.error(`left behind by the real node: ${item}`);
  return left.length ? 1 : 0;
}

function status(): number {
  const state = readState(stateFile);
  if (!state) {
    console.log("no environment; start one with 'npm run env -- up'");
    return 1;
  }
  const processes = processStatus(state);
  for (const p of processes) console.log(`${p.running ? 'running' : 'STOPPED'}  ${p.name} (pid ${p.pid})`);
  console.log(`Jaeger query UI: ${state.jaeger.query.url}\nkubeconfig: ${state.kube.kubeconfig}\nnodes: ${nodes(state)}`);
  if (state.secondCluster) console.log(`second cluster ${state.secondCluster.clusterName}: kubeconfig ${state.secondCluster.kube.kubeconfig}`);
  if (state.ownerPid) console.log(`attached to pid ${state.ownerPid} (Ctrl-C there stops it)`);
  return processes.every((p) => p.running) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'build': {
      const binaries = { ...(await ensureBinaries(stderrLogger)), ...(await ensureNodeBinaries(stderrLogger)) };
      for (const [name, path] of Object.entries(binaries)) console.log(`${name.padEnd(22)} ${path}`);
      return 0;
    }
    case 'up':
      return up(rest);
    case 'down':
      return down();
    case 'status':
      return status();
    case 'images':
      return imagesCommand(rest);
    default:
      console.error(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
