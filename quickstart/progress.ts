/** The quickstart's console output (numbered steps, indented notes) and its one way of waiting. */
import { formatDuration } from '../envtest/log.ts';
import { sleep } from '../runtime/util/sleep.ts';

export const totalSteps = 7;
let stepNo = 0;

export function step(text: string): void {
  stepNo += 1;
  process.stdout.write(`\n[${stepNo}/${totalSteps}] ${text}\n`);
}

export function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

/** Polls `check` every half second until it returns a value; errors count as "not yet" and are quoted on timeout. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${formatDuration(timeoutMs)} waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
    await sleep(500);
  }
}
