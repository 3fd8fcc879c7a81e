/**
 * The contract every ResponseCacheStore passes (memory: response-cache.test.ts; Redis:
 * response-cache-redis.test.ts). Namespaces are random per test, so a store backed by a shared
 * server can run the suite in a dirty database.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CachedResponse, ResponseCacheStore } from '../../src/state/response-cache/types.ts';

/** Every byte value, so a store that decodes bodies as text fails. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

const response = (body: string | Buffer, statusCode = 200): CachedResponse => ({
  statusCode,
  headers: [
    ['Content-Type', 'application/json'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ],
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});

/** Registers the ResponseCacheStore contract tests under `describe(name)`; `make` creates a fresh store. */
export function responseCacheContract(name: string, make: () => Promise<ResponseCacheStore>): void {
  describe(`ResponseCacheStore contract: ${name}`, () => {
    async function setup(t: TestContext): Promise<{ store: ResponseCacheStore; ns: (s?: string) => string }> {
      const store = await make();
      t.after(() => store.close());
      const prefix = randomUUID();
      return { store, ns: (s = 'dev') => `${prefix}/${s}` };
    }

    test('a miss is undefined; a stored entry comes back with its status, repeated headers and body', async (t) => {
      const { store, ns } = await setup(t);
      assert.equal(await store.get(ns(), 'GET /pets'), undefined);
      await store.set(ns(), 'GET /pets', response('{"pets":[]}', 404), { ttlSeconds: 60 });
      assert.deepEqual(await store.get(ns(), 'GET /pets'), response('{"pets":[]}', 404));
    });

    test('bodies are binary-safe, and an empty body stays empty', async (t) => {
      const { store, ns } = await setup(t);
      await store.set(ns(), 'bin', response(BINARY), { ttlSeconds: 60 });
      await store.set(ns(), 'empty', response(''), { ttlSeconds: 60 });
      assert.ok((await store.get(ns(), 'bin'))?.body.equals(BINARY));
      assert.equal((await store.get(ns(), 'empty'))?.body.length, 0);
    });

    test('keys and namespaces are separate; a set replaces the entry', async (t) => {
      const { store, ns } = await setup(t);
      await store.set(ns('a'), 'k', response('a'), { ttlSeconds: 60 });
      await store.set(ns('b'), 'k', response('b'), { ttlSeconds: 60 });
      await store.set(ns('a'), 'k2', response('a2'), { ttlSeconds: 60 });
      await store.set(ns('a'), 'k', response('a-again'), { ttlSeconds: 60 });
      assert.equal((await store.get(ns('a'), 'k'))?.body.toString(), 'a-again');
      assert.equal((await store.get(ns('b'), 'k'))?.body.toString(), 'b');
      assert.equal((await store.get(ns('a'), 'k2'))?.body.toString(), 'a2');
    });

    test('an entry expires after its TTL; a TTL of 0 stores nothing', async (t) => {
      const { store, ns } = await setup(t);
      await store.set(ns(), 'short', response('x'), { ttlSeconds: 0.2 });
      await store.set(ns(), 'long', response('y'), { ttlSeconds: 60 });
      await store.set(ns(), 'zero', response('z'), { ttlSeconds: 0 });
      assert.equal((await store.get(ns(), 'short'))?.body.toString(), 'x');
      assert.equal(await store.get(ns(), 'zero'), undefined);
      await sleep(350);
      assert.equal(await store.get(ns(), 'short'), undefined);
      assert.equal((await store.get(ns(), 'long'))?.body.toString(), 'y');
    });

    test('delete forgets one entry', async (t) => {
      const { store, ns } = await setup(t);
      await store.set(ns(), 'a', response('a'), { ttlSeconds: 60 });
      await store.set(ns(), 'b', response('b'), { ttlSeconds: 60 });
      await store.delete(ns(), 'a');
      await store.delete(ns(), 'never-set');
      assert.equal(await store.get(ns(), 'a'), undefined);
      assert.equal((await store.get(ns(), 'b'))?.body.toString(), 'b');
    });

    test('flush forgets every entry of its namespace only, and the namespace fills again', async (t) => {
      const { store, ns } = await setup(t);
      await store.set(ns('prod'), 'a', response('a'), { ttlSeconds: 60 });
      await store.set(ns('prod'), 'b', response('b'), { ttlSeconds: 60 });
      await store.set(ns('dev'), 'a', response('dev'), { ttlSeconds: 60 });
      await store.flush(ns('prod'));
      await store.flush(ns('never-used'));
      assert.equal(await store.get(ns('prod'), 'a'), undefined);
      assert.equal(await store.get(ns('prod'), 'b'), undefined);
      assert.equal((await store.get(ns('dev'), 'a'))?.body.toString(), 'dev');
      await store.set(ns('prod'), 'a', response('new'), { ttlSeconds: 60 });
      assert.equal((await store.get(ns('prod'), 'a'))?.body.toString(), 'new');
    });
  });
}
