#!/usr/bin/env node
// The `kelemetry` command. Runs the compiled JavaScript (dist/, from `npm run build`) when it is there and
// not older than the TypeScript sources beside it; otherwise, in a development checkout, the sources
// through tsx (a dev dependency). KELEMETRY_FROM_SOURCES=1 forces the sources (e.g. to compare both).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const sources = join(root, 'cli', 'main.ts');
// The folders tsconfig.build.json compiles.
const sourceDirs = ['cli', 'runtime', 'plugin', 'operator', 'manifests', 'api', 'app'];

/** Newest modification time of a .ts file under `dir` (0 when there is none). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  if (!existsSync(compiled)) return false;
  if (!existsSync(sources)) return true; // an install without sources: dist/ is all there is
  const built = statSync(compiled).mtimeMs;
  return sourceDirs.every((d) => !existsSync(join(root, d)) || newestSource(join(root, d)) <= built);
}

async function runSources() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch (err) {
    const why = existsSync(compiled) ? `${compiled} is older than the sources` : `${compiled} is missing`;
    console.error(`kelemetry: cannot start: ${why}, and tsx (a dev dependency) cannot be loaded to run the TypeScript sources.
Run 'npm run build' to compile, or 'npm ci' (with dev dependencies) to run from the sources.
(${err instanceof Error ? err.message : err})`);
    process.exit(1);
  }
  register();
  await import(pathToFileURL(sources).href);
}

if (process.env.KELEMETRY_FROM_SOURCES !== '1' && compiledIsCurrent()) await import(pathToFileURL(compiled).href);
else if (existsSync(sources)) await runSources();
else {
  console.error(`kelemetry: cannot start: neither ${compiled} nor ${sources} exists (a broken install?)`);
  process.exit(1);
}
