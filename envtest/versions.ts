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
  /** What `go build` builds: the module's `tool` directives unless given (e.g. `.`, a main package of our own). */
  packages?: string[];
  /** `-X importpath.name=value` settings, e.g. the version a binary reports. */
  ldflagsX?: Record<string, string>;
}

/** The version Kubernetes binaries report; without it they say v0.0.0-master, which kubectl cannot parse. */
function kubeVersionFlags(version: string): Record<string, string> {
  const [major, minor] = version.replace(/^v/, '').split('.') as [string, string];
  const pkg = 'k8s.io/component-base/version';
  return { [`${pkg}.gitVersion`]: version, [`${pkg}.gitMajor`]: major, [`${pkg}.gitMinor`]: minor };
}

export const goTools: Record<'etcd' | 'kube' | 'kwok' | 'jaeger' | 'node' | 'coredns' | 'upstream' | 'helm', GoTool> = {
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
  // The real node's binaries (envtest/node), built only when a real node is asked for, and by `env build`.
  node: {
    module: 'node',
    goModule: 'k8s.io/kubernetes',
    // Same require/replace set as the kube module, so the shared Go build cache makes this quick.
    version: 'v1.34.4',
    binaries: ['kube-proxy', 'kubelet'],
    coldBuildHint: 'about 3 minutes after the kube module',
    ldflagsX: kubeVersionFlags('v1.34.4'),
  },
  coredns: {
    module: 'coredns',
    goModule: 'github.com/coredns/coredns',
    version: 'v1.15.0',
    binaries: ['coredns'],
    coldBuildHint: 'about 3 minutes',
    packages: ['.'],
  },
  // The original Kelemetry, the peer of `npm run bench -- audit --peer upstream`; built only by that bench. go.sum
  // pins its checksum: the checksum database lookup (through the module proxy) answers 404 for this module, so
  // regenerating go.sum needs GONOSUMDB=github.com/kubewharf/kelemetry.
  upstream: {
    module: 'kelemetry',
    goModule: 'github.com/kubewharf/kelemetry',
    version: 'v0.2.7',
    binaries: ['kelemetry'],
    coldBuildHint: 'about 5 minutes',
  },
  // Helm v3 for the chart's tests (deploy/helm), built on first use by them, not by ensureBinaries.
  helm: {
    module: 'helm',
    goModule: 'helm.sh/helm/v3',
    version: 'v3.22.0',
    binaries: ['helm'],
    // Measured: 2m55s of CPU, 6m35s wall on 2 shared, busy cores (its k8s.io modules are v0.37, not the kube module's).
    coldBuildHint: 'about 3 to 7 minutes',
    ldflagsX: {
      'helm.sh/helm/v3/internal/version.version': 'v3.22.0',
      // The Kubernetes version `helm template`/`lint` assume without a cluster: that of its client-go (v0.37).
      'helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor': '1',
      'helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor': '37',
      'helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor': '1',
      'helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor': '37',
    },
  },
};

/** Debian 12 packages the environment runs, with the binary each provides. */
export const debianPackages = {
  'redis-server': { binary: 'redis-server', expectedVersion: '7.0' },
  openssl: { binary: 'openssl', expectedVersion: '3.0' },
  'lua5.1': { binary: 'lua5.1', expectedVersion: '5.1' },
} as const;

/** Debian 12 packages the real node runs (envtest/node); scripts/test.sh installs them. */
export const nodeDebianPackages = {
  containerd: { binary: 'containerd', expectedVersion: '1.6' },
  runc: { binary: 'runc', expectedVersion: '1.1' },
  'containernetworking-plugins': { binary: 'bridge', expectedVersion: '1.1', dir: '/usr/lib/cni' },
  iptables: { binary: 'iptables', expectedVersion: '1.8' },
  'busybox-static': { binary: 'busybox', expectedVersion: '1.35' },
} as const;

/** Oldest Go toolchain that builds the modules above (the highest of their go directives). */
export const minimumGo = '1.26';
