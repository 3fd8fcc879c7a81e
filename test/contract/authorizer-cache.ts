/**
 * The contract every AuthorizerCacheStore passes, run once per implementation: memory by
 * authorizer-cache.test.ts, Redis by authorizer-cache-redis.test.ts. Keys are random per test, so a store backed
 * by a shared server can run the suite in a dirty database. Expiry is checked by waiting past
 * a short TTL (never by asserting how long anything took), so no test depends on a fast machine.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
 */
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import type { AuthorizerCacheStore, JsonValue } from '../../src/state/authorizer-cache/types.ts';

const RESULT: JsonValue = {
  principalId: 'user-1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/*' }] },
  context: { s: 'x', n: 1, b: true, z: null },
};

/** Registers the AuthorizerCacheStore contract tests under `describe(name)`; `make` creates a fresh store. */
export function authorizerCacheContract(name: string, make: () => Promise<AuthorizerCacheStore>): void {
  describe(`AuthorizerCacheStore contract: ${name}`, () => {
    async function setup(t: TestContext): Promise<{ store: AuthorizerCacheStore; key: (s?: string) => string }> {
      const store = await make();
      t.after(() => store.close());
      const prefix = `portico-contract:${randomUUID()}`;
      return { store, key: (s = 'k') => `${prefix}:${s}` };
    }

    test('a stored value comes back equal, JSON types kept', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key(), RESULT, 300);
      assert.deepEqual(await store.get(key()), RESULT);
    });

    test('an unknown key gives undefined', async (t) => {
      const { store, key } = await setup(t);
      assert.equal(await store.get(key('missing')), undefined);
    });

    test('keys are separate', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key('a'), 'A', 300);
      await store.set(key('b'), 'B', 300);
      assert.equal(await store.get(key('a')), 'A');
      assert.equal(await store.get(key('b')), 'B');
    });

    test('a later set replaces the value', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key(), 'first', 300);
      await store.set(key(), 'second', 300);
      assert.equal(await store.get(key()), 'second');
    });

    test('a value is gone once its TTL has passed', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key('short'), 'x', 0.05);
      await store.set(key('long'), 'y', 300);
      await sleep(120);
      assert.equal(await store.get(key('short')), undefined);
      assert.equal(await store.get(key('long')), 'y');
    });

    test('a TTL of 0 (caching disabled) or less stores nothing', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key('zero'), 'x', 0);
      await store.set(key('negative'), 'x', -5);
      assert.equal(await store.get(key('zero')), undefined);
      assert.equal(await store.get(key('negative')), undefined);
    });

    test('flush(prefix) forgets exactly the keys starting with it and says how many', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.flush, 'the store can flush');
      await store.set(key('authz:api1/prod/a'), 'a', 300);
      await store.set(key('authz:api1/prod/b'), 'b', 300);
      await store.set(key('authz:api1/prod2/c'), 'c', 300);
      await store.set(key('authz:api2/prod/d'), 'd', 300);
      assert.equal(await store.flush(key('authz:api1/prod/')), 2);
      assert.equal(await store.get(key('authz:api1/prod/a')), undefined);
      assert.equal(await store.get(key('authz:api1/prod/b')), undefined);
      assert.equal(await store.get(key('authz:api1/prod2/c')), 'c');
      assert.equal(await store.get(key('authz:api2/prod/d')), 'd');
      assert.equal(await store.flush(key('authz:api1/prod/')), 0);
    });

    test('a flush prefix is literal: glob and brace characters match only themselves', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.flush);
      await store.set(key('x*y{1}'), 1, 300);
      await store.set(key('xzy{1}'), 2, 300);
      await store.set(key('x?y[1]'), 3, 300);
      assert.equal(await store.flush(key('x*')), 1);
      assert.equal(await store.flush(key('x?y[')), 1);
      assert.equal(await store.get(key('xzy{1}')), 2);
    });

    test('values set after a flush are kept', async (t) => {
      const { store, key } = await setup(t);
      assert.ok(store.flush);
      await store.set(key('p/a'), 1, 300);
      await store.flush(key('p/'));
      await store.set(key('p/a'), 2, 300);
      assert.equal(await store.get(key('p/a')), 2);
    });

    test('close() forgets the values', async (t) => {
      const { store, key } = await setup(t);
      await store.set(key(), 'x', 300);
      await store.close();
      assert.equal(await store.get(key()), undefined);
    });
  });
}
