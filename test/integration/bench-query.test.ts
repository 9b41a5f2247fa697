/**
 * Smoke test of `npm run bench -- query`: the benchmark run small (two sizes, a few Pods, one call of
 * each kind) against its own Jaeger storage and plugin process. It checks the run completes and reports
 * every size, not any timing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../bench/query.ts';

describe('bench query (smoke)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('grows the family over --sizes and prints a row per size with the reproduce command', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => printed.push(m));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await main(['--sizes', '1,2', '--pods', '2', '--windows', '2', '--iterations', '2']);
    const report = printed.join('\n');
    expect(report).toMatch(/^\s+1 × 2\s+│\s+\d+ │\s+4 │/m);
    expect(report).toMatch(/^\s+2 × 2\s+│\s+\d+ │\s+7 │/m);
    expect(report).toContain('reproduce: npm run bench -- query --sizes 1,2 --pods 2 --windows 2 --iterations 2');
  }, 180_000);
});
