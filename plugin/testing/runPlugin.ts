/**
 * Runs the storage plugin alone from a config file, for benchmarks (test/bench/query.ts) and manual
 * checks: prints `{"grpcPort","httpPort"}` once started, and `{"maxRssKb"}` after a clean stop on
 * SIGTERM/SIGINT.
 */
import { loadConfigFile } from '../../runtime/config/load.ts';
import { createRegistry } from '../../runtime/metrics/registry.ts';
import { StoreClients } from '../../runtime/store/clients.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { startPlugin } from '../index.ts';
import { createTraceCache } from '../tracecache/factory.ts';

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: tsx plugin/testing/runPlugin.ts <config.yaml>');
  process.exit(2);
}
const config = loadConfigFile(configFile);
if (!config.plugin) {
  console.error(`${configFile}: no plugin section`);
  process.exit(2);
}
const stores = new StoreClients(config.stores);
const plugin = await startPlugin(config.plugin, {
  clusters: config.clusters.map((c) => c.name),
  spanTtlMs: config.spanTtl,
  traceCache: createTraceCache(config.plugin.traceCache, { stores }),
  logger: createLogger({ level: 'warn' }),
  registry: createRegistry(),
});
process.stdout.write(`${JSON.stringify({ grpcPort: plugin.grpcPort, httpPort: plugin.httpPort ?? null })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  plugin
    .stop()
    .then(() => stores.close())
    .then(
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
