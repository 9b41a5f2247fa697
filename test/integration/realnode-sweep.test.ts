/**
 * A real node whose starter is SIGKILLed cannot clean up: containers keep running under their shims, and
 * mounts, bridges, iptables chains and cgroups stay. The next start sweeps all of it, and its own stop leaves
 * nothing.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEnvironment, type EnvironmentInfo } from '../../envtest/environment.ts';
import { busyboxImage } from '../../envtest/images/busybox.ts';
import { realNodeSelector, realNodeToleration } from '../../envtest/node/host.ts';
import { realNodeLeftovers } from '../../envtest/node/realNode.ts';
import { killGroups, runInTerminal } from './helpers/processes.ts';
import { kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

describe('a real node left by a killed starter', () => {
  const repo = join(import.meta.dirname, '..', '..');
  const dir = join(repo, '.kelemetry', `realnode-sweep-${process.pid}`);
  const stateFile = join(dir, 'env.json');
  const leftovers: number[] = [];
  afterAll(() => {
    killGroups(leftovers);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is swept by the next start, which then stops cleanly', async () => {
    mkdirSync(dir, { recursive: true });
    const run = runInTerminal('npm', ['run', 'env', '--', 'up', '--real-node'], { cwd: repo, env: { ...process.env, KELEMETRY_ENV_STATE: stateFile } });
    leftovers.push(run.pid);
    const info = await waitFor('env up --real-node to write its state', () => existsSync(stateFile) && (JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentInfo), {
      timeoutMs: 600_000,
      intervalMs: 500,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.output()}`);
    });
    const kube = kubeClients(info);
    await waitFor('the default service account', () => kube.core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }).then(() => true));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default' },
      spec: {
        nodeSelector: realNodeSelector,
        tolerations: [realNodeToleration],
        containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
      },
    };
    await kube.objects.create(pod as never);
    await kube.kubectl('wait', '--for=condition=Ready', 'pod/orphan', '--timeout=90s');

    process.kill(info.ownerPid!, 'SIGKILL');
    await run.exited;
    const left = await waitFor('the node processes to die with their starter', async () => {
      const items = await realNodeLeftovers();
      return !items.some((i) => /^process \d+ \(\S*\/(kubelet|containerd|kube-proxy|coredns) /.test(i)) && items;
    });
    // The shims and the pod's processes outlive kubelet and containerd; so do mounts, chains and the lock.
    for (const kind of ['container process', 'containerd-shim', 'mount ', 'bridge ', 'nat chains', 'KUBE-SERVICES', 'CNI-', 'kubepods cgroups', 'lock '])
      expect(left.join('\n')).toContain(kind);

    const lines: string[] = [];
    const env = await startEnvironment({ realNode: true, clusterName: 'swept', log: (l) => lines.push(l) });
    await env.stop();
    expect(lines.filter((l) => l.startsWith('swept ')).length).toBeGreaterThanOrEqual(6);
    expect(lines.join('\n')).toContain(`sweeping the real node left by pid ${info.ownerPid}`);
    expect(await realNodeLeftovers()).toEqual([]);
  }, 900_000);
});
