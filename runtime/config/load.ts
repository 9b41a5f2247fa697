/**
 * Loads and validates the runtime config. Errors name the field and say how to fix it, e.g.
 * `config.yaml: tracer.otlpEndpoint: Required`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid configuration in ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${path}: ${issue.message}`;
}

/** Validates an already-parsed document (from a file, the operator, or a test). */
export function parseConfig(doc: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(doc);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  return result.data;
}

/** Reads a YAML or JSON file and validates it. */
export function loadConfigFile(path: string): Config {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, [`cannot read or parse: ${(err as Error).message}`]);
  }
  return parseConfig(doc, path);
}
