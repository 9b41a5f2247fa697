/**
 * The resource tag mapping (spec 4.7): entries `resource[.group]#tag:path[;tag:path...]`, e.g. the default
 * `pods#nodes:spec.nodeName`, parsed into GroupResource → {tag → path}. A path is the original's k8s
 * JSONPath without braces and leading dot: dotted fields with optional `[index]` (`spec.containers[0].image`).
 */
export type TagPaths = Map<string, string[]>;

const PATH = /^[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/;

/** GroupResource (`group/resource`, `/pods` for the core group) → tag → path segments. */
export function parseTagMapping(entries: string[]): Map<string, TagPaths> {
  const out = new Map<string, TagPaths>();
  for (const entry of entries) {
    const [target, spec, ...rest] = entry.split('#');
    if (!target || !spec || rest.length > 0) throw new Error(`resource tag mapping "${entry}": want resource[.group]#tag:path[;tag:path...]`);
    const dot = target.indexOf('.');
    const key = dot < 0 ? `/${target}` : `${target.slice(dot + 1)}/${target.slice(0, dot)}`;
    const tags = out.get(key) ?? new Map<string, string[]>();
    for (const pair of spec.split(';')) {
      const colon = pair.indexOf(':');
      const tag = pair.slice(0, colon);
      // The original takes k8s JSONPath ({.spec.nodeName}); accept that spelling too.
      const path = pair
        .slice(colon + 1)
        .replace(/^\{(.*)\}$/, '$1')
        .replace(/^\./, '');
      if (colon <= 0 || !PATH.test(path)) throw new Error(`resource tag mapping "${entry}": "${pair}" is not tag:path (e.g. nodes:spec.nodeName)`);
      tags.set(tag, path.split(/\.|(?=\[)/).map((s) => s.replace(/^\[(\d+)\]$/, '$1')));
    }
    out.set(key, tags);
  }
  return out;
}

/** The value at `path` printed as a tag: strings as they are, other scalars as text, objects as JSON; undefined when absent or empty. */
export function evaluatePath(obj: unknown, path: string[]): string | undefined {
  let node: unknown = obj;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  if (node === undefined || node === null || node === '') return undefined;
  return typeof node === 'object' ? JSON.stringify(node) : String(node as string | number | boolean);
}
