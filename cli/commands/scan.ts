/**
 * `kelemetry scan`: reads the metrics of a running installation and reports the key figures (audit
 * requests received, audit events with and without traces, Events handled, spans sent and dropped,
 * cache errors, leader state), with a concrete suggestion for each figure that looks wrong.
 * Exit status: 0 healthy, 1 a problem was found, 2 usage error.
 */
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/types.ts';
import { diagnose, healthy } from '../../runtime/diagnose/diagnose.ts';
import { PodProxyScraper, findInstancePods, instanceLabels, scrapeAll, type ScrapeFailure } from '../../runtime/diagnose/kubeTargets.ts';
import type { Scrape } from '../../runtime/diagnose/metricSet.ts';
import { scrapeUrl } from '../../runtime/diagnose/scrape.ts';
import type { Finding } from '../../runtime/diagnose/types.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { loadKubeConfig } from '../kubeconfig.ts';
import { durationFlag, UsageError } from './usage.ts';

const help = `usage: kelemetry scan (--url URL [--url URL ...] | --instance NAME [-n NS] [--kubeconfig FILE]) [options]

Reads the Prometheus metrics of Kelemetry processes and reports whether audit events, Events and spans
are flowing, with a suggestion for each problem. Exit status 0 when healthy, 1 when a problem is found.

targets:
      --url URL            a /metrics endpoint, e.g. http://127.0.0.1:9090/metrics (repeatable)
      --instance NAME      scrape the pods of this KelemetryInstance (ports named "metrics") through the
                           apiserver's pod proxy
  -n, --namespace NS       namespace of the instance (default: default)
      --kubeconfig FILE    kubeconfig for --instance (default: $KUBECONFIG or ~/.kube/config)
options:
      --window DURATION    scrape twice, DURATION apart, and judge the increase (e.g. 30s); default: one
                           scrape, totals since the processes started
      --audit-endpoint URL the webhook URL apiservers should post to, quoted in suggestions (default with
                           --instance: from the instance status)
  -o, --output FORMAT      text|json (default text)`;

interface ScanArgs {
  urls: string[];
  instance?: string;
  namespace: string;
  kubeconfig?: string;
  windowMs?: number;
  auditEndpoint?: string;
  output: 'text' | 'json';
}

