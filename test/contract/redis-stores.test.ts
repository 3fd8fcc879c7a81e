/**
 * The state contracts (rate-limit-store.ts, quota-store.ts, connection-registry.ts) run against
 * the Redis implementations on a real redis-server, plus what only Redis has: keys, TTLs,
 * Redis's clock, several nodes on one server, and an outage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisRateLimitStore } from '../../src/state/rate-limit/redis.ts';
import { RedisQuotaStore } from '../../src/state/quota/redis.ts';
import { RedisConnectionRegistry } from '../../src/state/connections/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { rateLimitStoreContract } from './rate-limit-store.ts';
import { quotaStoreContract } from './quota-store.ts';
import { connectionRegistryContract } from './connection-registry.ts';

let server: TestRedis;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

/** A connection to the test server, waiting until it is ready. */
async function connection(options: { logger?: pino.Logger } = {}): Promise<RedisConnection> {
  const redis = new RedisConnection({ url: server.url, ...options });
  assert.ok(await redis.waitReady(5000), 'redis is reachable');
  return redis;
}

rateLimitStoreContract('redis', async () => new RedisRateLimitStore(await connection()));
quotaStoreContract('redis', async () => new RedisQuotaStore(await connection()));
connectionRegistryContract('redis', async () => {
  const registry = new RedisConnectionRegistry({ redis: await connection(), nodeId: randomUUID() });
  assert.ok(await registry.ready());
  return registry;
});

/** A store and a raw client to look at what it wrote; both closed after the test. */
async function inspect(t: test.TestContext): Promise<RedisConnection> {
  const raw = await connection();
  raw.acquire();
  t.after(() => raw.release());
  return raw;
}

describe('Redis stores: what only Redis has', () => {
  test('a bucket key carries a hash tag around the percent-encoded key, and a TTL until it would be full', async (t) => {
    const raw = await inspect(t);
    const store = new RedisRateLimitStore(raw);
    t.after(() => store.close());
    const key = `api:dev:GET /pets/{id}:${randomUUID()}`;
    assert.equal(await store.take(key, { rate: 1, burst: 10 }), true);
    const redisKey = `portico:rl:{${key.replace('{', '%7B').replace('}', '%7D')}}`;
    assert.equal(raw.key('rl', key), redisKey);
    const ttl = await raw.client.pttl(redisKey);
    // One token short of 10 at 1/s: full again in 1 s (+1 s of slack).
    assert.ok(ttl > 1000 && ttl <= 2000, `ttl ${ttl}`);
  });

  test('keys stay distinct whatever braces or percent signs the logical key holds', async (t) => {
    const raw = await inspect(t);
    const keys = ['a{b}', 'a%7Bb%7D', 'a%257Bb', 'a{b', 'a}b'].map((k) => raw.key('quota', k));
    assert.equal(new Set(keys).size, keys.length);
    for (const k of keys) assert.match(k, /^portico:quota:\{[^{}]+\}$/);
  });

  test('without nowMs, buckets use Redis time: two nodes share one burst', async (t) => {
    const a = new RedisRateLimitStore(await connection());
    const b = new RedisRateLimitStore(await connection());
    t.after(() => Promise.all([a.close(), b.close()]));
    const key = randomUUID();
    const limit = { rate: 0.001, burst: 5 };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take(key, limit)));
    assert.equal(results.filter(Boolean).length, 5);
  });

  test('three nodes consuming one quota concurrently admit exactly the limit', async (t) => {
    const stores = await Promise.all([1, 2, 3].map(async () => new RedisQuotaStore(await connection())));
    t.after(() => Promise.all(stores.map((s) => s.close())));
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 90 }, (_, i) => (stores[i % 3] as RedisQuotaStore).consume(key, 37, 0, 86_400_000)));
    assert.equal(results.filter((r) => r.allowed).length, 37);
    assert.deepEqual(results.filter((r) => r.allowed).map((r) => r.remaining).sort((x, y) => x - y), Array.from({ length: 37 }, (_, i) => i));
  });

  test('a quota counter expires one window (plus a minute) after its last write', async (t) => {
    const raw = await inspect(t);
    const store = new RedisQuotaStore(raw);
    t.after(() => store.close());
    const key = randomUUID();
    await store.consume(key, 5, 1_000_000, 1_000_000 + 3_600_000);
    const ttl = await raw.client.pttl(raw.key('quota', key));
    assert.ok(ttl > 3_600_000 && ttl <= 3_660_000, `ttl ${ttl}`);
  });

  test('Redis killed: calls reject at once, the outage is logged once and counted; after a restart they work again', async (t) => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    // A server of its own: killing the shared one would disturb the other tests.
    const own = await startRedis(t);
    const redis = new RedisConnection({ url: own.url, logger: pino({ base: null }, sink) });
    assert.ok(await redis.waitReady(5000));
    const rate = new RedisRateLimitStore(redis);
    const quota = new RedisQuotaStore(redis);
    t.after(() => Promise.all([rate.close(), quota.close()]));
    const limit = { rate: 100, burst: 100 };
    assert.equal(await rate.take('k', limit), true);

    await own.kill();
    for (let i = 0; i < 5; i++) {
      const start = Date.now();
      await assert.rejects(rate.take('k', limit));
      await assert.rejects(quota.consume('q', 5, 0, 1000));
      assert.ok(Date.now() - start < 500, 'failed fast');
    }
    assert.equal(await rate.ready(), false);
    assert.equal(redis.stats.outages, 1);
    assert.ok(redis.stats.failedCommands >= 10);
    assert.equal(lines.filter((l) => l['code'] === 'PORTICO_ERR_REDIS_UNAVAILABLE').length, 1);

    await own.restart();
    assert.ok(await redis.waitReady(5000), 'reconnected');
    assert.equal(await rate.take('k', limit), true);
    assert.equal(await rate.ready(), true);
    assert.ok(lines.some((l) => l['msg'] === 'redis reachable again; shared limits are enforced again'));
  });
});
