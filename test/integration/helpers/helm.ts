/** Runs the Go-built Helm v3 (envtest/tools, built on first use) with its own config and cache folders. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { stderrLogger } from '../../../envtest/log.ts';
import { ensureHelm } from '../../../envtest/tools.ts';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Doc = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

export interface Helm {
  run(args: string[]): Promise<HelmResult>;
  /** Runs and fails with Helm's output unless it exits 0. */
  ok(args: string[]): Promise<string>;
  cleanup(): void;
}

export async function startHelm(kubeconfig?: string): Promise<Helm> {
  const binary = await ensureHelm(stderrLogger);
  const home = mkdtempSync(join(tmpdir(), 'kelemetry-helm-'));
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: kubeconfig ?? join(home, 'no-cluster.kubeconfig'),
  };
  const run = (args: string[]) =>
    new Promise<HelmResult>((resolve) => {
      execFile(binary, args, { env, timeout: 150_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  return {
    run,
    async ok(args) {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** The objects of a multi-document YAML stream (empty documents skipped). */
export function parseDocs(text: string): Doc[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

export const docKey = (o: Doc) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Objects sorted by kind, namespace and name, so two renderings compare regardless of order. */
export function sortDocs(docs: Doc[]): Doc[] {
  return [...docs].sort((a, b) => docKey(a).localeCompare(docKey(b)));
}
