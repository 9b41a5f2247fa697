/**
 * Display mode ids from the names people type (spec 8.7): the first hex digit is the base mode, the
 * second the link family, e.g. tracing + full tree = 21000000.
 */
export const baseModes = { tree: 0, timeline: 1, tracing: 2, grouped: 3 } as const;
export const families = { none: 0, full: 1, ancestors: 2, owned: 4 } as const;
export type BaseMode = keyof typeof baseModes;
export type Family = keyof typeof families;

export function modeHex(mode: BaseMode, family: Family): string {
  return `${baseModes[mode].toString(16)}${families[family].toString(16)}000000`;
}

/** Re-renders a cache trace ID in another display mode: the mode sits in hex characters 3-10. */
export function withMode(traceId: string, hex: string): string {
  return `ff${hex}${traceId.slice(10)}`;
}
