/** A suite context for the integration tests: the shared environment, the quick options, a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { JaegerCounter } from './count.ts';
import type { SuiteContext } from './harness.ts';
import { quickOptions } from './options.ts';

export function quickContext(env: EnvironmentInfo): SuiteContext & { close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-faults-'));
  const counter = new JaegerCounter(env.jaeger.storage.remoteStorage);
  return {
    env,
    opts: quickOptions(),
    dir,
    counter,
    close: () => {
      counter.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
