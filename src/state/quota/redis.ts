/**
 * Usage-plan quota counters in Redis, shared by every gateway node. The check and the count
 * are one Lua script, so N nodes under concurrent load admit exactly `limit` requests per
 * window, never one more or one fewer. Passes test/contract/quota-store.ts.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 *
 * A counter is a hash `{s: window start ms, u: used}` under `portico:quota:{<key>}`. The window
 * is stored rather than put in the key, so a call naming an older window (a node whose clock
 * lags) counts in the newer one, as the interface asks, and one key per API key exists at a
 * time. The key expires one window length (plus a minute) after its last write: by then its
 * window has ended and would count from 0 anyway. The TTL is relative because windows are
 * computed from the gateway's clock, which the script does not share.
 */
import type { QuotaResult, QuotaStore } from './types.ts';
import { RedisScript, type RedisConnection } from '../redis/connection.ts';

/** Slack added to a counter's lifetime past its window. */
const GRACE_MS = 60_000;

/**
 * KEYS[1] the counter; ARGV: limit, window start ms, window end ms, grace ms.
 * Returns {allowed (1|0), remaining}.
 */
const CONSUME = new RedisScript(`
local max = tonumber(ARGV[1])
if not (max > 0) then max = 0 else max = math.floor(max) end
local start = tonumber(ARGV[2])
local stop = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 's', 'u')
local held = tonumber(h[1])
local used = tonumber(h[2]) or 0
local ttl = math.max(1000, math.ceil(stop - start)) + tonumber(ARGV[4])
if held == nil or start > held then
  -- A newer window (or none held): start from 0.
  held = start
  used = 0
  redis.call('HSET', KEYS[1], 's', string.format('%.17g', held), 'u', 0)
  redis.call('PEXPIRE', KEYS[1], ttl)
end
if used >= max then return {0, 0} end
used = used + 1
redis.call('HSET', KEYS[1], 'u', used)
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, max - used}
`);

/** {@link QuotaStore} in Redis, shared by every node connected to it. */
export class RedisQuotaStore implements QuotaStore {
  readonly #redis: RedisConnection;
  #closed = false;

  /** Takes a reference on `redis`, released by {@link close}. */
  constructor(redis: RedisConnection) {
    this.#redis = redis.acquire();
  }

  /** {@inheritDoc QuotaStore.consume} Rejects when Redis fails (the caller's fail mode decides). */
  async consume(key: string, limit: number, windowStartMs: number, windowEndMs: number): Promise<QuotaResult> {
    const redis = this.#redis;
    const reply = await redis.call(() => CONSUME.run(redis.client, redis.key('quota', key), [limit, windowStartMs, windowEndMs, GRACE_MS]));
    const [allowed, remaining] = Array.isArray(reply) ? (reply as unknown[]) : [];
    return { allowed: allowed === 1, remaining: typeof remaining === 'number' ? remaining : 0 };
  }

  /** {@inheritDoc QuotaStore.ready} */
  ready(): Promise<boolean> {
    return this.#redis.ready();
  }

  /** Releases the shared client; the counters stay in Redis for the other nodes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.release();
  }
}
