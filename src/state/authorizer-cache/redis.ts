/**
 * Lambda authorizer results in Redis, shared by every gateway node: a caller authorized
 * through node A is not sent to the authorizer again through node B within the TTL.
 * Passes test/contract/authorizer-cache.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
 *
 * A value is a JSON string under `portico:authz:{<key>}` with a millisecond TTL (`SET … PX`),
 * so Redis expires it by itself. Keys are hashes of the identity values (the phases never put a
 * raw token in a key), prefixed by their API stage's scope so a flush is a prefix scan.
 *
 * A cache must never make a request fail: while Redis is down `get` resolves `undefined` (a
 * miss: the authorizer is invoked) and `set` resolves having stored nothing. The outage itself
 * is logged once by the shared connection. Only `flush`, an admin call, rejects.
 */
import type { AuthorizerCacheStore, JsonValue } from './types.ts';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/connection.ts';

/** Keys deleted per UNLINK during a flush (and asked for per SCAN step). */
const FLUSH_BATCH = 500;

/** Escapes Redis glob characters, so a prefix matches only itself in `SCAN MATCH`. */
const globSafe = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** {@link AuthorizerCacheStore} in Redis, shared by every node connected to it. */
export class RedisAuthorizerCache implements AuthorizerCacheStore {
  readonly #redis: RedisConnection;
  #closed = false;

  /** Takes a reference on `redis`, released by {@link close}. */
  constructor(redis: RedisConnection) {
    this.#redis = redis.acquire();
  }

  /** {@inheritDoc AuthorizerCacheStore.get} A Redis failure or an unreadable value is a miss. */
  async get(key: string): Promise<JsonValue | undefined> {
    if (this.#closed) return undefined;
    const redis = this.#redis;
    try {
      const text = await redis.call(() => redis.client.get(redis.key('authz', key)));
      return text === null ? undefined : (JSON.parse(text) as JsonValue);
    } catch {
      return undefined;
    }
  }

  /** {@inheritDoc AuthorizerCacheStore.set} A Redis failure stores nothing and is not reported to the caller. */
  async set(key: string, value: JsonValue, ttlSeconds: number): Promise<void> {
    if (this.#closed) return;
    const redis = this.#redis;
    const redisKey = redis.key('authz', key);
    try {
      // NaN, 0 and negative TTLs store nothing and forget an older value, as the memory store does.
      if (!(ttlSeconds > 0)) await redis.call(() => redis.client.del(redisKey));
      else await redis.call(() => redis.client.set(redisKey, JSON.stringify(value), 'PX', Math.max(1, Math.ceil(ttlSeconds * 1000))));
    } catch {
      // A cache write that fails costs one more authorizer invocation later, nothing else.
    }
  }

  /**
   * {@inheritDoc AuthorizerCacheStore.flush} SCANs (never KEYS, which blocks the server) for the
   * prefix and UNLINKs in batches. Rejects when Redis fails, so the admin call can say so.
   * In a Redis Cluster the keys of a stage spread over every master (each has its own hash
   * tag), so each master is scanned, and each key is unlinked by its own command, pipelined:
   * one UNLINK of keys in different slots would fail with CROSSSLOT.
   */
  async flush(prefix: string): Promise<number> {
    const redis = this.#redis;
    // key() wraps the logical key in a hash tag: drop its closing brace and match what follows.
    const pattern = `${globSafe(redis.key('authz', prefix).slice(0, -1))}*`;
    const masters = await redis.call(async () => redis.masters());
    const counts = await Promise.all(masters.map((node) => this.#flushNode(node, pattern)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** SCAN + UNLINK of the keys matching `pattern` on one server. */
  async #flushNode(node: Redis, pattern: string): Promise<number> {
    const redis = this.#redis;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.call(() => node.scan(cursor, 'MATCH', pattern, 'COUNT', FLUSH_BATCH));
      cursor = next;
      if (keys.length === 0) continue;
      const replies = await redis.call(async () => (await node.pipeline(keys.map((k) => ['unlink', k])).exec()) ?? []);
      for (const [err, n] of replies) {
        if (err) throw err;
        deleted += Number(n);
      }
    } while (cursor !== '0');
    return deleted;
  }

  /** Releases the shared client; the values stay in Redis for the other nodes until their TTL. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.release();
  }
}
