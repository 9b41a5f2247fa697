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

/**
 * Inside the engine, the shared foundations import no component above them: e.g. the Kubernetes stack knows
 * nothing of the diff, Event or audit code that uses it. Names are runtime/ subfolders.
 */
const runtimeComponents = ['audit', 'diff', 'event', 'linker', 'aggregator', 'kelemetrix', 'diagnose'];
const runtimeZones = {
  'runtime/util': ['model', 'metrics', 'config', 'store', 'k8s', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/model': ['metrics', 'config', 'store', 'k8s', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/metrics': ['config', 'store', 'k8s', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/config': ['store', 'k8s', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/store': ['k8s', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/k8s': ['store', 'tracer', 'spancache', 'component', ...runtimeComponents],
  'runtime/tracer': ['store', 'k8s', 'spancache', 'component', ...runtimeComponents],
  'runtime/spancache': ['k8s', 'tracer', 'component', ...runtimeComponents],
};

/**
 * One rule set for the files `depth` folders below the root inside `zone`: an import names a forbidden folder
 * when its `../` run climbs exactly to the folder that holds it (the root, or runtime/ for runtime zones).
 */
function zoneRules(zone, depth, isTest) {
  const scopes = [[zone.split('/')[0], layers[zone.split('/')[0]]], ...(runtimeZones[zone] ? [[zone, runtimeZones[zone]]] : [])];
  const patterns = scopes.map(([folder, names]) => {
    const allowed = isTest ? names.filter((n) => n !== 'envtest') : names;
    const climb = depth - (folder.split('/').length - 1);
    return { regex: `^(\\.\\./){${climb}}(${allowed.join('|')})/`, message: `${folder}/ may not import ${allowed.join(', ')} (layers point down only; see eslint.config.js)` };
  });
  return {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...patterns.map((p) => ({ selector: `ImportExpression > Literal[value=/${p.regex.replaceAll('/', '\\/')}/]`, message: p.message }))],
  };
}

const depths = [1, 2, 3, 4, 5, 6];
const layerConfigs = [...Object.keys(layers), ...Object.keys(runtimeZones)].flatMap((zone) =>
  depths
    .filter((depth) => depth >= zone.split('/').length)
    .flatMap((depth) => {
      const glob = `${zone.split('/')[0]}/${'*/'.repeat(depth - 1)}`;
      const files = (suffix) => (zone.includes('/') ? [`${zone}/${'*/'.repeat(depth - 2)}*${suffix}`] : [`${glob}*${suffix}`]);
      return [
        { files: files('.ts'), ignores: ['**/*.test.ts'], rules: zoneRules(zone, depth, false) },
        { files: files('.test.ts'), rules: zoneRules(zone, depth, true) },
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
