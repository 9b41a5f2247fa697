/** Building blocks shared by the config sections: durations, listen addresses, TLS, store connections. */
import { z } from 'zod';

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "10s", "30m", "1h30m" into milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 500ms, 10s, 30m, 1h`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * durationUnits[p[2]!]!, 0);
}

/** Adds an issue, at `path` + index, for each pattern that is not a valid (JavaScript) regular expression. */
export function checkRegexes(patterns: string[], ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  patterns.forEach((p, i) => {
    try {
      new RegExp(p);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [...path, i], message: `invalid regular expression: ${(err as Error).message}` });
    }
  });
}

/** A duration written as text ("30s") in files, held as milliseconds after parsing. */
export const duration = z
  .string()
  .transform((text, ctx) => {
    try {
      return parseDuration(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** `host:port`; binding to all interfaces must be explicit (`0.0.0.0:PORT`). */
export const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'want host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080');

/** Serving TLS: certificate and key files (PEM); optional client CA to require client certificates (mTLS). */
export const serverTls = z.object({
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** When set, clients must present a certificate signed by this CA. */
  clientCaFile: z.string().min(1).optional(),
});

/** Client TLS towards a store or exporter. */
export const clientTls = z.object({
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().default(false),
});

export const etcdConnection = z.object({
  endpoints: z.array(z.string().url()).min(1),
  tls: clientTls.optional(),
  username: z.string().optional(),
  /** Read from this environment variable, never from the file, so it stays out of ConfigMaps. */
  passwordEnv: z.string().optional(),
  dialTimeout: duration.prefault('5s'),
});

export const redisConnection = z.object({
  /** redis://host:port/db or rediss:// for TLS. */
  url: z.string().regex(/^rediss?:\/\//, 'want redis://host:port or rediss://host:port'),
  tls: clientTls.optional(),
  /** Read from this environment variable, never from the file. */
  passwordEnv: z.string().optional(),
});

/** Which store backs a cache. `memory` is per process: use it only with a single replica. */
export const cacheBackend = z.enum(['memory', 'etcd', 'redis']);
export type CacheBackend = z.infer<typeof cacheBackend>;
