/**
 * Structural comparison of two JSON values (spec 7.6): object keys in ascending byte order, arrays
 * index by index (no move detection), a type mismatch or a null side is one diff at that path.
 */
export interface DiffEntry {
  jsonPath: string;
  /** Absent when the old value was null / missing. */
  old?: unknown;
  /** Absent when the new value is null / missing. */
  new?: unknown;
}

export interface DiffList {
  diffs: DiffEntry[];
}

const simpleKey = /^[\p{L}\p{N}_]+$/u;

/** Appends one path segment: `a.b`, `a["x.y"]`, root-level `b`; an empty key at root adds nothing. */
export function appendKey(path: string, key: string): string {
  if (simpleKey.test(key)) return path ? `${path}.${key}` : key;
  if (key === '' && path === '') return '';
  return `${path}["${key.replaceAll('"', '\\"')}"]`;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entry(jsonPath: string, oldV: unknown, newV: unknown): DiffEntry {
  const e: DiffEntry = { jsonPath };
  if (oldV !== null && oldV !== undefined) e.old = oldV;
  if (newV !== null && newV !== undefined) e.new = newV;
  return e;
}

function walk(path: string, a: unknown, b: unknown, out: DiffEntry[]): void {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) {
    if (aNull !== bNull) out.push(entry(path, a, b));
    return;
  }
  if (typeof a !== 'object' && typeof a === typeof b) {
    if (a !== b) out.push(entry(path, a, b));
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(byteOrder);
    for (const k of keys) {
      const p = appendKey(path, k);
      if (!(k in b)) out.push(entry(p, a[k], null));
      else if (!(k in a)) out.push(entry(p, null, b[k]));
      else walk(p, a[k], b[k], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(`${path}[${i}]`, i < a.length ? a[i] : null, i < b.length ? b[i] : null, out);
    return;
  }
  out.push(entry(path, a, b));
}

export function compare(oldValue: unknown, newValue: unknown): DiffList {
  const diffs: DiffEntry[] = [];
  walk('', oldValue, newValue, diffs);
  return { diffs };
}

/** One line per entry: `<jsonPath> <JSON old> -> <JSON new>` (absent sides print `null`). */
export function formatDiffLine(e: DiffEntry): string {
  return `${e.jsonPath} ${JSON.stringify(e.old ?? null)} -> ${JSON.stringify(e.new ?? null)}`;
}
