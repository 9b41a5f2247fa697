/**
 * The subset of Go text/template that extension configs use (spec 8.9): `{{.name}}` field substitution,
 * `{{index . "some-tag"}}` for keys that are not identifiers, and `{{unixMicro .start}}` (also written
 * `{{.start | unixMicro}}`) for the time range. Anything else is refused when the config loads.
 */
import type { FetchQuery, ObjectRef } from './types.ts';

/** String arguments, plus the displayed time range (µs) as `start` and `end`. */
export interface TemplateArgs {
  strings: Record<string, string>;
  times: { start: number; end: number };
}

type Part = { text: string } | { field: string; micro: boolean };

export interface Template {
  render(args: TemplateArgs): string;
}

const field = String.raw`(?:\.([A-Za-z_][A-Za-z0-9_]*)|index\s+\.\s+"([^"\\]*)")`;
const plain = new RegExp(`^${field}$`);
const microPrefix = new RegExp(`^unixMicro\\s+${field}$`);
const microPipe = new RegExp(`^${field}\\s*\\|\\s*unixMicro$`);

function action(body: string, where: string): Part {
  for (const [re, micro] of [[plain, false], [microPrefix, true], [microPipe, true]] as const) {
    const m = re.exec(body);
    if (m) return { field: (m[1] ?? m[2])!, micro };
  }
  throw new Error(`${where}: unsupported template action "{{${body}}}" (supported: {{.name}}, {{index . "key"}}, {{unixMicro .start}})`);
}

export function compileTemplate(text: string, where: string): Template {
  const parts: Part[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`${where}: unclosed "{{" in template "${text}"`);
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    parts.push(action(rest.slice(open + 2, close).trim(), where));
    rest = rest.slice(close + 2);
  }
  if (rest) parts.push({ text: rest });
  return {
    render(args) {
      return parts.map((p) => ('text' in p ? p.text : value(args, p.field, p.micro))).join('');
    },
  };
}

/** Missing keys render as '' (Go prints `<no value>`); a time prints as RFC 3339, or µs with unixMicro. */
function value(args: TemplateArgs, key: string, micro: boolean): string {
  if (key === 'start' || key === 'end') {
    const us = args.times[key];
    return micro ? String(us) : new Date(Math.floor(us / 1000)).toISOString();
  }
  // unixMicro of anything but a time is '' in the original.
  return micro ? '' : (args.strings[key] ?? '');
}

export function compileTemplates(texts: Record<string, string>, where: string): [string, Template][] {
  return Object.entries(texts).map(([k, t]) => [k, compileTemplate(t, `${where} "${k}"`)]);
}

/** `/api/v1[/namespaces/ns]/pods/name` or `/apis/apps/v1/...`; a Namespace has no namespace segment. */
export function objectApiPath(o: ObjectRef): string {
  let path = o.group ? `/apis/${o.group}/${o.version}` : `/api/${o.version}`;
  if (o.namespace && o.resource !== 'namespaces') path += `/namespaces/${o.namespace}`;
  return `${path}/${o.resource}/${o.name}`;
}

/** The template arguments of spec 8.9: the object's key and paths, the audit resourceVersion, then every tag of the span. */
export function templateArgs(q: FetchQuery): TemplateArgs {
  const o = q.object;
  const strings: Record<string, string> = {
    cluster: o.cluster,
    group: o.group,
    version: o.version,
    resource: o.resource,
    groupVersion: o.group ? `${o.group}/${o.version}` : o.version,
    groupResource: o.group ? `${o.resource}.${o.group}` : o.resource,
    namespace: o.namespace,
    name: o.name,
    objectApiPath: objectApiPath(o),
    ...(q.resourceVersion !== undefined ? { resourceVersion: q.resourceVersion } : {}),
    ...q.tags,
  };
  return { strings, times: { start: q.startUs, end: q.endUs } };
}
