/**
 * The environment's lifetime as users meet it: servers started by `npm run env -- up` (attached) or by
 * vitest's global setup exit on their own when their starter is SIGKILLed (real servers, real signals).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { isAlive } from '../../envtest/process.ts';
import { removeOrphanedTempDirs } from '../../envtest/tempDirs.ts';
import { killGroups, listeningPorts, openPorts, runInTerminal, waitGone, type TerminalRun } from './helpers/processes.ts';
import { waitFor } from './helpers/wait.ts';

describe('the environment dies with the process that started it', () => {
  const repo = join(import.meta.dirname, '..', '..');
  // Inside the repo: the nested vitest run below needs its config and test file there.
  const dir = join(repo, '.kelemetry', `lifetime-test-${process.pid}`);
  const stateFile = join(dir, 'env.json');
  const leftovers: number[] = [];
  beforeAll(() => mkdirSync(dir, { recursive: true }));
  beforeEach(() => rmSync(stateFile, { force: true }));
  afterEach(() => killGroups(leftovers.splice(0))); // only after a failure
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Waits for the environment `run` starts, SIGKILLs its starter, and checks every server exits on its own. */
  async function killStarterOf(run: TerminalRun, what: string): Promise<void> {
    leftovers.push(run.pid);
    const info = await waitFor(`${what} to write ${stateFile}`, () => existsSync(stateFile) && (JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentInfo), {
      timeoutMs: 300_000,
      intervalMs: 500,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.output()}`);
    });
    const pids = info.processes.map((p) => p.pid);
    leftovers.push(...pids, ...(info.ownerPid ? [info.ownerPid] : []));
    const ports = listeningPorts(pids);
    expect(pids.length).toBeGreaterThanOrEqual(7);
    expect(ports.length).toBeGreaterThanOrEqual(10);
    expect(info.ownerPid).toBeDefined();
    expect(isAlive(info.ownerPid!)).toBe(true);
    process.kill(info.ownerPid!, 'SIGKILL');
    const { alive, ms } = await waitGone(pids, 5_000);
    console.log(`SIGKILL of ${what} to its last server gone: ${ms} ms`);
    expect(alive).toEqual([]);
    leftovers.length = 0;
    const open = await openPorts(ports);
    expect(open).toEqual([]);
    expect(removeOrphanedTempDirs()).toContain(info.baseDir);
    expect(existsSync(info.etcdDataDir)).toBe(false);
    rmSync(stateFile, { force: true });
  }

  it('npm run env -- up (attached): SIGKILL of it takes every server with it', async () => {
    const run = runInTerminal('npm', ['run', 'env', '--', 'up'], { cwd: repo, env: { ...process.env, KELEMETRY_ENV_STATE: stateFile } });
    await killStarterOf(run, "'env up'");
  }, 600_000);

  it("a vitest run killed with SIGKILL takes its global setup's servers with it", async () => {
    writeFileSync(join(dir, 'hold.test.ts'), "import { it } from 'vitest';\nit('holds until killed', () => new Promise(() => {}), 3_600_000);\n");
    const config = { test: { root: dir, include: ['hold.test.ts'], globalSetup: [join(repo, 'test', 'global-setup.ts')], hookTimeout: 600_000 } };
    writeFileSync(join(dir, 'vitest.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
    const run = runInTerminal(process.execPath, [vitest, 'run', '--config', join(dir, 'vitest.config.ts')], {
      cwd: repo,
      env: { ...process.env, KELEMETRY_TEST_ENV_STATE: stateFile },
    });
    await killStarterOf(run, 'the vitest run');
    // The servers were tied to the vitest process itself (global setup runs on its main thread).
    expect((await run.exited).signal).toBe('SIGKILL');
  }, 600_000);
});
