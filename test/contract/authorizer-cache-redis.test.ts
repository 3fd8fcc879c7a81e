/**
 * The AuthorizerCacheStore contract (authorizer-cache.ts) against the Redis store on a real
 * redis-server, plus what only Redis has: several nodes sharing values, Redis's own expiry,
 * and an outage, which must be a cache miss and never an error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisAuthorizerCache } from '../../src/state/authorizer-cache/redis.ts';
import { connectRedis, startRedis, type TestRedis } from '../helpers/redis.ts';
import { authorizerCacheContract } from './authorizer-cache.ts';

let server: TestRedis;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

const connection = (url = server.url): Promise<RedisConnection> => connectRedis(url);

authorizerCacheContract('redis', async () => new RedisAuthorizerCache(await connection()));

describe('RedisAuthorizerCache: what only Redis has', () => {
  test('a value set through one node is read through another', async (t) => {
    const a = new RedisAuthorizerCache(await connection());
    const b = new RedisAuthorizerCache(await connection());
    t.after(() => Promise.all([a.close(), b.close()]));
    const key = `authz:api1/prod/${randomUUID()}`;
    await a.set(key, { principalId: 'u1', context: { n: 1 } }, 300);
    assert.deepEqual(await b.get(key), { principalId: 'u1', context: { n: 1 } });
    assert.equal(await b.flush(`authz:api1/prod/${key.slice(-36, -30)}`), 1);
    assert.equal(await a.get(key), undefined);
  });

  test('the key holds a hash tag and a TTL of the given seconds, set by Redis', async (t) => {
    const raw = await connection();
    raw.acquire();
    t.after(() => raw.release());
    const store = new RedisAuthorizerCache(raw);
    t.after(() => store.close());
    const key = `authz:abc/$default/${randomUUID()}`;
    await store.set(key, 'v', 300);
    const redisKey = raw.key('authz', key);
    assert.match(redisKey, /^portico:authz:\{authz:abc\/\$default\/[0-9a-f-]+\}$/);
    const ttl = await raw.client.pttl(redisKey);
    assert.ok(ttl > 290_000 && ttl <= 300_000, `ttl ${ttl}`);
  });

  test('flush of one stage leaves other stages and other prefixes alone across many keys', async (t) => {
    const store = new RedisAuthorizerCache(await connection());
    t.after(() => store.close());
    const api = randomUUID().slice(0, 8);
    // More keys than one SCAN batch, so the cursor loop runs more than once.
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.set(`authz:${api}/prod/${i}`, i, 300)));
    await store.set(`authz:${api}/prod2/x`, 'other stage', 300);
    assert.equal(await store.flush(`authz:${api}/prod/`), 1200);
    assert.equal(await store.get(`authz:${api}/prod/7`), undefined);
    assert.equal(await store.get(`authz:${api}/prod2/x`), 'other stage');
  });

  test('Redis down: get is a miss and set resolves, at once; flush rejects; after a restart it works again', async (t) => {
    const own = await startRedis(t);
    const store = new RedisAuthorizerCache(await connection(own.url));
    t.after(() => store.close());
    await store.set('authz:a/b/k', 'v', 300);
    assert.equal(await store.get('authz:a/b/k'), 'v');
    await own.kill();
    const start = Date.now();
    assert.equal(await store.get('authz:a/b/k'), undefined);
    await store.set('authz:a/b/k2', 'v', 300);
    assert.ok(Date.now() - start < 1500, 'failed fast');
    await assert.rejects(store.flush('authz:a/b/'));
    await own.restart();
    const deadline = Date.now() + 5000;
    while ((await store.get('authz:a/b/k')) === undefined && Date.now() < deadline) {
      await store.set('authz:a/b/k', 'again', 300);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await store.get('authz:a/b/k'), 'again');
  });
});
