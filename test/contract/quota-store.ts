/**
 * The contract every QuotaStore passes (memory and Redis: redis-stores.test.ts), run once per implementation
 * as rate-limit-store.ts is. Windows are passed in, so no test waits; keys are random per test,
 * so a store backed by a shared server can run the suite in a dirty database.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 */
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { QuotaStore } from '../../src/state/quota/types.ts';

const DAY = 86_400_000;
/** 2023-11-14T00:00:00Z, a realistic window start. */
const W0 = 1_699_920_000_000;
const W1 = W0 + DAY;

/** Consumes `n` times in window `[start, start + DAY)`; returns how many were allowed. */
async function consumeN(store: QuotaStore, key: string, limit: number, n: number, start = W0): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await store.consume(key, limit, start, start + DAY)).allowed) allowed++;
  return allowed;
}

/** Registers the QuotaStore contract tests under `describe(name)`; `make` creates a fresh store. */
export function quotaStoreContract(name: string, make: () => Promise<QuotaStore>): void {
  describe(`QuotaStore contract: ${name}`, () => {
    async function setup(t: TestContext): Promise<{ store: QuotaStore; key: (s?: string) => string }> {
      const store = await make();
      t.after(() => store.close());
      const prefix = `portico-contract:${randomUUID()}`;
      return { store, key: (s = 'k') => `${prefix}:${s}` };
    }

    test('exactly `limit` requests pass in a window, counting `remaining` down to 0', async (t) => {
      const { store, key } = await setup(t);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await store.consume(key(), 3, W0, W1));
      assert.deepEqual(results, [
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
        { allowed: false, remaining: 0 },
        { allowed: false, remaining: 0 },
      ]);
    });

    test('a new window starts from 0', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await consumeN(store, key(), 2, 3, W0), 2);
      assert.equal(await consumeN(store, key(), 2, 3, W1), 2);
    });

    test('a call naming an older window counts in the newer one and does not reset it', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await consumeN(store, key(), 2, 1, W1), 1);
      assert.deepEqual(await store.consume(key(), 2, W0, W1), { allowed: true, remaining: 0 });
      assert.equal((await store.consume(key(), 2, W1, W1 + DAY)).allowed, false);
    });

    test('separate keys count separately', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await consumeN(store, key('a'), 2, 3), 2);
      assert.equal(await consumeN(store, key('b'), 2, 3), 2);
    });

    test('a limit of 0 always refuses', async (t) => {
      const { store, key } = await setup(t);
      assert.deepEqual(await store.consume(key(), 0, W0, W1), { allowed: false, remaining: 0 });
      assert.equal(await consumeN(store, key(), 0, 3, W1), 0);
    });

    test('concurrent requests never pass more than the limit', async (t) => {
      const { store, key } = await setup(t);
      const results = await Promise.all(Array.from({ length: 12 }, () => store.consume(key(), 5, W0, W1)));
      assert.equal(results.filter((r) => r.allowed).length, 5);
      assert.deepEqual(results.filter((r) => r.allowed).map((r) => r.remaining).sort(), [0, 1, 2, 3, 4]);
    });

    test('a changed limit (config reload) applies to what the window already counted', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await consumeN(store, key(), 10, 3), 3);
      assert.equal(await consumeN(store, key(), 4, 3), 1);
      assert.equal(await consumeN(store, key(), 2, 1), 0);
    });

    test('with a usage day, counted requests are recorded per day with the remaining quota', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.usage, 'the store records usage');
      // A weekly window spanning two days: 2 requests on day 1, 3 on day 2 (1 refused).
      const week = W0 + 7 * DAY;
      for (let i = 0; i < 2; i++) await store.consume(key(), 4, W0, week, '2023-11-14');
      for (let i = 0; i < 3; i++) await store.consume(key(), 4, W0, week, '2023-11-15');
      const usage = await store.usage(key(), ['2023-11-13', '2023-11-14', '2023-11-15']);
      assert.deepEqual([...usage], [
        ['2023-11-14', { used: 2, remaining: 2 }],
        ['2023-11-15', { used: 2, remaining: 0 }],
      ]);
    });

    test('usage is per key, and consume without a usage day records none', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.usage);
      await store.consume(key('a'), 5, W0, W1, '2023-11-14');
      await store.consume(key('b'), 5, W0, W1);
      assert.deepEqual([...(await store.usage(key('a'), ['2023-11-14']))], [['2023-11-14', { used: 1, remaining: 4 }]]);
      assert.equal((await store.usage(key('b'), ['2023-11-14'])).size, 0);
      assert.equal((await store.usage(key('c'), [])).size, 0);
    });

    test('concurrent requests are each recorded once in the day', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.usage);
      await Promise.all(Array.from({ length: 12 }, () => store.consume(key(), 5, W0, W1, '2023-11-14')));
      assert.deepEqual(await store.usage(key(), ['2023-11-14']), new Map([['2023-11-14', { used: 5, remaining: 0 }]]));
    });

    test('close resolves', async () => {
      const store = await make();
      await store.close();
    });
  });
}
