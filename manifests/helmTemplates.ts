/**
 * Turns renderings of the operator install into Helm templates, so the chart is the same objects as
 * `kelemetry synth --operator` and deploy/install.yaml. The install is rendered with sentinel options (a
 * namespace, a watched namespace, an image no real install has); the generator swaps them, and a few
 * marked fields, for template expressions. Objects that exist only for a watched namespace, or only
 * when every namespace is watched, are found by rendering twice (one sentinel namespace, then `*`).
 */
import { isDeepStrictEqual } from 'node:util';
import { toYaml } from './yaml.ts';

export const SENTINEL = { namespace: 'helm-sentinel-namespace', watch: 'helm-sentinel-watch', image: 'helm-sentinel-image' } as const;
const ALL = '*';

export type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

/** Template expressions; `$` so they also work inside `range` and `with`. */
export const EXPR = {
  namespace: '$.Release.Namespace',
  watchList: '(include "kelemetry-operator.watchNamespaces" $ | splitList ",")',
  watchJoined: 'include "kelemetry-operator.watchNamespaces" $',
  image: 'include "kelemetry-operator.image" $',
} as const;

/** Marked Deployment fields: a scalar value, or an optional block from values (omitted when empty). */
const VALUE = 'HELM_VALUE_';
const BLOCK = 'HELM_BLOCK_';
const SCALARS: Record<string, string> = { replicas: '$.Values.replicas', pullPolicy: '$.Values.image.pullPolicy' };

const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function replaceAll(value: unknown, from: string, to: string): unknown {
  return JSON.parse(JSON.stringify(value).replaceAll(from, to)) as unknown;
}

/** The install's objects split by how they depend on the watched namespaces. */
export interface Split {
  common: Obj[];
  perNamespace: Obj[];
  allNamespaces: Obj[];
}

/**
 * `one` is rendered watching SENTINEL.watch, `all` watching `*`. Objects in both must differ only by that
 * namespace: anything else would be a dependency on the watched namespaces this generator cannot express.
 */
export function splitByWatch(one: Obj[], all: Obj[]): Split {
  const allKeys = new Map(all.map((o) => [key(o), o]));
  const oneKeys = new Set(one.map(key));
  const common = one.filter((o) => allKeys.has(key(o)));
  for (const o of common) {
    if (!isDeepStrictEqual(replaceAll(o, SENTINEL.watch, ALL), allKeys.get(key(o)))) {
      throw new Error(`helm chart: ${key(o)} depends on the watched namespaces in a way the chart generator cannot template`);
    }
  }
  return { common, perNamespace: one.filter((o) => !allKeys.has(key(o))), allNamespaces: all.filter((o) => !oneKeys.has(key(o))) };
}

/** Marks the operator Deployment's configurable fields (values.yaml) for `toTemplate`. */
export function markDeployment(deployment: Obj): Obj {
  const d = structuredClone(deployment) as Obj & { spec: { replicas?: unknown; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
  const pod = d.spec.template.spec;
  if (pod.containers.length !== 1) throw new Error(`helm chart: ${key(d)} has ${pod.containers.length} containers, the chart templates one`);
  d.spec.replicas = `${VALUE}replicas`;
  const container = pod.containers[0]!;
  container.imagePullPolicy = `${VALUE}pullPolicy`;
  container.resources = `${BLOCK}resources`;
  for (const field of ['nodeSelector', 'tolerations', 'affinity']) pod[field] = `${BLOCK}${field}`;
  return d;
}

/**
 * YAML of objects with the sentinels and marks replaced by template expressions. `watch` is what the
 * watched-namespace sentinel becomes: one namespace inside a `range`, the joined list elsewhere.
 */
export function toTemplate(objects: Obj[], watch: { scalar: string; list?: string }): string {
  const lines = toYaml(objects).split('\n');
  return lines.map((line) => templateLine(line, watch)).join('\n');
}

function templateLine(line: string, watch: { scalar: string; list?: string }): string {
  const indent = /^\s*/.exec(line)![0];
  const block = new RegExp(`^(\\s*)([\\w.-]+): ${BLOCK}(\\w+)$`).exec(line);
  if (block) {
    const [, pad, field, value] = block as unknown as [string, string, string, string];
    return `${pad}{{- with $.Values.${value} }}\n${pad}${field}:\n${pad}  {{- toYaml . | nindent ${pad.length + 2} }}\n${pad}{{- end }}`;
  }
  // A watched namespace as a whole list element: one element per namespace.
  if (watch.list && line === `${indent}- ${SENTINEL.watch}`) {
    return `${indent}{{- range $w := ${watch.list} }}\n${indent}- {{ $w | quote }}\n${indent}{{- end }}`;
  }
  // Whole scalars are quoted (a lone `*` would be a YAML alias); within a string, namespaces are DNS labels.
  const whole = (sentinel: string, expr: string, s: string) =>
    s.replace(new RegExp(`(: |- )${sentinel}$`), `$1{{ ${expr} | quote }}`).replaceAll(sentinel, `{{ ${expr} }}`);
  let out = whole(SENTINEL.image, EXPR.image, line);
  out = whole(SENTINEL.namespace, EXPR.namespace, out);
  out = whole(SENTINEL.watch, watch.scalar, out);
  for (const [name, expr] of Object.entries(SCALARS)) out = out.replace(new RegExp(`: ${VALUE}${name}$`), `: {{ ${expr} }}`);
  if (out.includes(VALUE) || out.includes(BLOCK) || out.includes('helm-sentinel')) throw new Error(`helm chart: unexpanded mark in ${JSON.stringify(line)}`);
  return out;
}

/** The RBAC of each watched namespace: a RoleBinding there, or the cluster-wide binding for `*`. */
export function watchTemplate(split: Split): string {
  const one = toTemplate(split.perNamespace, { scalar: '$ns' });
  const all = toTemplate(split.allNamespaces, { scalar: '$ns' });
  return [
    `{{- range $ns := ${EXPR.watchList} }}`,
    `{{- if eq $ns "${ALL}" }}`,
    '---',
    all.trimEnd(),
    '{{- else }}',
    '---',
    one.trimEnd(),
    '{{- end }}',
    '{{- end }}',
    '',
  ].join('\n');
}
