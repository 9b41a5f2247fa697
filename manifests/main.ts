/**
 * The cdk8s app behind `cdk8s synth` (see cdk8s.yaml): writes dist/ with one file per chart — the
 * operator install and each instance in $KELEMETRY_INSTANCE (comma-separated files; default
 * manifests/examples/instance.yaml). The same charts the operator renders; no owner references.
 */
import { readFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { InstanceChart } from './instance.ts';
import { DEFAULT_OPERATOR_IMAGE, DEFAULT_OPERATOR_NAMESPACE, OperatorInstallChart } from './operatorInstall.ts';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist' });

new OperatorInstallChart(app, 'kelemetry-operator', {
  namespace: process.env.KELEMETRY_NAMESPACE ?? DEFAULT_OPERATOR_NAMESPACE,
  image: process.env.KELEMETRY_IMAGE ?? DEFAULT_OPERATOR_IMAGE,
});
for (const file of (process.env.KELEMETRY_INSTANCE ?? 'manifests/examples/instance.yaml').split(',')) {
  parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, i) => {
    const data = doc.toJS() as { metadata?: { uid?: string } } | null;
    if (!data) return;
    // Static manifests are not owned by an instance object, whatever uid the file carries.
    if (data.metadata) delete data.metadata.uid;
    const instance = parseInstance(data, `${file}#${i + 1}`);
    new InstanceChart(app, `${instance.metadata.namespace ?? 'default'}-${instance.metadata.name}`, { instance });
  });
}
app.synth();
