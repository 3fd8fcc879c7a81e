/**
 * The ResponseCacheStore contract (response-cache.ts) against RedisResponseCache on a real
 * redis-server, plus what only Redis has: several nodes sharing entries, the key layout (one
 * hash tag per stage), an O(1) flush, and an outage that rejects at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisResponseCache } from '../../src/state/response-cache/redis.ts';
import type { CachedResponse } from '../../src/state/response-cache/types.ts';
import { connectRedis, startRedis, type TestRedis } from '../helpers/redis.ts';
import { responseCacheContract } from './response-cache.ts';

let server: TestRedis;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

const connection = (url = server.url): Promise<RedisConnection> => connectRedis(url);

responseCacheContract('redis', async () => new RedisResponseCache(await connection()));

const value: CachedResponse = { statusCode: 200, headers: [['Content-Type', 'text/plain']], body: Buffer.from('hello') };

describe('RedisResponseCache: what only Redis has', () => {
  test('an entry set through one node is read through another', async (t) => {
    const a = new RedisResponseCache(await connection());
    const b = new RedisResponseCache(await connection());
    t.after(() => Promise.all([a.close(), b.close()]));
    const ns = `${randomUUID()}/prod`;
    await a.set(ns, 'GET /pets', value, { ttlSeconds: 60 });
    assert.deepEqual(await b.get(ns, 'GET /pets'), value);
    await b.flush(ns);
    assert.equal(await a.get(ns, 'GET /pets'), undefined);
  });

  test("a stage's counter and entries share one hash tag; a flush is one INCR and entries keep their TTL", async (t) => {
    const raw = await connection();
    raw.acquire();
    t.after(() => raw.release());
    const store = new RedisResponseCache(raw);
    t.after(() => store.close());
    const ns = `${randomUUID()}/prod`;
    await store.set(ns, 'k', value, { ttlSeconds: 30 });
    const counter = raw.key('rc', ns);
    assert.match(counter, /^portico:rc:\{[^{}]+\}$/);
    const keys = await raw.client.keys(`${counter.replace(/[{}]/g, '\\$&')}:*`);
    assert.equal(keys.length, 1);
    assert.ok((keys[0] ?? '').startsWith(`${counter}:0:`));
    const ttl = await raw.client.pttl(keys[0] ?? '');
    assert.ok(ttl > 29_000 && ttl <= 30_000, `ttl ${ttl}`);
    await store.flush(ns);
    assert.equal(await raw.client.get(counter), '1');
    await store.set(ns, 'k', value, { ttlSeconds: 30 });
    assert.equal((await raw.client.keys(`${counter.replace(/[{}]/g, '\\$&')}:1:*`)).length, 1);
  });

  test('Redis stopped: calls reject at once; after a restart they work again', async (t) => {
    const own = await startRedis(t);
    const store = new RedisResponseCache(await connection(own.url));
    t.after(() => store.close());
    await own.kill();
    const start = Date.now();
    await assert.rejects(store.get('ns', 'k'));
    await assert.rejects(store.set('ns', 'k', value, { ttlSeconds: 60 }));
    assert.ok(Date.now() - start < 500, 'failed fast');
    assert.equal(await store.ready(), false);
    await own.restart();
    for (let i = 0; i < 50 && !(await store.ready()); i++) await new Promise((r) => setTimeout(r, 100));
    await store.set('ns', 'k', value, { ttlSeconds: 60 });
    assert.deepEqual(await store.get('ns', 'k'), value);
  });
});
