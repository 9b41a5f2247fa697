/**
 * Which images go with which Kelemetry version. `spec.version` drives every image: the Kelemetry
 * image tag is the version itself; Jaeger and etcd come from this table (newest row for versions the
 * operator does not know, so a new Kelemetry release works with an older operator).
 */
export interface VersionImages {
  jaeger: string;
  etcd: string;
}

// The versions the test environment builds and tests (envtest/versions.ts: Jaeger module v1.76.0 = 2.13.0, etcd v3.6.16).
const table: { version: string; images: VersionImages }[] = [{ version: '0.1.0', images: { jaeger: '2.13.0', etcd: 'v3.6.16' } }];

export function imagesForVersion(version: string): VersionImages {
  const bare = version.replace(/^v/, '');
  return (table.find((row) => row.version === bare) ?? table[table.length - 1]!).images;
}
