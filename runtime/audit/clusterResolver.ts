/**
 * Which cluster an audit batch comes from: the `/audit/<cluster>` path segment, or else the apiserver's
 * address looked up in `clusters[].apiserverAddresses`. Unknown clusters are refused with a message
 * saying what to configure, never accepted under a made-up name.
 */
import type { ClusterConfig } from '../config/schema.ts';

export type Resolution = { cluster: string } | { status: 400 | 404; message: string };

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 peers match however the socket reports them. */
export function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice('::ffff:'.length) : addr;
}

export class ClusterResolver {
  private readonly names: Set<string>;
  private readonly byAddress = new Map<string, string>();

  constructor(clusters: Pick<ClusterConfig, 'name' | 'apiserverAddresses'>[]) {
    this.names = new Set(clusters.map((c) => c.name));
    for (const c of clusters) for (const a of c.apiserverAddresses) this.byAddress.set(normalizeAddress(a), c.name);
  }

  resolve(pathCluster: string | undefined, sourceAddr: string): Resolution {
    if (pathCluster) {
      if (this.names.has(pathCluster)) return { cluster: pathCluster };
      return { status: 404, message: `unknown cluster "${pathCluster}": configured clusters are ${[...this.names].join(', ')}` };
    }
    const byAddr = this.byAddress.get(normalizeAddress(sourceAddr));
    if (byAddr) return { cluster: byAddr };
    return {
      status: 400,
      message: `cannot tell which cluster ${sourceAddr} is: POST to /audit/<cluster>, or list the address in clusters[].apiserverAddresses`,
    };
  }
}
