/**
 * `npm run faults -- [options]`: the fault suite. Starts the test environment, runs each scenario (scenarios/)
 * against a `kelemetry run` child process under steady audit load, and prints the table (table.ts). Options:
 * options.ts (`npm run faults -- --help`). Exits 1 when a row lost, duplicated or failed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startEnvironment } from '../../envtest/environment.ts';
import { JaegerCounter } from './count.ts';
import type { Row, SuiteContext } from './harness.ts';
import { parseOptions, usage } from './options.ts';
import { scenarios } from './scenarios/index.ts';
import { runScenario, selectScenarios } from './suite.ts';
import { formatTable } from './table.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(usage.replace('SCENARIOS', scenarios.map((s) => s.name).join(', ')));
  process.exit(0);
}
const opts = parseOptions(argv);
const selected = selectScenarios(scenarios, opts.only);
const env = await startEnvironment();
const rows: Row[] = [];
const counter = new JaegerCounter(env.info.jaeger.storage.remoteStorage);
try {
  // Outside the environment's temp dir, which its stop removes: the runtime logs stay for a look at a bad row.
  const dir = join(repoRoot, '.kelemetry', `faults-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  console.error(`fault suite: runtime configs and logs in ${dir}`);
  const ctx: SuiteContext = { env: env.info, opts, dir, counter };
  for (const s of selected) {
    console.error(`fault suite: ${s.name} (${s.title})`);
    const row = await runScenario(ctx, s);
    console.error(`fault suite: ${s.name}: ${row.status}`);
    rows.push(row);
  }
} finally {
  counter.close();
  await env.stop();
}
const failed = rows.some((r) => r.status === 'loss' || r.status === 'fail' || r.status === 'error');
// Exit explicitly: a client library's socket left behind must not keep the process (and the CI lock) alive.
process.stdout.write(formatTable(rows, opts) + '\n', () => process.exit(failed ? 1 : 0));
