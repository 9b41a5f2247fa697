// `npm run build`: compiles the TypeScript sources to dist/ (see tsconfig.build.json) and copies the
// files the code reads at run time (gRPC protos, the default display modes) beside the compiled modules.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
const assets = (src) => src.endsWith('/') || /\.(proto|yaml)$/.test(src) || !/\.[a-z]+$/.test(src);
cpSync('plugin/proto', 'dist/plugin/proto', { recursive: true, filter: assets });
cpSync('plugin/modes/default.yaml', 'dist/plugin/modes/default.yaml');
console.log('compiled to dist/ (run: node dist/cli/main.js)');
