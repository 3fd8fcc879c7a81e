/**
 * Usage-plan quotas: a request counter per key and quota window. memory.ts for one process,
 * redis.ts shared by several; both pass test/contract/quota-store.ts.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 */

/** What {@link QuotaStore.consume} tells. */
export interface QuotaResult {
  /** True when the request was counted: fewer than `limit` had been counted in the window. */
  readonly allowed: boolean;
  /** Requests left in the window after this one (0 when refused). */
  readonly remaining: number;
}

export interface QuotaStore {
  /**
   * Counts one request for `key` in the window `[windowStartMs, windowEndMs)`, atomically, if
   * fewer than `limit` were counted there; otherwise refuses. A count kept from an earlier window
   * starts again from 0; a call naming a window older than the one held (a lagging clock) is
   * counted in the newer one. `windowEndMs` tells when the count may be forgotten. A limit of 0
   * always refuses.
   */
  consume(key: string, limit: number, windowStartMs: number, windowEndMs: number): Promise<QuotaResult>;
  /**
   * Resolves true when the store can serve right now (a shared store: its server answers);
   * never rejects. For a later `/ready` endpoint. Absent on test doubles: always ready.
   */
  ready?(): Promise<boolean>;
  close(): Promise<void>;
}
