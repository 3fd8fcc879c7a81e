import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryResponseCache } from '../../src/state/response-cache/memory.ts';
import { entryBytes, type CachedResponse } from '../../src/state/response-cache/types.ts';
import { responseCacheContract } from './response-cache.ts';

responseCacheContract('memory', () => Promise.resolve(new MemoryResponseCache()));

const body = (n: number): CachedResponse => ({ statusCode: 200, headers: [], body: Buffer.alloc(n, 0x61) });

// Memory-only behaviour: the bound in bytes and its LRU order.
describe('MemoryResponseCache', () => {
  const one = entryBytes('a', body(100));

  test('a write past maxBytes evicts the least recently used entries', async () => {
    const store = new MemoryResponseCache({ maxBytes: one * 3 });
    await store.set('ns', 'a', body(100), { ttlSeconds: 60 });
    await store.set('ns', 'b', body(100), { ttlSeconds: 60 });
    await store.set('ns', 'c', body(100), { ttlSeconds: 60 });
    await store.get('ns', 'a'); // 'a' is now the most recently used; 'b' the least
    await store.set('ns', 'd', body(100), { ttlSeconds: 60 });
    assert.equal(await store.get('ns', 'b'), undefined);
    for (const k of ['a', 'c', 'd']) assert.ok(await store.get('ns', k), k);
    assert.equal(store.bytes, one * 3);
  });

  test('entries count by their size: one large entry evicts several small ones', async () => {
    const store = new MemoryResponseCache({ maxBytes: one * 4 });
    for (const k of ['a', 'b', 'c', 'd']) await store.set('ns', k, body(100), { ttlSeconds: 60 });
    await store.set('ns', 'e', body(250), { ttlSeconds: 60 });
    assert.equal(store.size, 2);
    assert.ok(await store.get('ns', 'd'));
    assert.ok(await store.get('ns', 'e'));
    assert.ok(store.bytes <= one * 4);
  });

  test("a namespace's capacity evicts only that namespace's entries", async () => {
    const store = new MemoryResponseCache({ maxBytes: one * 100 });
    await store.set('other', 'x', body(100), { ttlSeconds: 60 });
    for (const k of ['a', 'b', 'c']) await store.set('ns', k, body(100), { ttlSeconds: 60, capacityBytes: one * 2 });
    assert.equal(await store.get('ns', 'a'), undefined);
    assert.ok(await store.get('ns', 'b'));
    assert.ok(await store.get('ns', 'c'));
    assert.ok(await store.get('other', 'x'), 'the other namespace kept its entry');
  });

  test('an entry larger than the capacity is not stored and evicts nothing', async () => {
    const store = new MemoryResponseCache({ maxBytes: one * 2 });
    await store.set('ns', 'a', body(100), { ttlSeconds: 60 });
    await store.set('ns', 'huge', body(1000), { ttlSeconds: 60 });
    assert.equal(await store.get('ns', 'huge'), undefined);
    assert.ok(await store.get('ns', 'a'));
  });

  test('expired entries are dropped and their bytes given back', async () => {
    let now = 1_000;
    const store = new MemoryResponseCache({ now: () => now });
    await store.set('ns', 'a', body(100), { ttlSeconds: 1 });
    now += 999;
    assert.ok(await store.get('ns', 'a'));
    now += 1;
    assert.equal(await store.get('ns', 'a'), undefined);
    assert.equal(store.bytes, 0);
    assert.equal(store.size, 0);
  });

  test('a stored entry is a copy: changing the caller buffer later changes nothing', async () => {
    const store = new MemoryResponseCache();
    const value = body(3);
    await store.set('ns', 'a', value, { ttlSeconds: 60 });
    value.body.fill(0x7a);
    assert.equal((await store.get('ns', 'a'))?.body.toString(), 'aaa');
  });
});
