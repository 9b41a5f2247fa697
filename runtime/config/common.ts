/**
 * Building blocks shared by the config sections (and by the KelemetryInstance API in api/, which
 * renders into these sections): durations, names, regular expressions, listen addresses, TLS, stores.
 */
import { z } from 'zod';

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** One term of a duration: a number and its unit. */
const DURATION_TERM = /[0-9]+(\.[0-9]+)?(ms|s|m|h)/;
/** The duration grammar, the only one: one or more terms, e.g. 500ms, 10s, 30m, 1h30m. */
export const DURATION_PATTERN = new RegExp(`^(${DURATION_TERM.source})+$`);

/** Parses "250ms", "10s", "30m", "1h30m" into milliseconds. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 500ms, 10s, 30m, 1h`);
  }
  let ms = 0;
  for (const [term, , unit] of text.matchAll(new RegExp(DURATION_TERM.source, 'g'))) {
    ms += Number(term.slice(0, -unit!.length)) * durationUnits[unit!]!;
  }
  return ms;
}

/** A duration kept as text ("30s"), as the KelemetryInstance API holds it; bounded for the CRD. */
export const durationText = z
  .string()
  .max(32)
  .regex(DURATION_PATTERN)
  .meta({ description: 'A duration such as 500ms, 10s, 30m or 1h30m.' });

/** A duration written as text ("30s") in files, held as milliseconds after parsing. */
export const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A DNS label (RFC 1123): cluster names, object names derived from them. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** redis:// or rediss:// (TLS). */
export const REDIS_URL = /^rediss?:\/\//;

/** Resources whose changes are noise (the original's defaults), for the audit filter and the informers. */
export const DEFAULT_EXCLUDED_RESOURCES = ['events', 'events.k8s.io/events', 'coordination.k8s.io/leases'];

/** Why `pattern` is not a valid (JavaScript) regular expression, or undefined when it is. */
function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Adds an issue, at `path` + index, for each pattern that is not a valid (JavaScript) regular expression. */
export function checkRegexes(patterns: string[], ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  patterns.forEach((p, i) => {
    const error = regexError(p);
    if (error !== undefined) ctx.addIssue({ code: 'custom', path: [...path, i], message: `invalid regular expression: ${error}` });
  });
}

/** One (JavaScript) regular expression. */
export const regexPattern = z.string().refine((p) => regexError(p) === undefined, { message: 'not a valid regular expression' });

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
  /** Or read from this file (a mounted Secret key; what the operator renders: not visible in the pod's environment). */
  passwordFile: z.string().min(1).optional(),
  dialTimeout: duration.prefault('5s'),
});

export const redisConnection = z.object({
  /** redis://host:port/db or rediss:// for TLS. */
  url: z.string().regex(REDIS_URL, 'want redis://host:port or rediss://host:port'),
  tls: clientTls.optional(),
  /** Read from this environment variable, never from the file. */
  passwordEnv: z.string().optional(),
  /** Or read from this file (a mounted Secret key). */
  passwordFile: z.string().min(1).optional(),
});

/** Which store backs a cache. `memory` is per process: use it only with a single replica. */
export const cacheBackend = z.enum(['etcd', 'redis', 'memory']);
export type CacheBackend = z.infer<typeof cacheBackend>;
