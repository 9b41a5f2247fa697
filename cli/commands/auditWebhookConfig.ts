/**
 * `kelemetry audit-webhook-config --instance NS/NAME`: prints the kube-apiserver
 * `--audit-webhook-config-file` for an instance — its webhook URL (status.auditWebhook) and the bearer
 * token from the Secret the operator generated (or spec.audit.auth.tokenSecretRef names).
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseInstance, type KelemetryInstance, type KelemetryInstanceStatus } from '../../api/types.ts';
import { webhookTlsSecretName } from '../../manifests/runtimeConfig.ts';
import { KubeApiError, isNotFound } from '../../runtime/k8s/errors.ts';
import { KubeRest } from '../../runtime/k8s/rest.ts';
import { WebhookConfigError, webhookKubeconfig, webhookNotes, webhookUrl, type WebhookSource } from '../auditWebhook/kubeconfig.ts';
import { loadKubeConfig } from '../kubeconfig.ts';
import { UsageError } from './usage.ts';

const help = `usage: kelemetry audit-webhook-config --instance NAMESPACE/NAME [--cluster NAME] [--server URL] [--kubeconfig FILE]

Prints the kubeconfig kube-apiserver reads with --audit-webhook-config-file: the instance's audit webhook
URL and the bearer token it requires. Reading the token needs get on Secrets in the instance namespace.
  --instance NS/NAME   the KelemetryInstance
  --cluster NAME       which of its clusters this apiserver is (needed when it has several)
  --server URL         use this scheme://host:port instead of the Service's cluster DNS name
  --kubeconfig FILE    default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account`;

interface Args {
  namespace: string;
  name: string;
  cluster?: string;
  server?: string;
  kubeconfig?: string;
}

export function parseWebhookArgs(args: string[]): Args | 'help' {
  const { values } = parseArgs({
    args,
    options: {
      instance: { type: 'string' },
      cluster: { type: 'string' },
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const m = /^([^/]+)\/([^/]+)$/.exec(values.instance ?? '');
  if (!m) throw new UsageError('--instance NAMESPACE/NAME is required, e.g. --instance kelemetry-system/kelemetry');
  return { namespace: m[1]!, name: m[2]!, cluster: values.cluster, server: values.server, kubeconfig: values.kubeconfig };
}

async function read<T>(rest: KubeRest, path: string, what: string, ifMissing: string): Promise<T> {
  try {
    return await rest.get<T>(path);
  } catch (err) {
    if (isNotFound(err)) throw new WebhookConfigError(`${what} not found: ${ifMissing}`);
    if (err instanceof KubeApiError && err.statusCode === 403) throw new WebhookConfigError(`you may not read ${what}: run as someone allowed to get it (e.g. the cluster admin)`);
    throw err;
  }
}

function secretValue(secret: { data?: Record<string, string> }, key: string): string | undefined {
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8').trim();
}

/** Reads the instance and the Secrets it names. */
export async function loadWebhookSource(rest: KubeRest, namespace: string, name: string): Promise<WebhookSource> {
  const key = `${namespace}/${name}`;
  const raw = await read<Record<string, unknown>>(rest, `/apis/kelemetry.io/v1alpha1/namespaces/${namespace}/kelemetryinstances/${name}`, `KelemetryInstance ${key}`, 'check the name (kubectl get kelemetryinstances -A)');
  const inst: KelemetryInstance = parseInstance(raw, key);
  const status = (raw as { status?: KelemetryInstanceStatus }).status?.auditWebhook;
  const src: WebhookSource = { instance: key, authMode: inst.spec.audit.auth.mode, status };
  const ref = status?.tokenSecretRef;
  if (src.authMode === 'Token' && ref) {
    const secret = await read<{ data?: Record<string, string> }>(rest, `/api/v1/namespaces/${namespace}/secrets/${ref.name}`, `Secret ${namespace}/${ref.name}`, 'the operator creates it when it reconciles the instance: check the operator is running (kubectl describe kelemetryinstance)');
    src.token = secretValue(secret, ref.key);
    if (!src.token) throw new WebhookConfigError(`Secret ${namespace}/${ref.name} has no key ${ref.key} (spec.audit.auth.tokenSecretRef)`);
  }
  const tlsSecret = webhookTlsSecretName(inst);
  if (tlsSecret) {
    const fix = inst.spec.audit.tls.secretName ? 'create it (spec.audit.tls.secretName)' : 'the operator issues it when it reconciles the instance: check the operator is running (kubectl describe kelemetryinstance)';
    const secret = await read<{ data?: Record<string, string> }>(rest, `/api/v1/namespaces/${namespace}/secrets/${tlsSecret}`, `Secret ${namespace}/${tlsSecret}`, fix);
    src.caPem = secretValue(secret, 'ca.crt');
  }
  return src;
}

export async function run(args: string[]): Promise<number> {
  let parsed: Args | 'help';
  try {
    parsed = parseWebhookArgs(args);
  } catch (err) {
    console.error(`kelemetry audit-webhook-config: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(help);
    return 0;
  }
  const rest = new KubeRest('target', loadKubeConfig(parsed.kubeconfig), { userAgent: 'kelemetry-cli' });
  try {
    const src = await loadWebhookSource(rest, parsed.namespace, parsed.name);
    const doc = webhookKubeconfig(src, parsed);
    process.stdout.write(`# kube-apiserver --audit-webhook-config-file for KelemetryInstance ${src.instance}\n${stringify(doc)}`);
    for (const line of webhookNotes(src, webhookUrl(src, parsed))) console.error(line);
    if (src.status && parsed.server === undefined && !src.caPem && src.status.clusters[0]?.url.startsWith('https:')) {
      console.error('The webhook Secret has no ca.crt: add certificate-authority-data for the CA that signed its serving certificate.');
    }
    return 0;
  } catch (err) {
    if (!(err instanceof WebhookConfigError)) throw err;
    console.error(`kelemetry audit-webhook-config: ${err.message}`);
    return 1;
  } finally {
    rest.close();
  }
}
