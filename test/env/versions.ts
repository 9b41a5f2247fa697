/**
 * Every pinned version of the test environment, in one place.
 *
 * Go-built tools live in Go modules under test/tools/<module>; their go.mod must require exactly the
 * version given here (test/env/versions.test.ts checks). Debian packages are whatever Debian 12 ships.
 */
export interface GoTool {
  /** Folder under test/tools holding the Go tools module. */
  module: string;
  /** The Go module that provides the binaries, and its pinned version. */
  goModule: string;
  version: string;
  /** Binaries the module builds (its `tool` directives). */
  binaries: string[];
  /** What a person should expect the first build to cost, shown while building. */
  coldBuildHint: string;
}

export const goTools: Record<'kube' | 'kwok' | 'jaeger', GoTool> = {
  kube: {
    module: 'kube',
    goModule: 'k8s.io/kubernetes',
    // Every k8s.io/* staging module is replaced to the matching v0.34.4 tag in test/tools/kube/go.mod.
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
  'etcd-server': { binary: 'etcd', expectedVersion: '3.4' },
  'etcd-client': { binary: 'etcdctl', expectedVersion: '3.4' },
  'redis-server': { binary: 'redis-server', expectedVersion: '7.0' },
  openssl: { binary: 'openssl', expectedVersion: '3.0' },
} as const;

/** Oldest Go toolchain that builds the modules above (their go directives). */
export const minimumGo = '1.24';
