import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryQuotaStore } from '../../src/state/quota/memory.ts';
import { quotaStoreContract } from './quota-store.ts';

quotaStoreContract('memory', () => Promise.resolve(new MemoryQuotaStore()));

// Memory-only behaviour: the contract can't see eviction.
describe('MemoryQuotaStore', () => {
  const DAY = 86_400_000;

  test('drops a counter whose window has ended', async () => {
    const store = new MemoryQuotaStore();
    await store.consume('a', 5, 0, DAY);
    await store.consume('b', 5, DAY, 2 * DAY);
    assert.equal(store.size, 1);
    // Dropping loses nothing: 'a' in a new window starts from 0 anyway.
    assert.deepEqual(await store.consume('a', 5, DAY, 2 * DAY), { allowed: true, remaining: 4 });
  });

  test('keeps a counter whose window is still running', async () => {
    const store = new MemoryQuotaStore();
    await store.consume('a', 1, 0, DAY);
    await store.consume('b', 1, 0, DAY);
    assert.equal(store.size, 2);
    assert.equal((await store.consume('a', 1, 0, DAY)).allowed, false);
  });

  test('maxEntries caps memory by dropping the least recently used counter', async () => {
    const store = new MemoryQuotaStore({ maxEntries: 2, sweepPerConsume: 0 });
    await store.consume('a', 1, 0, DAY);
    await store.consume('b', 1, 0, DAY);
    await store.consume('a', 1, 0, DAY); // 'a' is now the most recently used
    await store.consume('c', 1, 0, DAY);
    assert.equal(store.size, 2);
    assert.equal((await store.consume('a', 1, 0, DAY)).allowed, false, "'a' survived, still spent");
  });

  test('close forgets every counter', async () => {
    const store = new MemoryQuotaStore();
    await store.consume('a', 1, 0, DAY);
    await store.close();
    assert.equal(store.size, 0);
    assert.equal((await store.consume('a', 1, 0, DAY)).allowed, true);
  });
});
