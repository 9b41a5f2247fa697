/**
 * `npm run quickstart` attached, as a user runs it in a terminal: it stays up after printing that it runs;
 * Ctrl-C (SIGINT to its process group, which is what the terminal sends) or a closed terminal (SIGHUP) stops
 * every process it started and frees every port; and when the quickstart process itself is SIGKILLed, the
 * kernel kills its servers (PR_SET_PDEATHSIG). One full start-up per case: each signal ends the run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../envtest/process.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { removeOrphanedTempDirs } from '../../envtest/tempDirs.ts';
import { realNodeLeftovers, sweepStaleNode } from '../../envtest/node/realNode.ts';
import type { QuickstartState } from '../../quickstart/main.ts';
import { killGroups, listeningPorts, openPorts, runInTerminal, waitGone, type TerminalRun } from './helpers/processes.ts';

const repo = join(import.meta.dirname, '..', '..');

interface Running {
  run: TerminalRun;
  state: QuickstartState;
  owner: number;
  /** Every process the quickstart recorded: the environment's servers, the operator, the local pods. */
  pids: number[];
  ports: string[];
  dir: string;
}

/** What a failed test must kill and remove. */
const leftovers = { pids: [] as number[], dirs: [] as string[] };

async function startAttached(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-quickstart-signals-'));
  const stateFile = join(dir, 'quickstart.json');
  const run = runInTerminal('npm', ['run', 'quickstart'], { cwd: repo, env: { ...process.env, KELEMETRY_QUICKSTART_STATE: stateFile } });
  leftovers.pids.push(run.pid);
  leftovers.dirs.push(dir);
  await run.waitFor('Press Ctrl-C to stop everything', 600_000);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState;
  const owner = state.ownerPid!;
  const pids = state.env.processes.map((p) => p.pid);
  leftovers.pids.push(owner, ...pids);
  const ports = listeningPorts(pids);
  // Still up a while after saying so (it used to exit at once, status 13, leaving everything running).
  await sleep(2000);
  expect(run.child.exitCode, run.output()).toBeNull();
  expect(isAlive(owner)).toBe(true);
  expect(pids.length).toBeGreaterThanOrEqual(10);
  expect(ports.length).toBeGreaterThanOrEqual(20);
  expect(await openPorts(ports)).toEqual(ports);
  return { run, state, owner, pids, ports, dir };
}

/** Nothing of the stack is left: processes, ports, temp dirs and the state file. */
async function expectNothingLeft(s: Running): Promise<void> {
  expect((await waitGone(s.pids, 0)).alive).toEqual([]);
  expect(await openPorts(s.ports)).toEqual([]);
  expect([s.state.env.baseDir, s.state.env.etcdDataDir, join(s.dir, 'quickstart.json')].filter((p) => existsSync(p))).toEqual([]);
  expect(await realNodeLeftovers()).toEqual([]);
  leftovers.pids.length = 0; // all gone: their pids may be reused by now
}

afterEach(() => {
  // Only after a failure: what is still running dies with the quickstart process.
  killGroups(leftovers.pids.splice(0));
  for (const dir of leftovers.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm run quickstart, attached (in a terminal)', () => {
  it('Ctrl-C stops every process it started, frees every port and exits 0', async () => {
    const s = await startAttached();
    const since = Date.now();
    process.kill(-s.run.pid, 'SIGINT');
    const { code } = await s.run.exited; // npm waits for the quickstart and exits with its status
    const ms = Date.now() - since;
    console.log(`Ctrl-C to exit: ${ms} ms (${s.pids.length} processes, ${s.ports.length} ports)`);
    expect(code, s.run.output()).toBe(0);
    expect(s.run.output()).toMatch(/SIGINT: stopping everything this started/);
    expect(s.run.output()).toMatch(/stopped \d+ processes in \d+\.\ds/);
    expect(isAlive(s.owner)).toBe(false);
    expect(ms).toBeLessThan(30_000);
    await expectNothingLeft(s);
  }, 900_000);

  it('a closed terminal (SIGHUP) stops everything too', async () => {
    const s = await startAttached();
    const since = Date.now();
    process.kill(-s.run.pid, 'SIGHUP');
    // npm dies of the hang-up at once; the quickstart process stops the stack, then exits.
    const { alive, ms } = await waitGone([s.owner], 30_000);
    console.log(`SIGHUP to exit: ${ms} ms`);
    expect(alive, s.run.output()).toEqual([]);
    expect(s.run.output()).toMatch(/SIGHUP: stopping everything this started/);
    expect(s.run.output()).toMatch(/stopped \d+ processes in/);
    expect(Date.now() - since).toBeLessThan(30_000);
    await expectNothingLeft(s);
  }, 900_000);

  it('when the quickstart process is SIGKILLed, its servers exit on their own within seconds', async () => {
    const s = await startAttached();
    process.kill(s.owner, 'SIGKILL');
    const { alive, ms } = await waitGone(s.pids, 5_000);
    console.log(`SIGKILL of the quickstart to the last server gone: ${ms} ms`);
    expect(alive).toEqual([]);
    expect(await openPorts(s.ports)).toEqual([]);
    // Nobody was left to clean up: the next start sweeps the real node's leftovers (containers, mounts,
    // bridges, rules), then removes the temp dirs (the state file is the test's own).
    await sweepStaleNode(() => {});
    expect(await realNodeLeftovers()).toEqual([]);
    expect(removeOrphanedTempDirs()).toContain(s.state.env.baseDir);
    expect([s.state.env.baseDir, s.state.env.etcdDataDir].filter((p) => existsSync(p))).toEqual([]);
    leftovers.pids.length = 0;
  }, 900_000);
});
