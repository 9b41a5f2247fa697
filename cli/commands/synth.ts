/**
 * `kelemetry synth -f instance.yaml`: prints every object of an instance as static YAML (for people who
 * keep manifests in Git instead of running the operator). `--operator` prints the operator's own install
 * (CRD, RBAC, Deployment). Uses the same renderer the operator runs, without owner references.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseInstance } from '../../api/types.ts';
import { renderInstance } from '../../manifests/instance.ts';
import { DEFAULT_OPERATOR_IMAGE, DEFAULT_OPERATOR_NAMESPACE, renderOperatorInstall } from '../../manifests/operatorInstall.ts';
import { toYaml } from '../../manifests/yaml.ts';

const help = `usage: kelemetry synth -f instance.yaml [-f more.yaml]
       kelemetry synth --operator [--namespace NS] [--image IMAGE] [--watch-namespaces NS,NS|*]

Prints Kubernetes manifests as multi-document YAML on stdout. --operator prints the operator's install:
its Namespace (first), the CRD, the fixed ClusterRoles instances bind, the admission policy on who
writes instances, RBAC, Deployment and PodDisruptionBudget. --watch-namespaces: the namespaces that may hold instances, where the operator is
granted Secrets and pods/proxy (default: the install namespace; * for every namespace).`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      operator: { type: 'boolean', default: false },
      namespace: { type: 'string', default: DEFAULT_OPERATOR_NAMESPACE },
      image: { type: 'string', default: DEFAULT_OPERATOR_IMAGE },
      'watch-namespaces': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (!values.operator && !values.file?.length)) {
    console.log(help);
    return values.help ? 0 : 2;
  }
  const objects: object[] = [];
  if (values.operator) {
    const watchNamespaces = values['watch-namespaces']?.split(',').map((n) => n.trim()).filter(Boolean);
    objects.push(...renderOperatorInstall({ namespace: values.namespace!, image: values.image!, watchNamespaces }));
  }
  for (const file of values.file ?? []) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    docs.forEach((doc, i) => {
      if (doc.errors.length) throw new Error(`${file}: document ${i + 1}: ${doc.errors[0]!.message}`);
      const data = doc.toJS() as { metadata?: { uid?: string } } | null;
      if (!data) return;
      // Static output has no live owner: drop any uid so no owner references are rendered.
      if (data.metadata) delete data.metadata.uid;
      objects.push(...renderInstance(parseInstance(data, `${file}#${i + 1}`)).objects);
    });
  }
  process.stdout.write(toYaml(objects));
  return 0;
}
