/**
 * Where `kelemetry trace` finds the Kelemetry plugin and Jaeger query: an installed KelemetryInstance
 * (through the API server), flags, environment, then the quickstart's state file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../commands/usage.ts';
import { urlEndpoint, type Endpoint } from './endpoint.ts';

export interface Stack {
  /** The plugin's HTTP endpoint (serves /redirect). */
  plugin: Endpoint;
  /** Jaeger query (serves /api/traces and the UI). */
  query: Endpoint;
  cluster: string;
  /** Said after a connection failure: what to start or check. */
  hint: string;
  /** Where a person opens the trace in a browser: the plugin's trace page (Jaeger builds without UI assets serve none). */
  uiLink(traceId: string): string;
}

export interface StackFlags {
  plugin?: string;
  query?: string;
  cluster?: string;
}

const startHint = "Is the stack running? 'npm run quickstart -- --detach' starts one; --instance, or --plugin/--query, point elsewhere.";

/** Endpoints of a stack started with `npm run quickstart -- --detach`, if any. */
function quickstartEndpoints(): StackFlags {
  const file = join(process.cwd(), '.kelemetry', 'quickstart.json');
  if (!existsSync(file)) return {};
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { pluginUrl?: string; queryUrl?: string; clusterName?: string };
    return { plugin: state.pluginUrl, query: state.queryUrl, cluster: state.clusterName };
  } catch {
    return {};
  }
}

/** The stack named by URLs (flags, then environment, then the quickstart); a UsageError when there is none. */
export function locateUrlStack(flags: StackFlags): Stack {
  const fromState = quickstartEndpoints();
  const plugin = flags.plugin ?? process.env.KELEMETRY_PLUGIN_URL ?? fromState.plugin;
  const query = flags.query ?? process.env.KELEMETRY_QUERY_URL ?? fromState.query;
  const cluster = flags.cluster ?? fromState.cluster ?? 'tracetest';
  if (!plugin || !query) {
    throw new UsageError(
      'no Kelemetry stack found: pass --instance NAMESPACE/NAME for an installed instance, or --plugin URL and --query URL\n' +
        "(or set KELEMETRY_PLUGIN_URL and KELEMETRY_QUERY_URL), or start the local stack with 'npm run quickstart -- --detach'",
    );
  }
  const base = plugin.replace(/\/$/, '');
  return { plugin: urlEndpoint(plugin), query: urlEndpoint(query), cluster, hint: startHint, uiLink: (id) => `${base}/ui/trace/${id}` };
}