export function parseScanArgs(argv: string[]): ScanArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string', multiple: true },
        instance: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        window: { type: 'string' },
        'audit-endpoint': { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const urls = values.url ?? [];
  if (urls.length === 0 && !values.instance) throw new UsageError('name the metrics to read: --url URL or --instance NAME');
  if (urls.length > 0 && values.instance) throw new UsageError('use either --url or --instance, not both');
  for (const u of urls) {
    if (!/^https?:\/\/[^/]/.test(u)) throw new UsageError(`--url ${u}: want http(s)://host:port/metrics`);
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output ${output}: want text or json`);
  const windowMs = values.window === undefined ? undefined : durationFlag('--window', values.window);
  return {
    urls,
    instance: values.instance,
    namespace: values.namespace ?? 'default',
    kubeconfig: values.kubeconfig,
    windowMs,
    auditEndpoint: values['audit-endpoint'],
    output,
  };
}

/** Problems found before any metric is read: unreachable targets, unready pods. */
interface Collected {
  scrapes: Scrape[];
  extra: Finding[];
  targets: string[];
}

function scrapeFailureFindings(failures: ScrapeFailure[], how: string): Finding[] {
  return failures.map((f) => ({ id: 'scrape', ok: false, figure: 0, message: `cannot read ${f.target}: ${f.error}`, suggestion: how }));
}

async function collectUrls(urls: string[]): Promise<Collected> {
  const { scrapes, failures } = await scrapeAll(urls, (u) => scrapeUrl(u), (u) => u);
  return {
    scrapes,
    targets: urls,
    extra: scrapeFailureFindings(failures, 'check the process is running and metrics.listen is reachable from here (it defaults to 127.0.0.1:9090)'),
  };
}

interface InstanceContext {
  core: k8s.CoreV1Api;
  scraper: PodProxyScraper;
  namespace: string;
  name: string;
}

async function collectInstance(ctx: InstanceContext): Promise<Collected> {
  const { core, namespace, name } = ctx;
  const { targets, withoutMetricsPort } = await findInstancePods(core, namespace, name);
  const extra: Finding[] = [];
  if (targets.length === 0) {
    extra.push({
      id: 'pods',
      ok: false,
      figure: 0,
      message: `no pods with a metrics port found for KelemetryInstance ${namespace}/${name}${withoutMetricsPort.length ? ` (without one: ${withoutMetricsPort.join(', ')})` : ''}`,
      suggestion: `check the instance exists and its Deployments have pods: kubectl -n ${namespace} get pods -l ${instanceLabels[0]}=${name}; kubectl -n ${namespace} describe kelemetryinstance ${name}`,
    });
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.pod)) continue;
    seen.add(t.pod);
    if (t.problems.length || !t.ready) {
      extra.push({
        id: 'pods',
        ok: false,
        figure: 0,
        message: `pod ${t.namespace}/${t.pod} (${t.component || 'unknown component'}) is ${t.phase}${t.ready ? '' : ', not ready'}${t.problems.length ? `: ${t.problems.join('; ')}` : ''}`,
        suggestion: `kubectl -n ${t.namespace} describe pod ${t.pod}; kubectl -n ${t.namespace} logs ${t.pod}`,
      });
    }
  }
  const { scrapes, failures } = await scrapeAll(targets, (t) => ctx.scraper.scrape(t), (t) => t.target);
  extra.push(...scrapeFailureFindings(failures, 'check the pod is running and serves /metrics on its metrics port, and that you may get pods/proxy in the namespace'));
  return { scrapes, extra, targets: targets.map((t) => t.target) };
}

async function instanceAuditEndpoint(kc: k8s.KubeConfig, namespace: string, name: string): Promise<string | undefined> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let obj: { status?: { auditWebhook?: { clusters?: { name: string; url: string }[] } } };
  try {
    obj = (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as typeof obj;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404) throw new Error(`KelemetryInstance ${namespace}/${name} not found`);
    throw new Error(`reading KelemetryInstance ${namespace}/${name}: ${(err as Error).message}`, { cause: err });
  }
  const urls = obj.status?.auditWebhook?.clusters?.map((c) => c.url) ?? [];
  return urls.length ? urls.join(' or ') : undefined;
}

/** How to read the metrics, and what is known before reading them. */
interface Target {
  collect: () => Promise<Collected>;
  auditEndpoint?: string;
  problems: Finding[];
}

function urlTarget(args: ScanArgs): Target {
  return { collect: () => collectUrls(args.urls), auditEndpoint: args.auditEndpoint, problems: [] };
}

async function instanceTarget(args: ScanArgs, name: string): Promise<Target> {
  const { namespace } = args;
  const kc = loadKubeConfig(args.kubeconfig);
  const ctx: InstanceContext = { core: kc.makeApiClient(k8s.CoreV1Api), scraper: new PodProxyScraper(kc), namespace, name };
  const target: Target = { collect: () => collectInstance(ctx), auditEndpoint: args.auditEndpoint, problems: [] };
  if (target.auditEndpoint) return target;
  try {
    target.auditEndpoint = await instanceAuditEndpoint(kc, namespace, name);
  } catch (err) {
    // The pods may still be there (e.g. the instance was deleted with orphaning): report and carry on.
    target.problems.push({
      id: 'instance',
      ok: false,
      figure: 0,
      message: (err as Error).message,
      suggestion: `kubectl -n ${namespace} get kelemetryinstance ${name} (is the CRD installed and the name right?)`,
    });
  }
  return target;
}

function render(findings: Finding[], targets: string[], windowMs: number | undefined): string {
  const lines = [`kelemetry scan: ${targets.length} target${targets.length === 1 ? '' : 's'}${windowMs ? `, window ${windowMs / 1000}s` : ''}`];
  for (const t of targets) lines.push(`  ${t}`);
  lines.push('');
  for (const f of findings) {
    const mark = f.absent ? '-' : f.ok ? '✓' : '✗';
    lines.push(`${mark} ${f.message}`);
    if (!f.ok && f.suggestion) lines.push(`    → ${f.suggestion}`);
  }
  const problems = findings.filter((f) => !f.ok).length;
  lines.push('', problems ? `${problems} problem${problems === 1 ? '' : 's'} found` : 'healthy: no problems found');
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let args: ScanArgs | 'help';
  try {
    args = parseScanArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`kelemetry scan: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
  if (args === 'help') {
    console.log(help);
    return 0;
  }

  const { collect, auditEndpoint, problems } = args.instance ? await instanceTarget(args, args.instance) : urlTarget(args);

  let previous: Scrape[] | undefined;
  if (args.windowMs) {
    previous = (await collect()).scrapes;
    await sleep(args.windowMs);
  }
  const now = await collect();
  const findings = [...problems, ...now.extra, ...diagnose({ current: now.scrapes, previous, windowSeconds: args.windowMs ? args.windowMs / 1000 : undefined, auditEndpoint })];

  if (args.output === 'json') console.log(JSON.stringify({ healthy: healthy(findings), targets: now.targets, findings }, null, 2));
  else console.log(render(findings, now.targets, args.windowMs));
  return healthy(findings) ? 0 : 1;
}
