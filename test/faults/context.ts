/** A suite context for the integration tests: the shared environment, the quick options, a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { startJaegerStorage } from '../../envtest/jaeger.ts';
import { stopProcess } from '../../envtest/process.ts';
import { JaegerCounter } from './count.ts';
import type { SuiteContext } from './harness.ts';
import { quickOptions } from './options.ts';

export type QuickContext = SuiteContext & { close(): Promise<void> };

/**
 * The shared environment with a Jaeger of its own: steady writes while reads poll the same traces can crash
 * Jaeger's memory store (a panic marshalling a trace being appended to, seen in CI), and that must not take
 * the other tests' Jaeger down with it.
 */
export async function quickContext(shared: EnvironmentInfo): Promise<QuickContext> {
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-faults-'));
  const jaeger = await startJaegerStorage(shared.binaries.jaeger, dir, dir, () => {});
  const env: EnvironmentInfo = { ...shared, jaeger: { ...shared.jaeger, storage: jaeger.info } };
  const counter = new JaegerCounter(env.jaeger.storage.remoteStorage);
  return {
    env,
    opts: quickOptions(),
    dir,
    counter,
    close: async () => {
      counter.close();
      for (const p of jaeger.processes) await stopProcess(p);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
