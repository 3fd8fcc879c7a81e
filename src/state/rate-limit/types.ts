/**
 * Token buckets for throttling (AWS's rate + burst). memory.ts for one process, redis.ts
 * shared by several; both pass test/contract/rate-limit-store.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 */
export interface TokenBucketLimit {
  /** Tokens added per second (may be fractional). */
  readonly rate: number;
  /** Bucket size; a full bucket allows this many requests at once. */
  readonly burst: number;
}

export interface RateLimitStore {
  /**
   * Takes one token from the bucket `key`, created full. Resolves true when allowed, false
   * when the bucket is empty. A burst of 0 always refuses (AWS: throttle 0 blocks the route).
   */
  take(key: string, limit: TokenBucketLimit, nowMs?: number): Promise<boolean>;
  /**
   * Resolves true when the store can serve right now (a shared store: its server answers);
   * never rejects. For a later `/ready` endpoint. Absent on test doubles: always ready.
   */
  ready?(): Promise<boolean>;
  close(): Promise<void>;
}
