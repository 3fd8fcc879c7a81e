/**
 * In-process quota counters for a single gateway process. A cluster shares them through a
 * Redis store passing the same contract suite (test/contract/quota-store.ts).
 *
 * One entry per key: the window it counts and how many requests were counted there. The Map is
 * kept in least-recently-used order (a touched entry is re-inserted at the end); each `consume`
 * drops up to `sweepPerConsume` of the oldest entries whose window has ended, which loses
 * nothing (an ended window counts as 0 anyway). `maxEntries` caps memory: at the cap the least
 * recently used entry goes whatever its window, which errs towards admitting requests.
 */
import { USAGE_RETENTION_DAYS, type DailyUsage, type QuotaResult, type QuotaStore } from './types.ts';

/** Options of {@link MemoryQuotaStore}. */
export interface MemoryQuotaStoreOptions {
  /** Hard cap on the entries held. Default 100,000 (AWS allows 10,000 keys × 10 plans). */
  readonly maxEntries?: number;
  /** How many of the oldest entries each `consume` checks for an ended window. Default 2. */
  readonly sweepPerConsume?: number;
}

interface Entry {
  startMs: number;
  endMs: number;
  used: number;
}

/** {@link QuotaStore} held in process memory. */
export class MemoryQuotaStore implements QuotaStore {
  readonly #entries = new Map<string, Entry>();
  /**
   * Daily usage per key, apart from the counters: a counter may be swept when its window ends,
   * its history may not. Least recently written last; capped at `maxEntries` keys.
   */
  readonly #usage = new Map<string, Map<string, DailyUsage>>();
  readonly #maxEntries: number;
  readonly #sweepPerConsume: number;

  constructor(options: MemoryQuotaStoreOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.#sweepPerConsume = Math.max(0, options.sweepPerConsume ?? 2);
  }

  /** How many counters are held (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc QuotaStore.consume} */
  consume(key: string, limit: number, windowStartMs: number, windowEndMs: number, usageDay?: string): Promise<QuotaResult> {
    const result = this.#consume(key, limit, windowStartMs, windowEndMs);
    if (result.allowed && usageDay !== undefined) this.#record(key, usageDay, result.remaining);
    return Promise.resolve(result);
  }

  /** {@inheritDoc QuotaStore.usage} */
  usage(key: string, days: readonly string[]): Promise<ReadonlyMap<string, DailyUsage>> {
    const held = this.#usage.get(key);
    const found = new Map<string, DailyUsage>();
    for (const day of days) {
      const u = held?.get(day);
      if (u) found.set(day, u);
    }
    return Promise.resolve(found);
  }

  /** Always ready: the state is in this process. */
  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Forgets every counter and usage record; the store keeps working. */
  close(): Promise<void> {
    this.#entries.clear();
    this.#usage.clear();
    return Promise.resolve();
  }

  #consume(key: string, limit: number, startMs: number, endMs: number): QuotaResult {
    // NaN and negative limits refuse like 0.
    const max = limit > 0 ? Math.floor(limit) : 0;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxEntries) this.#evictOldest();
      entry = { startMs, endMs, used: 0 };
    } else {
      // A newer window starts from 0; an older one (a lagging caller) counts in the one held.
      if (startMs > entry.startMs) Object.assign(entry, { startMs, endMs, used: 0 });
      this.#entries.delete(key);
    }
    this.#entries.set(key, entry);
    this.#sweep(startMs, key);
    if (entry.used >= max) return { allowed: false, remaining: 0 };
    entry.used++;
    return { allowed: true, remaining: max - entry.used };
  }

  /** Adds one request to `day`; days more than the retention before it are dropped. */
  #record(key: string, day: string, remaining: number): void {
    let days = this.#usage.get(key);
    if (days === undefined) {
      if (this.#usage.size >= this.#maxEntries) {
        const oldest = this.#usage.keys().next();
        if (oldest.done !== true) this.#usage.delete(oldest.value);
      }
      days = new Map();
    } else this.#usage.delete(key);
    this.#usage.set(key, days);
    days.set(day, { used: (days.get(day)?.used ?? 0) + 1, remaining });
    if (days.size > USAGE_RETENTION_DAYS) {
      // ISO dates compare as strings.
      const cutoff = new Date(Date.parse(day) - USAGE_RETENTION_DAYS * 86_400_000).toISOString().slice(0, 10);
      for (const d of days.keys()) if (d < cutoff) days.delete(d);
    }
  }

  /** Deletes ended windows from the old end of the Map, stopping at the first live one. */
  #sweep(nowMs: number, current: string): void {
    for (let i = 0; i < this.#sweepPerConsume; i++) {
      const oldest = this.#entries.entries().next();
      if (oldest.done === true) return;
      const [key, entry] = oldest.value;
      if (key === current || entry.endMs > nowMs) return;
      this.#entries.delete(key);
    }
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#entries.delete(oldest.value);
  }
}
