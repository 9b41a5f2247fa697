import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 *  - unit: pure logic, colocated `*.test.ts`, no servers;
 *  - integration: test/integration, against the real environment started once by the global setup
 *    (etcd, Redis, kube-apiserver + controller-manager + scheduler + kwok, Jaeger v2). Files run one
 *    at a time: they share one cluster and two cores.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{runtime,plugin,app,operator,manifests,cli,quickstart,api,envtest,test/bench}/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
