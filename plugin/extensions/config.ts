/** Fields every extension modifier's args share (spec 8.9); each provider adds its own. Unknown fields are ignored, as in the original. */
import { z } from 'zod';
import { duration } from '../../runtime/config/common.ts';

export const commonArgs = {
  /** The provider (the original's factory index). */
  kind: z.string().min(1),
  /** Modes get at most one extension of a class. */
  modifierClass: z.string().default(''),
  /** Wall-clock budget of one trace's fetches (the original requires it; here 10s when omitted). */
  totalTimeout: duration.prefault('10s'),
  maxConcurrency: z.number().int().positive().default(4),
};

/** Which spans a provider fetches for. */
export const spanSelection = {
  forObject: z.boolean().default(false),
  forAuditEvent: z.boolean().default(false),
};

/** Trace IDs of a result and the range searched, the shape of the original's identifier (ids base64, times RFC 3339). */
export interface TraceIdsIdentifier {
  traceIds: string[];
  start: string;
  end: string;
}

export function traceIdsIdentifier(traceIds: string[], startUs: number, endUs: number): TraceIdsIdentifier {
  const time = (us: number) => new Date(Math.floor(us / 1000)).toISOString();
  return { traceIds: traceIds.map((t) => Buffer.from(t, 'hex').toString('base64')), start: time(startUs), end: time(endUs) };
}

export const traceIdsIdentifierSchema = z.object({
  traceIds: z.array(z.string()).transform((ids) => ids.map((t) => Buffer.from(t, 'base64').toString('hex'))),
  start: z.string(),
  end: z.string(),
});
