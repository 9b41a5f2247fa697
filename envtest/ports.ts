import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The low end of the kernel's ephemeral port range: ports below it are never handed out for `listen(0)` or
 * outgoing connections, so a port picked there stays free until the environment binds it, even when tests bind
 * port 0 in between (one did take the audit receiver's port: the API server then spoke to a gRPC server).
 */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free 127.0.0.1 port below the ephemeral range and below Kubernetes' NodePort range (30000–32767, which
 * kube-proxy on the real node may claim), else one from the kernel. Races are rare; callers bind soon after.
 */
export async function freePort(): Promise<number> {
  const high = Math.min(ephemeralLow(), 30_000);
  const low = Math.max(1025, high - 12_000);
  for (let attempt = 0; high - low > 1000 && attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canBind(port)) return port;
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Several distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
