/**
 * `npm run bench -- <name> [options]`: runs test/bench/<name>.ts, which prints its figures and the
 * command that reproduces them; `npm run bench -- <name> --help` prints its options. Benchmarks are not
 * tests: they measure, they do not assert timings.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [name, ...args] = process.argv.slice(2);
const dir = import.meta.dirname;
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'main.ts').map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'none yet'}> [options]`);
  process.exit(name ? 2 : 0);
}
const bench = (await import(join(dir, `${name}.ts`))) as { usage: string; main(args: string[]): Promise<void> };
if (args.includes('--help') || args.includes('-h')) console.log(bench.usage);
else await bench.main(args);
