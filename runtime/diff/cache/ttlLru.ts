/** A byte-bounded LRU of strings with per-entry expiry: the memory diff cache and the read-through layer. */
export class TtlLru {
  private readonly map = new Map<string, { value: string; expiresAt: number; bytes: number }>();
  private bytes = 0;
  evictions = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.map.size;
  }
  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string, now = Date.now()): string | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: string, ttlMs: number, now = Date.now()): void {
    this.delete(key);
    const bytes = key.length + value.length + 64;
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, expiresAt: now + ttlMs, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      // Expired entries are the cheapest to lose; otherwise the least recently used goes.
      this.delete(k);
      if (e.expiresAt > now) this.evictions++;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.bytes;
  }

  keysWithPrefix(prefix: string, now = Date.now()): string[] {
    const out: string[] = [];
    for (const [k, e] of this.map) if (k.startsWith(prefix) && e.expiresAt > now) out.push(k);
    return out;
  }

  /** Drops expired entries (called periodically by the owner). */
  sweep(now = Date.now()): void {
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.delete(k);
  }
}
