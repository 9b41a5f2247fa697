/** Event controller check: Events handled (`event_handle`, label error; '' or `<nil>` = span written). */
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';
import { absent, breakdown, fmt, period } from './wording.ts';

const success = new Set(['', '<nil>']);
/** Skips by design: old events at restart, excluded types, repeats, events past the age limit. */
const expected = new Set(['BeforeRestart', 'Filtered', 'Duplicate', 'EventTooOld']);
/** Worth showing but not failing on: events of kinds discovery does not know, odd timestamps. */
const tolerated = new Set(['UnknownGVK', 'InferTimestamp']);

export function eventsHandled(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'eventsHandled';
  if (!set.has('event_handle')) return absent(id, 'Events handled');
  const byError = set.increaseBy('event_handle_count', 'error');
  let total = 0;
  let withSpan = 0;
  const errors = new Map<string, number>();
  const hard = new Map<string, number>();
  for (const [error, n] of byError) {
    total += n;
    if (success.has(error)) withSpan += n;
    else if (!expected.has(error)) {
      errors.set(error, n);
      if (!tolerated.has(error)) hard.set(error, n);
    }
  }
  const message = `handled ${fmt(total)} Events ${period(set, ctx)}, ${fmt(withSpan)} have spans${errors.size ? `, with errors: ${breakdown(errors)}` : ''}`;
  const hardCount = [...hard.values()].reduce((a, b) => a + b, 0);
  if (hardCount === 0) return { id, ok: true, figure: withSpan, message, suggestion: '' };
  const suggestion = hard.has('SendTrace')
    ? 'event spans could not be written: check the span cache store (stores.*) and tracer.otlpEndpoint (see the spans and cache checks)'
    : `see the informers log for ${[...hard.keys()].join(', ')}`;
  return { id, ok: false, figure: withSpan, message, suggestion };
}
