/**
 * The configuration reference (docs/configuration.md), generated from the CRD's OpenAPI schema so the
 * documentation cannot drift from what the apiserver accepts: every spec field with its type, default,
 * constraints and description, plus the cross-field (CEL) rules.
 */
import { buildCrd, type JsonSchema } from './crd.ts';

export const REFERENCE_FILE = 'docs/configuration.md';

interface Row {
  path: string;
  type: string;
  defaultValue: string;
  constraints: string;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (s['x-kubernetes-int-or-string']) return 'int or string';
  if (s['x-kubernetes-preserve-unknown-fields'] && !s.type) return 'object (free-form)';
  const t = String(s.type ?? 'any');
  if (t === 'array') return `[]${typeOf((s.items as JsonSchema | undefined) ?? {})}`;
  if (t === 'object' && s.additionalProperties) return `map[string]${typeOf(s.additionalProperties as JsonSchema)}`;
  return t;
}

function constraintsOf(s: JsonSchema, required: boolean): string {
  const out: string[] = [];
  if (required) out.push('required');
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map((e) => `\`${String(e)}\``).join(', ')}`);
  if (s.minimum !== undefined) out.push(`≥ ${String(s.minimum)}`);
  if (s.maximum !== undefined) out.push(`≤ ${String(s.maximum)}`);
  if (s.minItems !== undefined) out.push(`at least ${String(s.minItems)} items`);
  if (s.maxItems !== undefined) out.push(`at most ${String(s.maxItems)} items`);
  if (s.pattern) out.push(`pattern \`${String(s.pattern)}\``);
  return out.join('; ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function walk(s: JsonSchema, path: string, required: boolean, rows: Row[], rules: string[]): void {
  const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
  rows.push({ path, type: typeOf(s), defaultValue: def.length > 60 ? '(object, see below)' : def, constraints: constraintsOf(s, required), description: String(s.description ?? '') });
  for (const rule of (s['x-kubernetes-validations'] as { rule: string; message?: string }[] | undefined) ?? []) {
    rules.push(`- \`${path}\`: ${rule.message ?? rule.rule}`);
  }
  const req = new Set((s.required as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries((s.properties as Record<string, JsonSchema> | undefined) ?? {})) walk(child, `${path}.${name}`, req.has(name), rows, rules);
  const items = s.items as JsonSchema | undefined;
  if (items?.properties) walk(items, `${path}[]`, false, rows, rules);
}

export function referenceMarkdown(): string {
  const crd = buildCrd() as { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] } };
  const version = crd.spec.versions[0]!;
  const spec = (version.schema.openAPIV3Schema.properties as Record<string, JsonSchema>).spec!;
  const rows: Row[] = [];
  const rules: string[] = [];
  walk(spec, 'spec', true, rows, rules);
  return [
    `# ${crd.spec.names.kind} configuration reference`,
    '',
    `Generated from the CRD schema (\`${crd.spec.group}/${version.name}\`) by \`npx tsx api/generate.ts\`; do not edit.`,
    'Defaults are applied by the apiserver, so what you apply is what Argo CD compares against.',
    '',
    '| field | type | default | constraints | description |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.defaultValue)} | ${cell(r.constraints)} | ${cell(r.description)} |`),
    '',
    '## Cross-field rules (checked by the apiserver)',
    '',
    ...(rules.length ? rules : ['(none)']),
    '',
  ].join('\n');
}
