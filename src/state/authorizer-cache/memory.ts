/**
 * In-process authorizer result cache for one gateway process, bounded by entry count.
 *
 * The Map is kept in insertion order and a `set` re-inserts its key, so the first entry is the
 * oldest write. Expired entries are dropped when read, and each `set` also drops up to
 * `sweepPerSet` expired entries from the front; at `maxEntries` the oldest write goes, whatever
 * its TTL, which costs at most one more authorizer invocation. Nothing runs on a timer.
 */
import type { AuthorizerCacheStore, JsonValue } from './types.ts';

/** Options of {@link MemoryAuthorizerCache}. */
export interface MemoryAuthorizerCacheOptions {
  /** Hard cap on the entries held. Default 10,000. */
  readonly maxEntries?: number;
  /** How many of the oldest entries each `set` checks for expiry. Default 2. */
  readonly sweepPerSet?: number;
  /** The clock (epoch ms); tests pass their own. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly value: JsonValue;
  readonly expiresAtMs: number;
}

/** {@link AuthorizerCacheStore} held in process memory. */
export class MemoryAuthorizerCache implements AuthorizerCacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #sweepPerSet: number;
  readonly #now: () => number;

  constructor(options: MemoryAuthorizerCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#sweepPerSet = Math.max(0, options.sweepPerSet ?? 2);
    this.#now = options.now ?? Date.now;
  }

  /** How many entries are held, expired ones not yet dropped included (tests, metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc AuthorizerCacheStore.get} */
  get(key: string): Promise<JsonValue | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(entry.value);
  }

  /** {@inheritDoc AuthorizerCacheStore.set} */
  set(key: string, value: JsonValue, ttlSeconds: number): Promise<void> {
    // NaN, 0 and negative TTLs store nothing (and forget an older value: the caller wants none).
    if (!(ttlSeconds > 0)) {
      this.#entries.delete(key);
      return Promise.resolve();
    }
    const now = this.#now();
    this.#entries.delete(key);
    this.#sweep(now);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAtMs: now + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  /** {@inheritDoc AuthorizerCacheStore.flush} */
  flush(prefix: string): Promise<number> {
    let n = 0;
    for (const key of this.#entries.keys()) {
      if (key.startsWith(prefix)) {
        this.#entries.delete(key);
        n++;
      }
    }
    return Promise.resolve(n);
  }

  /** Forgets every entry; the store keeps working. */
  close(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }

  /** Drops up to `sweepPerSet` expired entries from the front (the oldest writes). */
  #sweep(now: number): void {
    let checked = 0;
    for (const [key, entry] of this.#entries) {
      if (checked++ >= this.#sweepPerSet) break;
      if (entry.expiresAtMs <= now) this.#entries.delete(key);
    }
  }
}
