/**
 * `kelemetry trace <resource>/<name>`: finds an object's trace through the plugin's /redirect and
 * prints it from Jaeger query, as a tree with a timeline (default) or as Jaeger's JSON.
 */
import { parseArgs } from 'node:util';
import type { JaegerTraceJson } from '../../plugin/page/jaegerJson.ts';
import { baseModes, families, modeHex, withMode, type BaseMode, type Family } from '../../plugin/page/modes.ts';
import { renderTraceTree } from '../render/traceTree.ts';
import { loadKubeConfig } from '../kubeconfig.ts';
import { locateInstanceStack } from '../trace/instance.ts';
import { fetchTrace, findTraceId, type ObjectRef } from '../trace/lookup.ts';
import { locateUrlStack, type Stack } from '../trace/stack.ts';
import { durationFlag, UsageError } from './usage.ts';

const help = `usage: kelemetry trace <resource>[.<group>]/<name> [options]

Prints the trace of one object: its audit log, Events and diffs, with related objects.

options:
  -n, --namespace NS     namespace of the object (default: default; "" for cluster-scoped objects)
      --instance NS/NAME read through this installed KelemetryInstance (its frontend Service, via the API server)
      --kubeconfig FILE  kubeconfig for --instance (default: $KUBECONFIG or ~/.kube/config)
      --cluster NAME     cluster name as configured in Kelemetry (default: the instance's own cluster, or the
                         quickstart's, else tracetest)
      --mode MODE        ${Object.keys(baseModes).join('|')} (default tracing)
      --family FAMILY    which related objects: ${Object.keys(families).join('|')} (default full)
      --since DURATION   how far back to look, e.g. 30m, 2h (default 1h)
  -o, --output FORMAT    tree|json (default tree)
      --plugin URL       Kelemetry plugin HTTP endpoint (default: $KELEMETRY_PLUGIN_URL or the quickstart's)
      --query URL        Jaeger query URL (default: $KELEMETRY_QUERY_URL or the quickstart's)
      --width N          output width (default: terminal width, at most 140, else 100)

examples:
  kelemetry trace deployments/demo
  kelemetry trace deployments/demo --instance kelemetry-system/kelemetry
  kelemetry trace deploy/demo --mode grouped --family owned
  kelemetry trace rs/demo-7fb87548c --family ancestors -o json`;

const aliases: Record<string, string> = {
  deploy: 'deployments', rs: 'replicasets', po: 'pods', cm: 'configmaps', svc: 'services', sts: 'statefulsets',
  ds: 'daemonsets', ns: 'namespaces', no: 'nodes', sa: 'serviceaccounts', ep: 'endpoints', ing: 'ingresses',
  pvc: 'persistentvolumeclaims', pv: 'persistentvolumes', crd: 'customresourcedefinitions', cj: 'cronjobs',
};

/** `deploy/demo`, `deployment.apps/demo`, `deployments/demo` → plural resource, optional group, name. */
export function parseObjectRef(ref: string): ObjectRef {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new UsageError(`want <resource>/<name>, e.g. deployments/demo; got "${ref}"`);
  const [kind, ...groupParts] = ref.slice(0, slash).toLowerCase().split('.');
  let resource = aliases[kind!] ?? kind!;
  if (!resource.endsWith('s')) resource = resource.endsWith('y') ? `${resource.slice(0, -1)}ies` : `${resource}s`;
  const group = groupParts.length ? groupParts.join('.') : undefined;
  return { resource, group, name: ref.slice(slash + 1) };
}

