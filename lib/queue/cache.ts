/**
 * The worker's cache: a least-recently-used map bounded by bytes, of decoded matrices (by content
 * hash: a stream of right-hand sides against one A decodes A once) and content-addressed payload
 * bytes. Entries larger than the whole budget are not kept.
 */
import type { DecodeCache } from './codec';

/** @internal */
export class LruCache implements DecodeCache {
  private readonly map = new Map<string, { value: unknown; bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): unknown {
    const e = this.map.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Map keeps insertion order: re-inserting makes the entry the most recently used.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: unknown, bytes: number): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.used -= old.bytes;
      this.map.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.used <= this.maxBytes) break;
      this.map.delete(k);
      this.used -= e.bytes;
    }
  }

  /** Entries, bytes held, hits and misses. */
  stats(): { entries: number; bytes: number; maxBytes: number; hits: number; misses: number } {
    return {
      entries: this.map.size,
      bytes: this.used,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
    };
  }
}
