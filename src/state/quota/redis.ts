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
 *
 * Daily usage (GetUsage) is a hash `{u: used, r: remaining}` per key and UTC day,
 * `portico:usage:{<key>}:YYYY-MM-DD`: the same hash tag as the counter, so the script that counts
 * the request records it too, atomically, on one Cluster slot. It expires 90 days after its day's
 * last request.
 */
import { USAGE_RETENTION_DAYS, type DailyUsage, type QuotaResult, type QuotaStore } from './types.ts';
import { RedisScript, type RedisConnection } from '../redis/connection.ts';

/** Slack added to a counter's lifetime past its window. */
const GRACE_MS = 60_000;

/** How long a day's usage record lives after its last write. */
const USAGE_TTL_MS = USAGE_RETENTION_DAYS * 86_400_000;

/**
 * KEYS[1] the counter, KEYS[2] (optional) the day's usage record; ARGV: limit, window start
 * ms, window end ms, grace ms, usage TTL ms. Returns {allowed (1|0), remaining}.
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
if KEYS[2] then
  redis.call('HINCRBY', KEYS[2], 'u', 1)
  redis.call('HSET', KEYS[2], 'r', max - used)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
end
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
  async consume(key: string, limit: number, windowStartMs: number, windowEndMs: number, usageDay?: string): Promise<QuotaResult> {
    const redis = this.#redis;
    const keys = usageDay === undefined ? [redis.key('quota', key)] : [redis.key('quota', key), this.#usageKey(key, usageDay)];
    const reply = await redis.call(() => CONSUME.runKeys(redis.client, keys, [limit, windowStartMs, windowEndMs, GRACE_MS, USAGE_TTL_MS]));
    const [allowed, remaining] = Array.isArray(reply) ? (reply as unknown[]) : [];
    return { allowed: allowed === 1, remaining: typeof remaining === 'number' ? remaining : 0 };
  }

  /** {@inheritDoc QuotaStore.usage} One round trip (a pipeline of HMGETs). Rejects when Redis fails. */
  async usage(key: string, days: readonly string[]): Promise<ReadonlyMap<string, DailyUsage>> {
    const found = new Map<string, DailyUsage>();
    if (days.length === 0) return found;
    const redis = this.#redis;
    const replies = await redis.call(async () => {
      const pipeline = redis.client.pipeline();
      for (const day of days) pipeline.hmget(this.#usageKey(key, day), 'u', 'r');
      return (await pipeline.exec()) ?? [];
    });
    replies.forEach(([err, value], i) => {
      if (err) throw err;
      const [u, r] = Array.isArray(value) ? (value as unknown[]) : [];
      const day = days[i];
      if (day !== undefined && typeof u === 'string') found.set(day, { used: Number(u), remaining: Number(r ?? 0) });
    });
    return found;
  }

  /** `portico:usage:{<key>}:<day>`: the counter's hash tag, so one script may touch both. */
  #usageKey(key: string, day: string): string {
    return `${this.#redis.key('usage', key)}:${day}`;
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
