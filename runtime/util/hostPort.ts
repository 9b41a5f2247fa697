/** A listen or dial address `host:port` (IPv6 as `[::1]:port`), split once with a precise error. */
export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(address: string, what = 'address'): HostPort {
  const i = address.lastIndexOf(':');
  const rawHost = i >= 0 ? address.slice(0, i) : '';
  const rawPort = i >= 0 ? address.slice(i + 1) : address;
  const port = Number(rawPort);
  if (i < 0 || !/^\d+$/.test(rawPort) || port > 65535) {
    throw new Error(`${what} ${JSON.stringify(address)} is not host:port (e.g. 0.0.0.0:8080 or [::1]:8080)`);
  }
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  return { host: host || '0.0.0.0', port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
