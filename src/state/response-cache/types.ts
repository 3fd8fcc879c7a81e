/**
 * The REST stage cache's storage: method responses kept for their TTL under a key built by
 * pipeline/5-cache/, grouped by a namespace per API and stage so a stage can be flushed
 * whole (FlushStageCache). memory.ts for one process (an LRU bounded by bytes), redis.ts shared
 * by every node; both pass test/contract/response-cache.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import type { HeaderPair } from '../../pipeline/types.ts';

/** A stored response: what a hit sends back (the per-request headers are added afresh). */
export interface CachedResponse {
  readonly statusCode: number;
  readonly headers: readonly HeaderPair[];
  /** The whole body; empty for none. Binary-safe. */
  readonly body: Buffer;
}

/** Options of {@link ResponseCacheStore.set}. */
export interface CacheSetOptions {
  /** How long the entry lives, in seconds (> 0; 0 or less stores nothing). */
  readonly ttlSeconds: number;
  /**
   * The namespace's capacity in bytes (the stage's `cacheClusterSize`). A bounded store evicts
   * the namespace's least recently used entries to stay under it; a shared store may ignore it
   * (Redis is bounded by its own `maxmemory`).
   */
  readonly capacityBytes?: number;
}

export interface ResponseCacheStore {
  /** The entry stored under `key` in `namespace`, or `undefined` (none, expired or flushed). */
  get(namespace: string, key: string): Promise<CachedResponse | undefined>;
  /** Stores (or replaces) the entry under `key` in `namespace`. */
  set(namespace: string, key: string, value: CachedResponse, options: CacheSetOptions): Promise<void>;
  /** Forgets one entry (a no-op when there is none). */
  delete(namespace: string, key: string): Promise<void>;
  /** Forgets every entry of `namespace` (FlushStageCache); other namespaces keep theirs. */
  flush(namespace: string): Promise<void>;
  /** Resolves true when the store can serve right now; never rejects. Absent: always ready. */
  ready?(): Promise<boolean>;
  /** Releases resources; a memory store forgets everything. */
  close(): Promise<void>;
}

/** The bytes an entry counts for against a capacity: body, headers and key. */
export function entryBytes(key: string, value: CachedResponse): number {
  let n = key.length + value.body.length + 16;
  for (const [name, v] of value.headers) n += name.length + v.length + 4;
  return n;
}
