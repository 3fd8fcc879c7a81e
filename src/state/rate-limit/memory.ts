/**
 * In-process token buckets for a single gateway process. A cluster shares limits through the
 * Redis store, which passes the same contract suite (test/contract/rate-limit-store.ts).
 *
 * Each bucket starts full at `burst` tokens and refills continuously at `rate` tokens per
 * second, up to `burst`. Each request takes one token, or is refused when less than one is left.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 * ("API Gateway throttles requests to your API using the token bucket algorithm, where a token
 * counts for a request").
 *
 * Memory stays bounded, and every `take` is O(1):
 * - The Map is kept in least-recently-used order: a touched bucket is re-inserted at the end.
 * - Each `take` then looks at up to `sweepPerTake` of the oldest buckets and deletes those that
 *   have refilled to full. A full bucket is the same as one that doesn't exist yet (buckets are
 *   created full), so this eviction loses nothing. No timer is involved, so nothing keeps the
 *   process alive and tests need no cleanup.
 * - The sweep stops at the first bucket that isn't full. A bucket with rate 0 that has been
 *   drained never refills, so it would block the sweep. `maxBuckets` is the hard cap for that
 *   case: at the cap, the least recently used bucket is dropped whether full or not. That drop
 *   is lossy (its key starts full again), which errs towards admitting requests.
 */
import { performance } from 'node:perf_hooks';
import type { RateLimitStore, TokenBucketLimit } from './types.ts';

/** Options of {@link MemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * The clock used when `take` gets no `nowMs`, in milliseconds. It must never go backwards.
   * Default: `performance.timeOrigin + performance.now()`, which is monotonic and close to epoch
   * ms. Tests pass a fixed clock.
   */
  readonly clock?: () => number;
  /** Hard cap on the number of buckets held; the least recently used goes first. Default 100,000. */
  readonly maxBuckets?: number;
  /** How many of the oldest buckets each `take` checks for eviction. Default 2. */
  readonly sweepPerTake?: number;
}

interface Bucket {
  /** Tokens left; fractional, between 0 and `burst`. */
  tokens: number;
  /** When `tokens` was last brought up to date. Never moves backwards. */
  lastMs: number;
  /** The limit the bucket was last taken with (it may change when the config reloads). */
  rate: number;
  burst: number;
}

/**
 * Absorbs floating-point error so that `rate × elapsed` tokens really give floor(rate × elapsed)
 * requests. For example, 0.1 × 3 s should come to 3 tokens, not 2.9999999999999996.
 */
const EPSILON = 1e-9;

const defaultClock = (): number => performance.timeOrigin + performance.now();

/** {@link RateLimitStore} held in process memory. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: () => number;
  readonly #maxBuckets: number;
  readonly #sweepPerTake: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#clock = options.clock ?? defaultClock;
    this.#maxBuckets = Math.max(1, options.maxBuckets ?? 100_000);
    this.#sweepPerTake = Math.max(0, options.sweepPerTake ?? 2);
  }

  /** How many buckets are held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** {@inheritDoc RateLimitStore.take} */
  take(key: string, limit: TokenBucketLimit, nowMs: number = this.#clock()): Promise<boolean> {
    return Promise.resolve(this.#take(key, limit, nowMs));
  }

  /** Always ready: the state is in this process. */
  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Drops every bucket. The store keeps working afterwards, with every bucket full again. */
  close(): Promise<void> {
    this.#buckets.clear();
    return Promise.resolve();
  }

  #take(key: string, limit: TokenBucketLimit, nowMs: number): boolean {
    // The interface says burst 0 always refuses: AWS uses a throttle of 0 to block a route.
    // The check also covers NaN. A bucket that can never hold one token would only take memory.
    const burst = limit.burst > 0 ? limit.burst : 0;
    if (burst < 1 - EPSILON) return false;
    const rate = limit.rate > 0 ? limit.rate : 0;

    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxBuckets) this.#evictOldest();
      bucket = { tokens: burst, lastMs: nowMs, rate, burst };
    } else {
      // A clock that goes backwards (another caller's nowMs, say) refills nothing, and `lastMs`
      // keeps its later value. Otherwise the same interval would be credited twice.
      const elapsed = nowMs - bucket.lastMs;
      if (elapsed > 0) {
        bucket.tokens += (elapsed * rate) / 1000;
        bucket.lastMs = nowMs;
      }
      // Capping on every take also applies a burst lowered by a config reload.
      bucket.tokens = Math.min(bucket.tokens, burst);
      bucket.rate = rate;
      bucket.burst = burst;
      // Re-insert at the end to keep the Map in least-recently-used order.
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    this.#sweep(nowMs, key);

    if (bucket.tokens < 1 - EPSILON) return false;
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    return true;
  }

  /** Deletes full buckets from the old end of the Map, stopping at the first one that isn't full. */
  #sweep(nowMs: number, current: string): void {
    for (let i = 0; i < this.#sweepPerTake; i++) {
      const oldest = this.#buckets.entries().next();
      if (oldest.done === true) return;
      const [key, bucket] = oldest.value;
      if (key === current || !isFull(bucket, nowMs)) return;
      this.#buckets.delete(key);
    }
  }

  #evictOldest(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}

/** True when the bucket would be full at `nowMs`, so it holds nothing a new bucket wouldn't. */
function isFull(bucket: Bucket, nowMs: number): boolean {
  const elapsed = Math.max(0, nowMs - bucket.lastMs);
  return bucket.tokens + (elapsed * bucket.rate) / 1000 >= bucket.burst - EPSILON;
}
