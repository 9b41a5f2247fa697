/** The files a release ships beside the code: the license package.json names, and a changelog. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

describe('release files', () => {
  it('LICENSE is the Apache License 2.0 that package.json declares', () => {
    expect((JSON.parse(read('package.json')) as { license: string }).license).toBe('Apache-2.0');
    const text = read('LICENSE');
    expect(text).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  it('CHANGELOG.md has a section for the package version', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string };
    expect(read('CHANGELOG.md')).toContain(`## [${version}]`);
  });

  it('README has the supported Kubernetes versions', () => {
    expect(read('README.md')).toMatch(/### Supported Kubernetes versions\n\n\| Kubernetes \| status \|/);
  });
});
