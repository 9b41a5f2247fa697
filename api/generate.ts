/** Writes crds/kelemetry.io_kelemetryinstances.yaml and docs/configuration.md from the TypeScript API (run after editing api/schema). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from './crd.ts';
import { REFERENCE_FILE, referenceMarkdown } from './reference.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, CRD_FILE);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, crdYaml());
console.log(`wrote ${CRD_FILE}`);
const reference = join(root, REFERENCE_FILE);
mkdirSync(dirname(reference), { recursive: true });
writeFileSync(reference, referenceMarkdown());
console.log(`wrote ${REFERENCE_FILE}`);
