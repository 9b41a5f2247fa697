// `npm run build [-- --out DIR]`: compiles the TypeScript sources to dist/ (see tsconfig.build.json) and
// copies the files the code reads at run time (gRPC protos, the default display modes) beside the compiled
// modules. `--out` compiles elsewhere (the local image build stages into its own folder, leaving dist/ alone).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 ? resolve(process.argv[outFlag + 1] ?? '') : join(repo, 'dist');
if (outFlag >= 0 && !process.argv[outFlag + 1]) throw new Error('--out needs a folder');

rmSync(out, { recursive: true, force: true });
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit', cwd: repo });
const assets = (src) => src.endsWith('/') || /\.(proto|yaml)$/.test(src) || !/\.[a-z]+$/.test(src);
cpSync(join(repo, 'plugin', 'proto'), join(out, 'plugin', 'proto'), { recursive: true, filter: assets });
cpSync(join(repo, 'plugin', 'modes', 'default.yaml'), join(out, 'plugin', 'modes', 'default.yaml'));
console.log(`compiled to ${out} (run: node ${join(out, 'cli', 'main.js')})`);
