/** A self-contained kubeconfig (certificates inlined), as a cluster admin would store in a Secret. */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
}

export function inlineKubeconfig(path: string): string {
  const doc = parse(readFileSync(path, 'utf8')) as KubeconfigDoc;
  const inline = (section: Record<string, string>, fileKey: string, dataKey: string) => {
    const file = section[fileKey];
    if (!file) return;
    section[dataKey] = readFileSync(file).toString('base64');
    delete section[fileKey];
  };
  for (const c of doc.clusters) inline(c.cluster, 'certificate-authority', 'certificate-authority-data');
  for (const u of doc.users) {
    inline(u.user, 'client-certificate', 'client-certificate-data');
    inline(u.user, 'client-key', 'client-key-data');
  }
  return stringify(doc);
}
