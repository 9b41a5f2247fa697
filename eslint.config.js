import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers point down only. Each top-level folder lists the folders it may not import (static or dynamic
 * import); test/ sits on top and may import anything. Unit tests beside the code may also use envtest/.
 *
 *   runtime < plugin < app < cli < quickstart      api < manifests < operator < cli
 *   envtest (the test environment library) imports runtime only; quickstart and test/ use it.
 */
const layers = {
  runtime: ['plugin', 'app', 'api', 'manifests', 'operator', 'cli', 'quickstart', 'envtest', 'test'],
  plugin: ['app', 'api', 'manifests', 'operator', 'cli', 'quickstart', 'envtest', 'test'],
  app: ['api', 'manifests', 'operator', 'cli', 'quickstart', 'envtest', 'test'],
  api: ['plugin', 'app', 'manifests', 'operator', 'cli', 'quickstart', 'envtest', 'test'],
  manifests: ['plugin', 'app', 'operator', 'cli', 'quickstart', 'envtest', 'test'],
  operator: ['plugin', 'app', 'cli', 'quickstart', 'envtest', 'test'],
  cli: ['quickstart', 'envtest', 'test'],
  envtest: ['plugin', 'app', 'api', 'manifests', 'operator', 'cli', 'quickstart', 'test'],
  quickstart: ['test'],
};

/** An import reaches the repository root when its `../` run is as long as the file is deep. */
function layerRules(folder, names, depth) {
  const regex = `^(\\.\\./){${depth}}(${names.join('|')})/`;
  const message = `${folder}/ may not import ${names.join(', ')} (layers point down only; see eslint.config.js)`;
  return {
    'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
    'no-restricted-syntax': ['error', { selector: `ImportExpression > Literal[value=/${regex.replaceAll('/', '\\/')}/]`, message }],
  };
}

const depths = [1, 2, 3, 4, 5, 6];
const layerConfigs = Object.entries(layers).flatMap(([folder, names]) =>
  depths.flatMap((depth) => {
    const glob = `${folder}/${'*/'.repeat(depth - 1)}`;
    return [
      { files: [`${glob}*.ts`], ignores: ['**/*.test.ts'], rules: layerRules(folder, names, depth) },
      { files: [`${glob}*.test.ts`], rules: layerRules(folder, names.filter((n) => n !== 'envtest'), depth) },
    ];
  }),
);

export default tseslint.config(
  { ignores: ['node_modules/', '.kelemetry/', 'dist/', 'envtest/tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused arguments named _x document an interface's shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  ...layerConfigs,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
