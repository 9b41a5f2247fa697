/**
 * Vitest global setup for the integration project: starts the real environment once, hands its
 * endpoints to the tests (inject('env')), and stops it afterwards. Its servers die with the vitest
 * process however the run ends (envtest/process.ts), so a killed run leaves none behind.
 */
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { repoRoot, startEnvironment, type Environment, type EnvironmentInfo } from '../envtest/environment.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    env: EnvironmentInfo;
  }
}

let env: Environment | undefined;

export async function setup(project: TestProject): Promise<void> {
  // $KELEMETRY_TEST_ENV_STATE moves it (a test runs vitest inside vitest).
  env = await startEnvironment({ stateFile: process.env.KELEMETRY_TEST_ENV_STATE ?? join(repoRoot, '.kelemetry', 'test-env.json') });
  project.provide('env', env.info);
}

export async function teardown(): Promise<void> {
  await env?.stop();
}
