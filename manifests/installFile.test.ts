import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { INSTALL_FILE, installYaml } from './installFile.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe(INSTALL_FILE, () => {
  it('is what the renderer produces (run `npm run generate` after changing the install)', () => {
    expect(readFileSync(join(root, INSTALL_FILE), 'utf8')).toBe(installYaml());
  });

  it('starts with the Namespace, then the CRD', () => {
    const kinds = parseAllDocuments(installYaml()).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds.slice(0, 2)).toEqual(['Namespace', 'CustomResourceDefinition']);
  });
});
