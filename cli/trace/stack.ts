/** Where `kelemetry trace` finds the Kelemetry plugin and Jaeger query: flags, environment, then the quickstart. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../commands/usage.ts';

export interface Stack {
  /** The plugin's HTTP endpoint (serves /redirect). */
  plugin: string;
  /** Jaeger query's base URL. */
  query: string;
  cluster: string;
}

interface Endpoints {
  plugin?: string;
  query?: string;
  cluster?: string;
}

/** Said after every connection failure: what to start, or how to point elsewhere. */
export const startHint = "Is the stack running? 'npm run quickstart -- --detach' starts one; --plugin/--query point elsewhere.";

/** Endpoints of a stack started with `npm run quickstart -- --detach`, if any. */
function quickstartEndpoints(): Endpoints {
  const file = join(process.cwd(), '.kelemetry', 'quickstart.json');
  if (!existsSync(file)) return {};
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { pluginUrl?: string; queryUrl?: string; clusterName?: string };
    return { plugin: state.pluginUrl, query: state.queryUrl, cluster: state.clusterName };
  } catch {
    return {};
  }
}

/** The stack to ask, from the flags given (each may be absent); a UsageError when there is none. */
export function locateStack(flags: Endpoints): Stack {
  const fromState = quickstartEndpoints();
  const plugin = flags.plugin ?? process.env.KELEMETRY_PLUGIN_URL ?? fromState.plugin;
  const query = flags.query ?? process.env.KELEMETRY_QUERY_URL ?? fromState.query;
  const cluster = flags.cluster ?? fromState.cluster ?? 'tracetest';
  if (!plugin || !query) {
    throw new UsageError(
      'no Kelemetry stack found: pass --plugin URL and --query URL (or set KELEMETRY_PLUGIN_URL and KELEMETRY_QUERY_URL),\n' +
        "or start the local stack with 'npm run quickstart -- --detach'",
    );
  }
  return { plugin, query, cluster };
}
