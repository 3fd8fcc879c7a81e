/**
 * Token buckets in Redis, shared by every gateway node: the same algorithm as memory.ts (a
 * bucket starts full at `burst` and refills at `rate` tokens/s; a request takes one token),
 * run as ONE Lua script per take, so a read-refill-take-write is atomic across nodes. Passes
 * test/contract/rate-limit-store.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 *
 * - Time: `take` without `nowMs` (what the phases do) uses Redis's own clock (`TIME`), so nodes
 *   whose clocks disagree still share one timeline. Scripts may call TIME before writing since
 *   Redis 5, which replicates a script's effects rather than the script
 *   (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#script-replication).
 * - A bucket is a hash `{t: tokens, l: last refill ms}` under `portico:rl:{<key>}`.
 * - Idle buckets expire: the key's TTL is the time it takes to refill to full. An expired bucket
 *   comes back full, exactly what it would hold, so expiry loses nothing. A bucket with rate 0
 *   never refills; its TTL is capped at {@link MAX_TTL_MS}, after which it starts full again
 *   (memory.ts drops such buckets under its `maxBuckets` cap, with the same bias to admitting).
 */
import type { RateLimitStore, TokenBucketLimit } from './types.ts';
import { RedisScript, type RedisConnection } from '../redis/connection.ts';

/** The longest an idle bucket is kept: one day. */
export const MAX_TTL_MS = 86_400_000;

/**
 * KEYS[1] the bucket; ARGV: rate, burst, nowMs ('' = Redis TIME), max TTL ms. Returns 1 (taken)
 * or 0 (refused). EPSILON as in memory.ts: 0.1/s × 30 s must give 3 tokens, not 2.999….
 */
const TAKE = new RedisScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local EPSILON = 1e-9
if not (burst >= 1 - EPSILON) then return 0 end
if not (rate > 0) then rate = 0 end
local h = redis.call('HMGET', KEYS[1], 't', 'l')
local tokens = tonumber(h[1])
local last = tonumber(h[2])
if tokens == nil or last == nil then
  tokens = burst
  last = now
else
  -- A clock that goes backwards refills nothing and keeps the later 'last'.
  local elapsed = now - last
  if elapsed > 0 then
    tokens = tokens + elapsed * rate / 1000
    last = now
  end
  -- Also applies a burst lowered by a config reload.
  if tokens > burst then tokens = burst end
end
local allowed = 0
if tokens >= 1 - EPSILON then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'l', string.format('%.17g', last))
local ttl = tonumber(ARGV[4])
if rate > 0 then ttl = math.min(ttl, math.ceil((burst - tokens) * 1000 / rate) + 1000) end
redis.call('PEXPIRE', KEYS[1], ttl)
return allowed
`);

/** {@link RateLimitStore} in Redis, shared by every node connected to it. */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: RedisConnection;
  #closed = false;

  /** Takes a reference on `redis`, released by {@link close}. */
  constructor(redis: RedisConnection) {
    this.#redis = redis.acquire();
  }

  /** {@inheritDoc RateLimitStore.take} Rejects when Redis fails (the caller's fail mode decides). */
  async take(key: string, limit: TokenBucketLimit, nowMs?: number): Promise<boolean> {
    // burst 0 refuses without a round trip (and NaN too), as memory.ts does.
    if (!(limit.burst >= 1 - 1e-9)) return false;
    const redis = this.#redis;
    const args = [limit.rate > 0 ? limit.rate : 0, limit.burst, nowMs ?? '', MAX_TTL_MS];
    const result = await redis.call(() => TAKE.run(redis.client, redis.key('rl', key), args));
    return result === 1;
  }

  /** {@inheritDoc RateLimitStore.ready} */
  ready(): Promise<boolean> {
    return this.#redis.ready();
  }

  /** Releases the shared client; the buckets stay in Redis for the other nodes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.release();
  }
}
