/**
 * `npm run env -- up|down|status`: the test environment for people and scripts.
 * `up` leaves the servers running and writes their endpoints to .kelemetry/env.json.
 */
import { rmSync } from 'node:fs';
import { stderrLogger } from './log.ts';
import { ensureBinaries } from './tools.ts';
import { defaultStateFile, processStatus, readState, startEnvironment, stopEnvironment } from './environment.ts';

const usage = `usage: npm run env -- <command>

  build    build (or find cached) the Go-built binaries and check the Debian ones; prints their paths
  up       start etcd, redis, kube-apiserver (+ controller-manager, scheduler, kwok) and Jaeger v2;
           endpoints are written to ${defaultStateFile}
           options: --cluster NAME          cluster name in the audit webhook path (default tracetest)
                    --audit-webhook URL     where the apiserver sends audit events
                    --query-backend H:P     jaeger.storage.v2 server for Jaeger query (default: remote storage)
  down     stop everything 'up' started and remove its temp files
  status   show endpoints and which processes run`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'build': {
      const binaries = await ensureBinaries(stderrLogger);
      for (const [name, path] of Object.entries(binaries)) console.log(`${name.padEnd(22)} ${path}`);
      return 0;
    }
    case 'up': {
      const existing = readState();
      if (existing && processStatus(existing).some((p) => p.running)) {
        console.error(`an environment is already running (see ${defaultStateFile}); run 'npm run env -- down' first`);
        return 1;
      }
      const webhook = option(rest, '--audit-webhook');
      const env = await startEnvironment({
        clusterName: option(rest, '--cluster'),
        auditWebhook: webhook ? { url: webhook } : undefined,
        queryBackend: option(rest, '--query-backend'),
        stateFile: defaultStateFile,
      });
      const i = env.info;
      console.log(
        [
          `kubeconfig:       ${i.kube.kubeconfig}`,
          `apiserver:        ${i.kube.apiserverUrl}`,
          `audit webhook:    ${i.kube.auditWebhook.url}`,
          `etcd:             ${i.etcd.endpoint}`,
          `redis:            ${i.redis.endpoint}`,
          `OTLP gRPC:        ${i.jaeger.storage.otlpGrpc}`,
          `remote storage:   ${i.jaeger.storage.remoteStorage}`,
          `Jaeger query UI:  ${i.jaeger.query.url}`,
          `logs:             ${i.logDir}`,
          `state:            ${defaultStateFile}`,
        ].join('\n'),
      );
      return 0;
    }
    case 'down': {
      const state = readState();
      if (!state) {
        console.log('no environment is running');
        return 0;
      }
      await stopEnvironment(state);
      rmSync(defaultStateFile, { force: true });
      console.log('environment stopped');
      return 0;
    }
    case 'status': {
      const state = readState();
      if (!state) {
        console.log("no environment; start one with 'npm run env -- up'");
        return 1;
      }
      for (const p of processStatus(state)) console.log(`${p.running ? 'running' : 'STOPPED'}  ${p.name} (pid ${p.pid})`);
      console.log(`Jaeger query UI: ${state.jaeger.query.url}\nkubeconfig: ${state.kube.kubeconfig}`);
      return processStatus(state).every((p) => p.running) ? 0 : 1;
    }
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
