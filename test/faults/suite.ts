/** Runs scenarios one after another; a scenario that fails to run becomes an `error` (or `n/a`) row. */
import { NotAvailable, type Row, type SuiteContext } from './harness.ts';
import type { Scenario } from './scenarios/index.ts';

export async function runScenario(ctx: SuiteContext, s: Scenario): Promise<Row> {
  try {
    return await s.run(ctx);
  } catch (err) {
    const notes = (err as { notes?: string[] }).notes ?? [];
    const status = err instanceof NotAvailable ? 'n/a' : 'error';
    return { scenario: s.name, status, sent: 0, accepted: 0, gaveUp: 0, found: 0, lost: 0, duplicated: 0, copies: 0, split: 0, answers: {}, notes: [(err as Error).message, ...notes] };
  }
}

export function selectScenarios(all: Scenario[], only: string[] | undefined): Scenario[] {
  if (!only) return all;
  const unknown = only.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  return all.filter((s) => only.includes(s.name));
}
