/**
 * Every pinned version of the test environment, in one place.
 *
 * Go-built tools live in Go modules under envtest/tools/<module>; their go.mod must require exactly the
 * version given here (envtest/versions.test.ts checks). Debian packages are whatever Debian 12 ships.
 */
export interface GoTool {
  /** Folder under envtest/tools holding the Go tools module. */
  module: string;
  /** The Go module that provides the binaries, and its pinned version. */
  goModule: string;
  version: string;
  /** Binaries the module builds (its `tool` directives). */
  binaries: string[];
  /** What a person should expect the first build to cost, shown while building. */
  coldBuildHint: string;
  /** Binaries whose default name (from the package path) is renamed after the build. */
  renames?: Record<string, string>;
}

export const goTools: Record<'etcd' | 'kube' | 'kwok' | 'jaeger', GoTool> = {
  etcd: {
    module: 'etcd',
    goModule: 'go.etcd.io/etcd/server/v3',
    // kube-apiserver 1.34 uses etcd's watch progress requests; Debian's etcd 3.4 lacks them and
    // watchers (kwok, informers) then relist instead of watching.
    version: 'v3.6.16',
    binaries: ['etcd'],
    renames: { server: 'etcd' },
    coldBuildHint: 'about 1 minute',
  },
  kube: {
    module: 'kube',
    goModule: 'k8s.io/kubernetes',
    // Every k8s.io/* staging module is replaced to the matching v0.34.4 tag in envtest/tools/kube/go.mod.
    version: 'v1.34.4',
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'],
    coldBuildHint: 'about 10 minutes on 2 cores',
  },
  kwok: {
    module: 'kwok',
    goModule: 'sigs.k8s.io/kwok',
    version: 'v0.7.0',
    binaries: ['kwok'],
    coldBuildHint: 'about 2 minutes',
  },
  jaeger: {
    module: 'jaeger',
    goModule: 'github.com/jaegertracing/jaeger',
    // The v1.76.0 tag of the Go module is the Jaeger 2.13 release; cmd/jaeger is the v2 binary.
    version: 'v1.76.0',
    binaries: ['jaeger'],
    coldBuildHint: 'about 5 minutes',
  },
};

/** Debian 12 packages the environment runs, with the binary each provides. */
export const debianPackages = {
  'redis-server': { binary: 'redis-server', expectedVersion: '7.0' },
  openssl: { binary: 'openssl', expectedVersion: '3.0' },
  'lua5.1': { binary: 'lua5.1', expectedVersion: '5.1' },
} as const;

/** Oldest Go toolchain that builds the modules above (the highest of their go directives). */
export const minimumGo = '1.26';
