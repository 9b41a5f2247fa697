import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goBuildArgs } from './tools.ts';
import { goTools } from './versions.ts';

const toolsDir = join(import.meta.dirname, 'tools');

/** Binary names `go build tool` produces for a go.mod's tool directives (last path element, skipping /vN). */
function toolBinaries(gomod: string, renames: Record<string, string> = {}): string[] {
  const block = /^tool \(\n([\s\S]*?)^\)/m.exec(gomod)?.[1] ?? '';
  const paths = [...block.split('\n'), ...[...gomod.matchAll(/^tool ([^\s(]\S*)$/gm)].map((m) => m[1]!)].map((l) => l.trim()).filter(Boolean);
  return paths.map((p) => {
    const parts = p.split('/');
    const name = /^v\d+$/.test(parts.at(-1)!) ? parts.at(-2)! : parts.at(-1)!;
    return renames[name] ?? name;
  });
}

describe('pinned versions', () => {
  for (const tool of Object.values(goTools)) {
    it(`envtest/tools/${tool.module}/go.mod requires ${tool.goModule} ${tool.version} and builds ${tool.binaries.join(', ')}`, () => {
      const gomod = readFileSync(join(toolsDir, tool.module, 'go.mod'), 'utf8');
      expect(gomod).toMatch(new RegExp(`^\\s*(?:require )?${tool.goModule.replace(/\./g, '\\.')} ${tool.version}\\b`, 'm'));
      // A module building its own main package (packages: ['.']) yields one binary named after the module.
      const built = tool.packages ? [/^module \S*\/(\S+)$/m.exec(gomod)![1]!] : toolBinaries(gomod, tool.renames);
      expect(built.sort()).toEqual([...tool.binaries].sort());
    });
  }

  it.each(['kube', 'node'])('pins every k8s.io staging module in %s to the tag matching k8s.io/kubernetes', (module) => {
    const gomod = readFileSync(join(toolsDir, module, 'go.mod'), 'utf8');
    const staging = goTools.kube.version.replace(/^v1\./, 'v0.');
    const replaces = [...gomod.matchAll(/^\s*(k8s\.io\/\S+) => \1 (\S+)$/gm)];
    expect(replaces.length).toBeGreaterThan(25);
    for (const [, module, version] of replaces) expect(`${module} ${version}`).toBe(`${module} ${staging}`);
  });

  it('builds kubelet and kube-proxy reporting their release, not v0.0.0-master', () => {
    const args = goBuildArgs(goTools.node, '/out');
    expect(args.slice(0, 3)).toEqual(['build', '-trimpath', '-ldflags']);
    expect(args[3]).toContain('-X k8s.io/component-base/version.gitVersion=v1.34.4');
    expect(args[3]).toContain('-X k8s.io/component-base/version.gitMinor=34');
    expect(args.at(-1)).toBe('tool');
    expect(goBuildArgs(goTools.coredns, '/out')).toEqual(['build', '-trimpath', '-o', '/out/', '.']);
  });
});
