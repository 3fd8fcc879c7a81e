/**
 * Usage-plan quotas: a request counter per key and quota window, and per UTC day the usage
 * GetUsage reports, counted in the same atomic call. memory.ts for one process, redis.ts shared
 * by several; both pass test/contract/quota-store.ts.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 */

/** What {@link QuotaStore.consume} tells. */
export interface QuotaResult {
  /** True when the request was counted: fewer than `limit` had been counted in the window. */
  readonly allowed: boolean;
  /** Requests left in the window after this one (0 when refused). */
  readonly remaining: number;
}

/** One UTC day of a key's usage. */
export interface DailyUsage {
  /** Requests counted that day (refused ones are not). */
  readonly used: number;
  /** What the quota had left after the day's last counted request. */
  readonly remaining: number;
}

/** How long daily usage records are kept: AWS's usage data covers the last 90 days. */
export const USAGE_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;
let lastDay = { start: Number.NaN, text: '' };

/** The UTC day (`YYYY-MM-DD`) holding `ms`. */
export function usageDay(ms: number): string {
  // Every keyed request asks; the day changes once a day (toISOString was 1 µs a request).
  if (ms >= lastDay.start && ms < lastDay.start + DAY_MS) return lastDay.text;
  const start = Math.floor(ms / DAY_MS) * DAY_MS;
  lastDay = { start, text: new Date(start).toISOString().slice(0, 10) };
  return lastDay.text;
}

export interface QuotaStore {
  /**
   * Counts one request for `key` in the window `[windowStartMs, windowEndMs)`, atomically, if
   * fewer than `limit` were counted there; otherwise refuses. A count kept from an earlier window
   * starts again from 0; a call naming a window older than the one held (a lagging clock) is
   * counted in the newer one. `windowEndMs` tells when the count may be forgotten. A limit of 0
   * always refuses. With `usageDay`, a counted request is also added to that day's usage record
   * (used + 1, remaining as returned), in the same atomic step.
   */
  consume(key: string, limit: number, windowStartMs: number, windowEndMs: number, usageDay?: string): Promise<QuotaResult>;
  /**
   * The daily usage of `key` on each of `days` (`YYYY-MM-DD`, UTC) that has a record: what
   * `consume` counted when given a `usageDay` (GetUsage's `[used, remaining]`). Records are kept
   * {@link USAGE_RETENTION_DAYS} days. Absent on test doubles: no usage is recorded.
   */
  usage?(key: string, days: readonly string[]): Promise<ReadonlyMap<string, DailyUsage>>;
  /**
   * Resolves true when the store can serve right now (a shared store: its server answers);
   * never rejects. For a later `/ready` endpoint. Absent on test doubles: always ready.
   */
  ready?(): Promise<boolean>;
  close(): Promise<void>;
}
