/**
 * The stage cache in this process's memory: one LRU over every namespace, bounded by bytes.
 * Each entry counts its body, headers and key ({@link entryBytes}); a write that would take a
 * namespace past its capacity (the stage's `cacheClusterSize`) or the whole store past
 * `maxBytes` evicts least recently used entries first (the namespace's own, for its capacity).
 * Expired entries are dropped when read and swept a few at a time on writes.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { entryBytes, type CacheSetOptions, type CachedResponse, type ResponseCacheStore } from './types.ts';

/** Options of {@link MemoryResponseCache}. */
export interface MemoryResponseCacheOptions {
  /** All namespaces together hold at most this many bytes. Default 256 MiB. */
  readonly maxBytes?: number;
  /** The clock, in ms (tests). Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly namespace: string;
  readonly value: CachedResponse;
  readonly bytes: number;
  readonly expiresAt: number;
}

/** Default bound of the whole store. */
export const DEFAULT_MEMORY_CACHE_BYTES = 256 * 1024 * 1024;

/** Expired entries looked at per write (from the LRU end), so they don't wait for eviction. */
const SWEEP_PER_SET = 4;

/** {@link ResponseCacheStore} in memory, for one gateway process. */
export class MemoryResponseCache implements ResponseCacheStore {
  /** Least recently used first (a Map keeps insertion order; a hit re-inserts). */
  readonly #entries = new Map<string, Entry>();
  readonly #namespaceBytes = new Map<string, number>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MemoryResponseCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MEMORY_CACHE_BYTES;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes held by all entries (for tests and metrics). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc ResponseCacheStore.get} */
  get(namespace: string, key: string): Promise<CachedResponse | undefined> {
    const id = idOf(namespace, key);
    const entry = this.#entries.get(id);
    if (!entry) return Promise.resolve(undefined);
    if (entry.expiresAt <= this.#now()) {
      this.#remove(id, entry);
      return Promise.resolve(undefined);
    }
    // Most recently used now.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return Promise.resolve(entry.value);
  }

  /** {@inheritDoc ResponseCacheStore.set} */
  set(namespace: string, key: string, value: CachedResponse, options: CacheSetOptions): Promise<void> {
    const id = idOf(namespace, key);
    const old = this.#entries.get(id);
    if (old) this.#remove(id, old);
    if (!(options.ttlSeconds > 0)) return Promise.resolve();
    const now = this.#now();
    this.#sweep(now);
    const bytes = entryBytes(key, value);
    const capacity = Math.min(options.capacityBytes ?? Infinity, this.#maxBytes);
    // An entry larger than the whole capacity is never stored (it would evict everything).
    if (bytes > capacity) return Promise.resolve();
    if ((this.#namespaceBytes.get(namespace) ?? 0) + bytes > capacity) this.#evict(capacity - bytes, namespace);
    if (this.#bytes + bytes > this.#maxBytes) this.#evict(this.#maxBytes - bytes, undefined);
    // Copied, so a caller reusing its buffer can't change what was stored.
    this.#entries.set(id, { namespace, value: { statusCode: value.statusCode, headers: value.headers.map(([n, v]) => [n, v] as const), body: Buffer.from(value.body) }, bytes, expiresAt: now + options.ttlSeconds * 1000 });
    this.#bytes += bytes;
    this.#namespaceBytes.set(namespace, (this.#namespaceBytes.get(namespace) ?? 0) + bytes);
    return Promise.resolve();
  }

  /** {@inheritDoc ResponseCacheStore.delete} */
  delete(namespace: string, key: string): Promise<void> {
    const id = idOf(namespace, key);
    const entry = this.#entries.get(id);
    if (entry) this.#remove(id, entry);
    return Promise.resolve();
  }

  /** {@inheritDoc ResponseCacheStore.flush} */
  flush(namespace: string): Promise<void> {
    if (!this.#namespaceBytes.has(namespace)) return Promise.resolve();
    for (const [id, entry] of this.#entries) if (entry.namespace === namespace) this.#remove(id, entry);
    return Promise.resolve();
  }

  /** Forgets everything. */
  close(): Promise<void> {
    this.#entries.clear();
    this.#namespaceBytes.clear();
    this.#bytes = 0;
    return Promise.resolve();
  }

  /** Evicts least recently used entries (of `namespace` only, when given) until its bytes are at most `target`. */
  #evict(target: number, namespace: string | undefined): void {
    for (const [id, entry] of this.#entries) {
      const held = namespace === undefined ? this.#bytes : (this.#namespaceBytes.get(namespace) ?? 0);
      if (held <= target) return;
      if (namespace === undefined || entry.namespace === namespace) this.#remove(id, entry);
    }
  }

  #sweep(now: number): void {
    let looked = 0;
    for (const [id, entry] of this.#entries) {
      if (looked++ >= SWEEP_PER_SET) return;
      if (entry.expiresAt <= now) this.#remove(id, entry);
    }
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    const left = (this.#namespaceBytes.get(entry.namespace) ?? 0) - entry.bytes;
    if (left > 0) this.#namespaceBytes.set(entry.namespace, left);
    else this.#namespaceBytes.delete(entry.namespace);
  }
}

/** One map key per (namespace, key): a namespace (`apiId/stage`) never holds NUL, so the first NUL splits them. */
const idOf = (namespace: string, key: string): string => `${namespace}\u0000${key}`;
