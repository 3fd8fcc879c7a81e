import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateLimitStore } from '../../src/state/rate-limit/memory.ts';
import { rateLimitStoreContract } from './rate-limit-store.ts';

rateLimitStoreContract('memory', () => Promise.resolve(new MemoryRateLimitStore()));

// Memory-only behaviour: the contract can't see eviction or the default clock.
describe('MemoryRateLimitStore', () => {
  const limit = { rate: 1, burst: 2 };

  test('evicts an idle bucket once it has refilled to full', async () => {
    const store = new MemoryRateLimitStore();
    await store.take('a', limit, 0);
    await store.take('b', limit, 5_000);
    assert.equal(store.size, 1);
    // Evicting loses nothing: 'a' comes back full.
    assert.equal(await store.take('a', limit, 5_000), true);
    assert.equal(await store.take('a', limit, 5_000), true);
    assert.equal(await store.take('a', limit, 5_000), false);
  });

  test('keeps a bucket that has not refilled yet', async () => {
    const store = new MemoryRateLimitStore();
    await store.take('a', limit, 0);
    await store.take('a', limit, 0);
    await store.take('b', limit, 500);
    assert.equal(store.size, 2);
    assert.equal(await store.take('a', limit, 500), false);
  });

  test('maxBuckets caps memory by dropping the least recently used bucket', async () => {
    const store = new MemoryRateLimitStore({ maxBuckets: 2, sweepPerTake: 0 });
    await store.take('a', { rate: 0, burst: 1 }, 0);
    await store.take('b', { rate: 0, burst: 1 }, 0);
    await store.take('a', { rate: 0, burst: 1 }, 0); // 'a' is now the most recently used
    await store.take('c', { rate: 0, burst: 1 }, 0);
    assert.equal(store.size, 2);
    assert.equal(await store.take('a', { rate: 0, burst: 1 }, 0), false, "'a' survived, still empty");
  });

  test('does not create a bucket for burst 0', async () => {
    const store = new MemoryRateLimitStore();
    assert.equal(await store.take('a', { rate: 5, burst: 0 }), false);
    assert.equal(store.size, 0);
  });

  test('uses the injected clock when nowMs is omitted', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore({ clock: () => now });
    assert.equal(await store.take('a', { rate: 1, burst: 1 }), true);
    assert.equal(await store.take('a', { rate: 1, burst: 1 }), false);
    now = 1000;
    assert.equal(await store.take('a', { rate: 1, burst: 1 }), true);
  });

  test('the default clock works without injection', async () => {
    const store = new MemoryRateLimitStore();
    assert.equal(await store.take('a', { rate: 1, burst: 1 }), true);
    assert.equal(await store.take('a', { rate: 1, burst: 1 }), false);
    await store.close();
    assert.equal(store.size, 0);
  });
});
