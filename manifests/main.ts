/**
 * The cdk8s app behind `cdk8s synth` (see cdk8s.yaml): writes dist/ with one file per chart — the
 * operator install and each instance in $KELEMETRY_INSTANCE (comma-separated files; default
 * manifests/examples/instance.yaml). The same renderers the operator runs; no owner references.
 */
import { readFileSync } from 'node:fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { renderInstance } from './instance.ts';
import { renderOperatorInstall } from './operatorInstall.ts';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist' });

function chartOf(id: string, objects: object[]): void {
  const chart = new Chart(app, id, { disableResourceNameHashes: true });
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as never));
}

chartOf('kelemetry-operator', renderOperatorInstall({ namespace: process.env.KELEMETRY_NAMESPACE ?? 'kelemetry-system', image: process.env.KELEMETRY_IMAGE ?? 'ghcr.io/kelemetry/kelemetry:0.1.0' }));
for (const file of (process.env.KELEMETRY_INSTANCE ?? 'manifests/examples/instance.yaml').split(',')) {
  parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, i) => {
    const data = doc.toJS() as { metadata?: { uid?: string } } | null;
    if (!data) return;
    if (data.metadata) delete data.metadata.uid;
    const inst = parseInstance(data, `${file}#${i + 1}`);
    chartOf(`${inst.metadata.namespace ?? 'default'}-${inst.metadata.name}`, renderInstance(inst).objects);
  });
}
app.synth();
