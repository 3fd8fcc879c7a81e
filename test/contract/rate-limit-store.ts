/**
 * The contract every RateLimitStore passes (memory, and Redis in redis-stores.test.ts). It is the undici
 * `cacheStoreTests` pattern: one suite, run once per implementation.
 *
 * Time is always injected through `nowMs`, so no test sleeps. Keys are random per test, so an
 * implementation backed by a shared server (Redis) can run the suite in a dirty database. Times
 * start from a realistic epoch value, because a store may do its arithmetic in server-side ms.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 */
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { RateLimitStore, TokenBucketLimit } from '../../src/state/rate-limit/types.ts';

const T0 = 1_700_000_000_000;

/** Takes `n` tokens at `nowMs` one after another. Returns how many were allowed. */
async function takeN(store: RateLimitStore, key: string, limit: TokenBucketLimit, n: number, nowMs: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (await store.take(key, limit, nowMs)) allowed++;
  return allowed;
}

/**
 * Registers the RateLimitStore contract tests under `describe(name)`. `make` creates a fresh
 * store; each test closes its own.
 */
export function rateLimitStoreContract(name: string, make: () => Promise<RateLimitStore>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    /** A fresh store for one test, closed when the test ends, and a key no other test uses. */
    async function setup(t: TestContext): Promise<{ store: RateLimitStore; key: (s?: string) => string }> {
      const store = await make();
      t.after(() => store.close());
      const prefix = `portico-contract:${randomUUID()}`;
      return { store, key: (s = 'k') => `${prefix}:${s}` };
    }

    test('a new bucket is full: exactly `burst` immediate takes pass, then it refuses', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1, burst: 5 };
      assert.equal(await takeN(store, key(), limit, 5, T0), 5);
      assert.equal(await store.take(key(), limit, T0), false);
      assert.equal(await store.take(key(), limit, T0), false);
    });

    test('after dt seconds it refills floor(rate × dt) tokens', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 2, burst: 10 };
      assert.equal(await takeN(store, key(), limit, 10, T0), 10);
      // 2 tokens/s × 1.5 s = 3 tokens
      assert.equal(await takeN(store, key(), limit, 5, T0 + 1500), 3);
    });

    test('refill is capped at the burst', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 100, burst: 3 };
      assert.equal(await takeN(store, key(), limit, 3, T0), 3);
      assert.equal(await takeN(store, key(), limit, 10, T0 + 60_000), 3);
    });

    test('partial tokens carry over across refused takes', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1, burst: 1 };
      assert.equal(await store.take(key(), limit, T0), true);
      assert.equal(await store.take(key(), limit, T0 + 400), false);
      assert.equal(await store.take(key(), limit, T0 + 800), false);
      assert.equal(await store.take(key(), limit, T0 + 1000), true);
      assert.equal(await store.take(key(), limit, T0 + 1000), false);
    });

    test('separate keys have independent buckets', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1, burst: 2 };
      assert.equal(await takeN(store, key('a'), limit, 3, T0), 2);
      assert.equal(await takeN(store, key('b'), limit, 3, T0), 2);
      assert.equal(await store.take(key('a'), limit, T0), false);
    });

    test('burst 0 always refuses, however much time passes', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1000, burst: 0 };
      assert.equal(await store.take(key(), limit, T0), false);
      assert.equal(await store.take(key(), limit, T0 + 3_600_000), false);
    });

    test('rate 0 never refills once the burst is spent', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 0, burst: 2 };
      assert.equal(await takeN(store, key(), limit, 3, T0), 2);
      assert.equal(await store.take(key(), limit, T0 + 3_600_000), false);
    });

    test('a fractional rate below 1/s refills one token every 1/rate seconds', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 0.5, burst: 1 };
      assert.equal(await store.take(key(), limit, T0), true);
      assert.equal(await store.take(key(), limit, T0 + 1000), false);
      assert.equal(await store.take(key(), limit, T0 + 2000), true);
    });

    test('a fractional rate above 1/s gives floor(rate × dt)', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 2.5, burst: 10 };
      assert.equal(await takeN(store, key(), limit, 10, T0), 10);
      assert.equal(await takeN(store, key(), limit, 10, T0 + 2000), 5);
      // 0.1/s over 30 s is exactly 3 tokens, with no floating-point shortfall
      const slow = { rate: 0.1, burst: 5 };
      assert.equal(await takeN(store, key('slow'), slow, 5, T0), 5);
      assert.equal(await takeN(store, key('slow'), slow, 5, T0 + 30_000), 3);
    });

    test('concurrent takes never admit more than the burst', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1, burst: 5 };
      const results = await Promise.all(Array.from({ length: 12 }, () => store.take(key(), limit, T0)));
      assert.equal(results.filter(Boolean).length, 5);
    });

    test('a clock that goes backwards adds no tokens', async (t) => {
      const { store, key } = await setup(t);
      const limit = { rate: 1, burst: 2 };
      assert.equal(await takeN(store, key(), limit, 2, T0 + 1000), 2);
      assert.equal(await store.take(key(), limit, T0), false);
      assert.equal(await store.take(key(), limit, T0 + 1000), false);
      assert.equal(await takeN(store, key(), limit, 2, T0 + 2000), 1);
    });

    test('a lower burst (config reload) caps the tokens already held', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await store.take(key(), { rate: 1, burst: 10 }, T0), true);
      assert.equal(await takeN(store, key(), { rate: 1, burst: 2 }, 5, T0), 2);
    });

    test('close resolves', async () => {
      const store = await make();
      await store.close();
    });
  });
}
