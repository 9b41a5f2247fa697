/**
 * What the linker pool last saw per object span — one per object per window, so an entry never outlives
 * its window's meaning: the linkers' inputs of the object's JSON, and the links last written. Bounded:
 * past `capacity` the oldest entry goes, which at worst makes one unchanged lookup or link write again
 * (link spans are fetch-or-create, so a repeated write adds nothing). Values are kept as digests, so an
 * entry costs ~100 bytes whatever the owner references hold.
 */
import { createHash } from 'node:crypto';

const digest = (value: string) => createHash('sha1').update(value).digest('base64');

export class LinkMemo {
  private readonly entries = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether `value` is what was last recorded under `key`. */
  has(key: string, value: string): boolean {
    return this.entries.get(key) === digest(value);
  }

  record(key: string, value: string): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, digest(value));
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
