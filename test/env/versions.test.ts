import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goTools } from './versions.ts';

const toolsDir = join(import.meta.dirname, '..', 'tools');

describe('pinned versions', () => {
  for (const tool of Object.values(goTools)) {
    it(`test/tools/${tool.module}/go.mod requires ${tool.goModule} ${tool.version} and builds ${tool.binaries.join(', ')}`, () => {
      const gomod = readFileSync(join(toolsDir, tool.module, 'go.mod'), 'utf8');
      expect(gomod).toMatch(new RegExp(`^\\s*${tool.goModule.replace(/\./g, '\\.')} ${tool.version}\\b`, 'm'));
      const toolLines = [...gomod.matchAll(/^\s*(?:tool\s+)?(\S+\/cmd\/(\S+))\s*$/gm)].map((m) => m[2]);
      expect(toolLines.sort()).toEqual([...tool.binaries].sort());
    });
  }

  it('pins every k8s.io staging module to the tag matching k8s.io/kubernetes', () => {
    const gomod = readFileSync(join(toolsDir, 'kube', 'go.mod'), 'utf8');
    const staging = goTools.kube.version.replace(/^v1\./, 'v0.');
    const replaces = [...gomod.matchAll(/^\s*(k8s\.io\/\S+) => \1 (\S+)$/gm)];
    expect(replaces.length).toBeGreaterThan(25);
    for (const [, module, version] of replaces) expect(`${module} ${version}`).toBe(`${module} ${staging}`);
  });
});
