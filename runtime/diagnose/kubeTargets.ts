/**
 * Finds the processes of one KelemetryInstance and scrapes their `metrics` ports through the apiserver's
 * pod proxy (works from outside the cluster with only a kubeconfig). Used by `kelemetry scan --instance`
 * and the operator.
 *
 * Pods are selected by `app.kubernetes.io/part-of=kelemetry` plus the instance label. The operator's
 * manifests put the instance in `kelemetry.io/instance` (they keep `app.kubernetes.io/instance` free for
 * Argo CD tracking); `app.kubernetes.io/instance` is also accepted, for hand-written or Helm installs.
 * The operator's pod templates carry only its selector labels (`app.kubernetes.io/name=kelemetry` plus
 * `kelemetry.io/instance`), so those select too.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { parsePrometheusText } from './promText.ts';
import type { Scrape } from './metricSet.ts';

export const instanceLabels = ['kelemetry.io/instance', 'app.kubernetes.io/instance'] as const;
const partOf = 'app.kubernetes.io/part-of=kelemetry';
/** The selector labels of the operator's pod templates (manifests/naming.ts selectorLabels). */
const operatorPods = 'app.kubernetes.io/name=kelemetry';

export interface PodTarget {
  pod: string;
  namespace: string;
  component: string;
  port: number;
  /** `namespace/pod:port`, the target name in findings. */
  target: string;
  phase: string;
  ready: boolean;
  /** Pod conditions with status False, as `Type: message`. */
  problems: string[];
}

export interface ScrapeFailure {
  target: string;
  error: string;
}

export async function findInstancePods(core: k8s.CoreV1Api, namespace: string, instance: string): Promise<{ targets: PodTarget[]; withoutMetricsPort: string[] }> {
  const byName = new Map<string, k8s.V1Pod>();
  const selectors = [...instanceLabels.map((label) => `${partOf},${label}=${instance}`), `${operatorPods},${instanceLabels[0]}=${instance}`];
  for (const labelSelector of selectors) {
    const list = await core.listNamespacedPod({ namespace, labelSelector }).catch((err: unknown) => {
      throw new Error(`listing pods of KelemetryInstance ${namespace}/${instance}: ${(err as Error).message}`, { cause: err });
    });
    for (const p of list.items) if (p.metadata?.name) byName.set(p.metadata.name, p);
  }
  const targets: PodTarget[] = [];
  const withoutMetricsPort: string[] = [];
  for (const [name, pod] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const conditions = pod.status?.conditions ?? [];
    const problems = conditions.filter((c) => c.status === 'False').map((c) => `${c.type}: ${c.message ?? c.reason ?? 'False'}`);
    const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    const ports = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.name === 'metrics' || p.name === 'admin'));
    if (ports.length === 0) {
      withoutMetricsPort.push(`${namespace}/${name}`);
      continue;
    }
    for (const p of ports) {
      targets.push({
        pod: name,
        namespace,
        component: pod.metadata?.labels?.['app.kubernetes.io/component'] ?? '',
        port: p.containerPort,
        target: `${namespace}/${name}:${p.containerPort}`,
        phase: pod.status?.phase ?? 'Unknown',
        ready,
        problems,
      });
    }
  }
  return { targets, withoutMetricsPort };
}

/**
 * Scrapes pods through `GET /api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/metrics` with the kubeconfig's
 * credentials. Plain node:http(s) rather than the generated client so a pod that never answers is cut
 * off after `timeoutMs` instead of holding the process open.
 */
export class PodProxyScraper {
  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly timeoutMs = 10_000,
  ) {}

  async scrape(t: PodTarget): Promise<Scrape> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error(`scraping ${t.target}: the kubeconfig has no current cluster`);
    const url = new URL(`${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.pod)}:${t.port}/proxy/metrics`);
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'text/plain;version=0.0.4' } };
    await this.kc.applyToHTTPSOptions(opts);
    const text = await new Promise<string>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, { ...opts, timeout: this.timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode === 200) resolve(body);
          else reject(new Error(`HTTP ${res.statusCode}: ${statusMessage(body)}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000}s`)));
      req.on('error', reject);
      req.end();
    }).catch((err: unknown) => {
      throw new Error(`scraping ${t.target} through the apiserver pod proxy: ${(err as Error).message}`, { cause: err });
    });
    return { target: t.target, families: parsePrometheusText(text, t.target) };
  }
}

/** The message of a metav1 Status body, else the start of the body. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    if (status.kind === 'Status' && status.message) return status.message;
  } catch {
    // Not JSON: a pod's own error page, shown as text below.
  }
  return body.slice(0, 300).trim();
}

/** Scrapes every target; failures are returned, not thrown, so one bad pod does not hide the rest. */
export async function scrapeAll<T>(targets: T[], scrape: (t: T) => Promise<Scrape>, name: (t: T) => string): Promise<{ scrapes: Scrape[]; failures: ScrapeFailure[] }> {
  const results = await Promise.allSettled(targets.map(scrape));
  const scrapes: Scrape[] = [];
  const failures: ScrapeFailure[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') scrapes.push(r.value);
    else failures.push({ target: name(targets[i]!), error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  return { scrapes, failures };
}
