/**
 * Builds the KelemetryInstance CustomResourceDefinition from the zod schemas in ./schema:
 * z.toJSONSchema (OpenAPI 3.0 target, input view so defaulted fields are optional) and then a pass
 * that makes the result a structural schema the API server accepts (no anyOf for int-or-string, no
 * schema under preserve-unknown-fields, no JavaScript safe-integer bounds).
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { API_VERSION, GROUP, KIND, MAX_NAME_LENGTH, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.ts';
import { kelemetryInstanceSpec } from './schema/spec.ts';
import { kelemetryInstanceStatus } from './schema/status.ts';

export type JsonSchema = Record<string, unknown>;

/** Where the generated CRD is checked in (relative to the repository root). */
export const CRD_FILE = 'crds/kelemetry.io_kelemetryinstances.yaml';

const dropKeys = new Set(['$schema', 'additionalProperties', 'propertyNames', 'id']);

/** Rewrites a zod-generated JSON schema node (recursively) into a structural OpenAPI v3 schema. */
function toStructural(node: unknown): JsonSchema {
  if (!node || typeof node !== 'object' || Array.isArray(node)) throw new Error(`schema node is not an object: ${JSON.stringify(node)}`);
  const src = node as JsonSchema;
  if (src['x-kubernetes-int-or-string']) {
    const out: JsonSchema = { 'x-kubernetes-int-or-string': true };
    if (src.description) out.description = src.description;
    return out;
  }
  if (src['x-kubernetes-preserve-unknown-fields']) {
    const out: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    if (src.description) out.description = src.description;
    return out;
  }
  if (src.anyOf || src.oneOf || src.allOf) throw new Error(`unions are not structural; model them as optional fields plus a CEL rule: ${JSON.stringify(src)}`);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(src)) {
    if (dropKeys.has(key)) continue;
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toStructural(v)]));
    } else if (key === 'items') {
      out.items = toStructural(value);
    } else {
      out[key] = value;
    }
  }
  // A map (z.record) keeps its value schema under additionalProperties.
  if (src.type === 'object' && !src.properties && src.additionalProperties && typeof src.additionalProperties === 'object') {
    out.additionalProperties = toStructural(src.additionalProperties);
  }
  if (!out.type) throw new Error(`schema node has no type: ${JSON.stringify(src)}`);
  return out;
}

/** A default value with the defaults of its nested fields filled in. */
function expandDefault(node: JsonSchema, value: unknown): unknown {
  if (node.type !== 'object' || !value || typeof value !== 'object' || Array.isArray(value) || !node.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(node.properties as Record<string, JsonSchema>)) {
    if (out[key] !== undefined) out[key] = expandDefault(prop, out[key]);
    else if (prop.default !== undefined) out[key] = expandDefault(prop, prop.default);
  }
  return out;
}

/**
 * The API server validates a `default` against the CEL rules of its node without first defaulting
 * the fields inside it, so an object default must spell out its nested defaults.
 */
function expandDefaults(node: JsonSchema): void {
  for (const child of Object.values((node.properties as Record<string, JsonSchema>) ?? {})) expandDefaults(child);
  if (node.items) expandDefaults(node.items as JsonSchema);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') expandDefaults(node.additionalProperties as JsonSchema);
  if (node.default !== undefined) node.default = expandDefault(node, node.default);
}

function schemaOf(schema: z.ZodType): JsonSchema {
  const out = toStructural(z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' }));
  expandDefaults(out);
  return out;
}

/** The CRD as a plain object, ready to apply or to write as YAML. */
export function buildCrd(): Record<string, unknown> {
  const spec = schemaOf(kelemetryInstanceSpec);
  const status = schemaOf(kelemetryInstanceStatus);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'kelemetry', 'app.kubernetes.io/part-of': 'kelemetry' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: ['kelemetry'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Version', type: 'string', jsonPath: '.status.currentVersion' },
            { name: 'Clusters', type: 'integer', jsonPath: '.status.clusterCount' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            { name: 'Desired', type: 'string', jsonPath: '.spec.version', priority: 1 },
            { name: 'Management', type: 'string', jsonPath: '.spec.managementState', priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              description: `${KIND} (${API_VERSION}) installs and upgrades Kelemetry: control-plane tracing for Kubernetes.`,
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
              'x-kubernetes-validations': [
                {
                  rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH}`,
                  message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters (object names are derived from it)`,
                },
              ],
            },
          },
        },
      ],
    },
  };
}

export function crdYaml(): string {
  return `# Generated from api/types.ts by \`npx tsx api/generate.ts\`. Do not edit.\n${stringify(buildCrd(), { lineWidth: 0 })}`;
}
