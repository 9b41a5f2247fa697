/**
 * The display modes of one mode file (spec 8.7): base modes (no link following), then for each modifier
 * in ascending priority a clone of every mode registered so far (`id |= bitmask`, name
 * `<base> [<modifier names sorted, joined by +>]`), skipped when the mode already has a modifier of the
 * same class. A modifier adds links to follow (`link-selector`, 8.8) or an extension provider (`extension`,
 * 8.9; one provider per modifier, shared by its modes). Lookup by name (Jaeger "service") and by id (trace
 * ID digits 3–10).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { createExtension, type ExtensionDeps } from '../extensions/factory.ts';
import type { Extension } from '../extensions/types.ts';
import { applyLinkSelectorModifier, followNothing, linkSelectorArgsSchema, type LinkSelector } from '../transform/linkSelector.ts';
import type { Step } from '../transform/types.ts';
import { modeFileSchema, type ModeFile } from './schema.ts';
import { compileSteps } from './steps.ts';

export const defaultModeFile = new URL('./default.yaml', import.meta.url).pathname;

export interface DisplayMode {
  id: number;
  /** 8 lowercase hex digits, as in trace IDs. */
  idHex: string;
  name: string;
  steps: Step[];
  linkSelector: LinkSelector;
  /** Extension providers (spec 8.9) run before the steps, in modifier order. */
  extensions: Extension[];
  /** Modifier classes applied (at most one per class). */
  modifierClasses: Set<string>;
  modifierNames: string[];
  baseName: string;
}

export class DisplayModes {
  private readonly byIdMap = new Map<number, DisplayMode>();
  private readonly byNameMap = new Map<string, DisplayMode>();

  constructor(
    readonly all: DisplayMode[],
    readonly defaultMode: DisplayMode,
  ) {
    for (const m of all) {
      this.byIdMap.set(m.id, m);
      this.byNameMap.set(m.name, m);
    }
  }

  byId(id: number): DisplayMode | undefined {
    return this.byIdMap.get(id);
  }

  /** Jaeger UI may show a leading "* " on a service; it is ignored. */
  byName(name: string): DisplayMode | undefined {
    return this.byNameMap.get(name.startsWith('* ') ? name.slice(2) : name);
  }

  /** Jaeger's service list: the default mode first, then the others in registration order. */
  names(): string[] {
    return [this.defaultMode.name, ...this.all.filter((m) => m !== this.defaultMode).map((m) => m.name)];
  }

  /** Releases the extension providers' connections (each is shared by the modes of its modifier). */
  close(): void {
    for (const e of new Set(this.all.flatMap((m) => m.extensions))) e.provider.close();
  }
}

export function hex8(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

/** `deps` reach the extension providers (the plugin's backend, metrics, logger); tools may omit them. */
export function buildDisplayModes(input: unknown, source = 'display modes', deps: ExtensionDeps = {}): DisplayModes {
  const parsed = modeFileSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new Error(`invalid display mode file ${source}: ${issues}`);
  }
  return fromFile(parsed.data, source, deps);
}

type Modifier = ModeFile['modifiers'][string] & { mask: number };

/** A modifier's class and what it changes in a mode it applies to. */
function compileModifier(mod: Modifier, source: string, deps: ExtensionDeps): { cls: string; apply(m: DisplayMode): Partial<DisplayMode> } {
  const where = `invalid display mode file ${source}: modifier ${mod.displayName}`;
  if (mod.modifierName === 'extension') {
    const ext = createExtension(mod.displayName, mod.args, deps, where);
    return { cls: `extension/${ext.modifierClass}`, apply: (m) => ({ extensions: [...m.extensions, ext] }) };
  }
  const args = linkSelectorArgsSchema.safeParse(mod.args);
  if (!args.success) throw new Error(`${where}: ${args.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { cls: `link-selector/${args.data.modifierClass}`, apply: (m) => ({ linkSelector: applyLinkSelectorModifier(m.linkSelector, args.data) }) };
}

function fromFile(file: ModeFile, source: string, deps: ExtensionDeps): DisplayModes {
  const batches = new Map<string, Step[]>();
  for (const b of file.batches) batches.set(b.name, compileSteps(b.steps, batches, `${source}: batch ${b.name}`));
  const modes: DisplayMode[] = file.configs.map((c) => {
    const id = parseInt(c.id, 16) >>> 0;
    return {
      id,
      idHex: hex8(id),
      name: c.name,
      baseName: c.name,
      steps: compileSteps(c.steps, batches, `${source}: config ${c.name}`),
      linkSelector: followNothing,
      extensions: [],
      modifierClasses: new Set<string>(),
      modifierNames: [],
    };
  });
  const modifiers = Object.entries(file.modifiers)
    .map(([mask, m]) => ({ mask: parseInt(mask, 16) >>> 0, ...m }))
    .sort((a, b) => a.priority - b.priority);
  for (const mod of modifiers) {
    const { cls, apply } = compileModifier(mod, source, deps);
    const clones: DisplayMode[] = [];
    for (const m of modes) {
      if (m.modifierClasses.has(cls)) continue;
      const modifierNames = [...m.modifierNames, mod.displayName].sort();
      const id = (m.id | mod.mask) >>> 0;
      clones.push({
        ...m,
        id,
        idHex: hex8(id),
        name: `${m.baseName} [${modifierNames.join('+')}]`,
        ...apply(m),
        modifierClasses: new Set([...m.modifierClasses, cls]),
        modifierNames,
      });
    }
    modes.push(...clones);
  }
  const seen = new Map<number, string>();
  for (const m of modes) {
    const other = seen.get(m.id);
    if (other) throw new Error(`invalid display mode file ${source}: modes "${other}" and "${m.name}" share id ${m.idHex}`);
    seen.set(m.id, m.name);
  }
  const defaultId = parseInt(file.defaultConfig, 16) >>> 0;
  return new DisplayModes(modes, modes.find((m) => m.id === defaultId)!);
}

export function loadDisplayModes(path = defaultModeFile, deps: ExtensionDeps = {}): DisplayModes {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read display mode file ${path}: ${(err as Error).message}`);
  }
  return buildDisplayModes(doc, path, deps);
}
