/**
 * `kelemetry trace <resource>/<name>`: finds an object's trace through the plugin's /redirect and
 * prints it from Jaeger query, as a tree with a timeline (default) or as Jaeger's JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../runtime/config/common.ts';
import type { JaegerTraceJson } from '../render/jaegerJson.ts';
import { baseModes, families, modeHex, withMode, type BaseMode, type Family } from '../render/modes.ts';
import { renderTraceTree } from '../render/traceTree.ts';

const help = `usage: kelemetry trace <resource>[.<group>]/<name> [options]

Prints the trace of one object: its audit log, Events and diffs, with related objects.

options:
  -n, --namespace NS     namespace of the object (default: default; "" for cluster-scoped objects)
      --cluster NAME     cluster name as configured in Kelemetry (default: from the quickstart, else tracetest)
      --mode MODE        ${Object.keys(baseModes).join('|')} (default tracing)
      --family FAMILY    which related objects: ${Object.keys(families).join('|')} (default full)
      --since DURATION   how far back to look, e.g. 30m, 2h (default 1h)
  -o, --output FORMAT    tree|json (default tree)
      --plugin URL       Kelemetry plugin HTTP endpoint (default: $KELEMETRY_PLUGIN_URL or the quickstart's)
      --query URL        Jaeger query URL (default: $KELEMETRY_QUERY_URL or the quickstart's)
      --width N          output width (default: terminal width, at most 140, else 100)

examples:
  kelemetry trace deployments/demo
  kelemetry trace deploy/demo --mode grouped --family owned
  kelemetry trace rs/demo-7fb87548c --family ancestors -o json`;

const aliases: Record<string, string> = {
  deploy: 'deployments', rs: 'replicasets', po: 'pods', cm: 'configmaps', svc: 'services', sts: 'statefulsets',
  ds: 'daemonsets', ns: 'namespaces', no: 'nodes', sa: 'serviceaccounts', ep: 'endpoints', ing: 'ingresses',
  pvc: 'persistentvolumeclaims', pv: 'persistentvolumes', crd: 'customresourcedefinitions', cj: 'cronjobs',
};

/** `deploy/demo`, `deployment.apps/demo`, `deployments/demo` → plural resource, optional group, name. */
export function parseObjectRef(ref: string): { resource: string; group?: string; name: string } {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new UsageError(`want <resource>/<name>, e.g. deployments/demo; got "${ref}"`);
  const [kind, ...groupParts] = ref.slice(0, slash).toLowerCase().split('.');
  let resource = aliases[kind!] ?? kind!;
  if (!resource.endsWith('s')) resource = resource.endsWith('y') ? `${resource.slice(0, -1)}ies` : `${resource}s`;
  const group = groupParts.length ? groupParts.join('.') : undefined;
  return { resource, group, name: ref.slice(slash + 1) };
}

class UsageError extends Error {}

interface Endpoints {
  plugin?: string;
  query?: string;
  cluster?: string;
}

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

function get(url: string): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30s')));
    req.on('error', reject);
    req.end();
  });
}

