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
import type { QuotaResult, QuotaStore } from './types.ts';

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
  consume(key: string, limit: number, windowStartMs: number, windowEndMs: number): Promise<QuotaResult> {
    return Promise.resolve(this.#consume(key, limit, windowStartMs, windowEndMs));
  }

  /** Always ready: the state is in this process. */
  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Forgets every counter; the store keeps working. */
  close(): Promise<void> {
    this.#entries.clear();
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
