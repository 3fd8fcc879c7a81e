/** Runs the AuthorizerCacheStore contract against each implementation, plus the memory store's own bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryAuthorizerCache } from '../../src/state/authorizer-cache/memory.ts';
import { authorizerCacheContract } from './authorizer-cache.ts';

authorizerCacheContract('memory', () => Promise.resolve(new MemoryAuthorizerCache()));

test('MemoryAuthorizerCache holds at most maxEntries, dropping the oldest write', async () => {
  const store = new MemoryAuthorizerCache({ maxEntries: 2 });
  await store.set('a', 1, 300);
  await store.set('b', 2, 300);
  await store.set('a', 3, 300);
  await store.set('c', 4, 300);
  assert.equal(store.size, 2);
  assert.equal(await store.get('b'), undefined);
  assert.equal(await store.get('a'), 3);
  assert.equal(await store.get('c'), 4);
});

test('MemoryAuthorizerCache drops expired entries on set, by its clock', async () => {
  let now = 1_000_000;
  const store = new MemoryAuthorizerCache({ now: () => now });
  await store.set('old', 1, 10);
  now += 10_000;
  await store.set('new', 2, 10);
  assert.equal(store.size, 1);
  assert.equal(await store.get('new'), 2);
  now += 9_999;
  assert.equal(await store.get('new'), 2);
  now += 1;
  assert.equal(await store.get('new'), undefined);
});