async function reach(url: string, what: string, hint: string): Promise<{ status: number; body: string; location?: string }> {
  try {
    return await get(url);
  } catch (err) {
    throw new Error(`cannot reach ${what} at ${new URL(url).origin} (${(err as Error).message}).\n${hint}`);
  }
}

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n', default: 'default' },
        cluster: { type: 'string' },
        mode: { type: 'string', default: 'tracing' },
        family: { type: 'string', default: 'full' },
        since: { type: 'string', default: '1h' },
        output: { type: 'string', short: 'o', default: 'tree' },
        plugin: { type: 'string' },
        query: { type: 'string' },
        width: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`kelemetry trace: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(help);
    return 0;
  }
  try {
    if (positionals.length !== 1) throw new UsageError('name exactly one object, e.g. kelemetry trace deployments/demo');
    const object = parseObjectRef(positionals[0]!);
    if (!(values.mode in baseModes)) throw new UsageError(`--mode must be one of ${Object.keys(baseModes).join(', ')}`);
    if (!(values.family in families)) throw new UsageError(`--family must be one of ${Object.keys(families).join(', ')}`);
    if (values.output !== 'tree' && values.output !== 'json') throw new UsageError('--output must be tree or json');
    let sinceMs: number;
    try {
      sinceMs = parseDuration(values.since);
    } catch (err) {
      throw new UsageError(`--since: ${(err as Error).message}`);
    }
    const fromState = quickstartEndpoints();
    const plugin = values.plugin ?? process.env.KELEMETRY_PLUGIN_URL ?? fromState.plugin;
    const query = values.query ?? process.env.KELEMETRY_QUERY_URL ?? fromState.query;
    const cluster = values.cluster ?? fromState.cluster ?? 'tracetest';
    if (!plugin || !query) {
      throw new UsageError(
        'no Kelemetry stack found: pass --plugin URL and --query URL (or set KELEMETRY_PLUGIN_URL and KELEMETRY_QUERY_URL),\n' +
          "or start the local stack with 'npm run quickstart -- --detach'",
      );
    }
    const startHint = "Is the stack running? 'npm run quickstart -- --detach' starts one; --plugin/--query point elsewhere.";

    // /redirect searches ±30 min around ts: step back an hour at a time until --since is covered.
    const now = Date.now();
    let traceId: string | undefined;
    let lastNotFound = '';
    for (let ts = now; ts >= now - sinceMs - 1; ts -= 3_600_000) {
      const params = new URLSearchParams({ cluster, resource: object.resource, namespace: values.namespace, name: object.name, ts: new Date(ts).toISOString() });
      if (object.group !== undefined) params.set('group', object.group);
      const res = await reach(`${plugin}/redirect?${params}`, 'the Kelemetry plugin', startHint);
      if (res.status === 302 && res.location) {
        traceId = res.location.split('/').pop();
        break;
      }
      if (res.status !== 404) throw new Error(`the plugin answered ${res.status}: ${res.body.trim()}`);
      lastNotFound = res.body.trim();
      if (sinceMs < 3_600_000) break;
    }
    if (!traceId) {
      const where = values.namespace ? ` in namespace ${values.namespace}` : '';
      console.error(
        `kelemetry trace: no trace of ${object.resource}/${object.name}${where} (cluster ${cluster}) in the last ${values.since}.\n` +
          `  plugin said: ${lastNotFound}\n` +
          `  next: check the name with 'kubectl get ${object.resource} -n ${values.namespace}', widen --since,\n` +
          `        or check that audit events arrive ('kelemetry scan').`,
      );
      return 1;
    }
    const id = withMode(traceId, modeHex(values.mode as BaseMode, values.family as Family));
    const res = await reach(`${query}/api/traces/${id}`, 'Jaeger query', startHint);
    if (res.status !== 200) throw new Error(`Jaeger query answered ${res.status} for trace ${id}: ${res.body.trim().slice(0, 500)}`);
    const trace = (JSON.parse(res.body) as { data: JaegerTraceJson[] }).data[0];
    if (!trace) throw new Error(`Jaeger query returned no trace for ${id}`);
    if (values.output === 'json') {
      console.log(JSON.stringify(trace, null, 2));
    } else {
      const width = values.width ? Number(values.width) : process.stdout.isTTY ? Math.min(140, process.stdout.columns || 100) : 100;
      process.stdout.write(renderTraceTree(trace, { width, color: process.stdout.isTTY }));
      console.log(`\nopen in Jaeger: ${query}/trace/${id}`);
    }
    return 0;
  } catch (err) {
    console.error(`kelemetry trace: ${(err as Error).message}`);
    if (err instanceof UsageError) console.error("run 'kelemetry trace --help' for usage");
    return err instanceof UsageError ? 2 : 1;
  }
}
