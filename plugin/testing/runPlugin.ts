/**
 * Runs the storage plugin alone from a config file, for benchmarks and manual checks (until
 * `kelemetry run` wires it): prints `{"grpcPort","httpPort"}` once started, and `{"maxRssKb"}` after a
 * clean stop on SIGTERM/SIGINT.
 */
import { loadConfigFile } from '../../runtime/config/load.ts';
import { createRegistry } from '../../runtime/metrics/registry.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { startPlugin } from '../index.ts';

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: tsx plugin/testing/runPlugin.ts <config.yaml>');
  process.exit(2);
}
const plugin = await startPlugin({ config: loadConfigFile(configFile), logger: createLogger({ level: 'warn' }), registry: createRegistry() });
process.stdout.write(`${JSON.stringify({ grpcPort: plugin.grpcPort, httpPort: plugin.httpPort ?? null })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  plugin.stop().then(
    () => {
      process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
      process.exit(0);
    },
    (err) => {
      console.error(`plugin stop failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