/** Throws node's own error for an unknown or malformed flag (answered with the full help). */
function parseFlags(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      cluster: { type: 'string' },
      mode: { type: 'string', default: 'tracing' },
      family: { type: 'string', default: 'full' },
      since: { type: 'string', default: '1h' },
      output: { type: 'string', short: 'o', default: 'tree' },
      instance: { type: 'string' },
      kubeconfig: { type: 'string' },
      plugin: { type: 'string' },
      query: { type: 'string' },
      width: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Flags = ReturnType<typeof parseFlags>;

interface TraceRequest {
  object: ObjectRef;
  namespace: string;
  mode: BaseMode;
  family: Family;
  since: string;
  sinceMs: number;
  output: 'tree' | 'json';
  width?: string;
}

/** Checks the values of well-formed flags; a wrong one is a UsageError saying what is allowed. */
function validate({ values, positionals }: Flags): TraceRequest {
  if (positionals.length !== 1) throw new UsageError('name exactly one object, e.g. kelemetry trace deployments/demo');
  const object = parseObjectRef(positionals[0]!);
  if (!(values.mode in baseModes)) throw new UsageError(`--mode must be one of ${Object.keys(baseModes).join(', ')}`);
  if (!(values.family in families)) throw new UsageError(`--family must be one of ${Object.keys(families).join(', ')}`);
  if (values.output !== 'tree' && values.output !== 'json') throw new UsageError('--output must be tree or json');
  const sinceMs = durationFlag('--since', values.since);
  return {
    object,
    namespace: values.namespace,
    mode: values.mode as BaseMode,
    family: values.family as Family,
    since: values.since,
    sinceMs,
    output: values.output,
    width: values.width,
  };
}

function notFoundMessage(req: TraceRequest, cluster: string, pluginSaid: string): string {
  const { object, namespace } = req;
  const where = namespace ? ` in namespace ${namespace}` : '';
  return (
    `kelemetry trace: no trace of ${object.resource}/${object.name}${where} (cluster ${cluster}) in the last ${req.since}.\n` +
    `  plugin said: ${pluginSaid}\n` +
    `  next: check the name with 'kubectl get ${object.resource} -n ${namespace}', widen --since,\n` +
    `        or check that audit events arrive ('kelemetry scan').`
  );
}

function printTrace(trace: JaegerTraceJson, req: TraceRequest, uiLink: string): void {
  if (req.output === 'json') {
    console.log(JSON.stringify(trace, null, 2));
    return;
  }
  const width = req.width ? Number(req.width) : process.stdout.isTTY ? Math.min(140, process.stdout.columns || 100) : 100;
  process.stdout.write(renderTraceTree(trace, { width, color: process.stdout.isTTY }));
  console.log(`\nopen in a browser: ${uiLink}`);
}

function locateStack({ values }: Flags): Promise<Stack> | Stack {
  if (values.instance === undefined) {
    if (values.kubeconfig !== undefined) throw new UsageError('--kubeconfig goes with --instance NS/NAME');
    return locateUrlStack(values);
  }
  if (values.plugin !== undefined || values.query !== undefined) throw new UsageError('use either --instance or --plugin/--query, not both');
  return locateInstanceStack(loadKubeConfig(values.kubeconfig), values.instance, values.cluster);
}

/** Finds, fetches and prints the trace; the exit code. */
async function trace(flags: Flags): Promise<number> {
  const req = validate(flags);
  const stack = await locateStack(flags);
  const found = await findTraceId(stack, req.object, req.namespace, req.sinceMs);
  if ('notFound' in found) {
    console.error(notFoundMessage(req, stack.cluster, found.notFound));
    return 1;
  }
  const id = withMode(found.traceId, modeHex(req.mode, req.family));
  printTrace(await fetchTrace(stack, id), req, stack.uiLink(id));
  return 0;
}

export async function run(args: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (err) {
    console.error(`kelemetry trace: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if (flags.values.help) {
    console.log(help);
    return 0;
  }
  try {
    return await trace(flags);
  } catch (err) {
    console.error(`kelemetry trace: ${(err as Error).message}`);
    if (err instanceof UsageError) console.error("run 'kelemetry trace --help' for usage");
    return err instanceof UsageError ? 2 : 1;
  }
}
