import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiKey, UsagePlan } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import type { Phase, RestContext } from '../types.ts';
import { compileStageAccess, createApiKeyPhase } from './api-key.ts';

const key = (name: string, enabled = true): ApiKey => ({ id: `id-${name}`, name, value: `${name}-key-0123456789abcdef`, enabled });
const plan = (name: string, stages: Array<[string, string]>, keys: ApiKey[]): UsagePlan => ({
  id: `plan-${name}`,
  name,
  apiStages: stages.map(([apiId, stage]) => ({ apiId, stage, throttle: {} })),
  apiKeyIds: keys.map((k) => k.id),
});

const alice = key('alice');
const bob = key('bob');
const off = key('off', false);
const devOnly = key('devonly');
const loner = key('loner');
const access = {
  apiKeys: [alice, bob, off, devOnly, loner],
  usagePlans: [plan('other', [['api2', 'prod']], [alice]), plan('gold', [['api1', 'prod'], ['api1', 'dev']], [alice, off]), plan('silver', [['api1', 'prod']], [bob]), plan('dev', [['api1', 'dev']], [devOnly])],
  createdAtMs: 0,
};

/** Runs the phase: the GatewayError type it throws, or 'passed'. */
async function outcome(phase: Phase<RestContext>, ctx: RestContext): Promise<string> {
  try {
    await phase(ctx);
    return 'passed';
  } catch (err) {
    if (err instanceof GatewayError) return err.type;
    throw err;
  }
}

describe('compileStageAccess', () => {
  test('holds the enabled keys of the plans covering the stage, each with its plan index', () => {
    const prod = compileStageAccess(access, 'api1', 'prod');
    assert.deepEqual(prod.plans.map((p) => p.name), ['gold', 'silver']);
    assert.deepEqual([...prod.grants.values()], [
      { id: 'id-alice', value: alice.value, plan: 0 },
      { id: 'id-bob', value: bob.value, plan: 1 },
    ]);
    assert.deepEqual([...compileStageAccess(access, 'api1', 'dev').grants.keys()], [alice.value, devOnly.value]);
    assert.equal(compileStageAccess(access, 'api1', 'test').grants.size, 0);
  });
});

describe('the API-key phase (apiKeySource HEADER)', () => {
  const phase = createApiKeyPhase({ source: 'HEADER', access: compileStageAccess(access, 'api1', 'prod') });

  test('a valid key passes and fills $context.identity.apiKey / apiKeyId, keeping other identity fields', async () => {
    const { ctx } = makeRestContext({ headers: [['x-api-key', alice.value]] });
    ctx.identity = { user: 'someone' };
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.deepEqual(ctx.identity, { user: 'someone', apiKey: alice.value, apiKeyId: 'id-alice' });
    assert.deepEqual(ctx.apiKey, { keyId: 'id-alice', plan: 0 });
  });

  test('the header name is case-insensitive', async () => {
    const { ctx } = makeRestContext({ headers: [['X-API-Key', bob.value]] });
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.deepEqual(ctx.apiKey, { keyId: 'id-bob', plan: 1 });
  });

  test('no key, or an empty one, is INVALID_API_KEY', async () => {
    assert.equal(await outcome(phase, makeRestContext().ctx), 'INVALID_API_KEY');
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', '']] }).ctx), 'INVALID_API_KEY');
  });

  test('an unknown key is INVALID_API_KEY, and the identity is left alone', async () => {
    const { ctx } = makeRestContext({ headers: [['x-api-key', 'nobody-key-0123456789abcdef']] });
    assert.equal(await outcome(phase, ctx), 'INVALID_API_KEY');
    assert.equal(ctx.identity, undefined);
    assert.equal(ctx.apiKey, undefined);
  });

  test('a disabled key is INVALID_API_KEY', async () => {
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', off.value]] }).ctx), 'INVALID_API_KEY');
  });

  test('a key whose plans do not cover this stage, or in no plan, is INVALID_API_KEY', async () => {
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', devOnly.value]] }).ctx), 'INVALID_API_KEY');
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', loner.value]] }).ctx), 'INVALID_API_KEY');
  });

  test('the key value is compared exactly', async () => {
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', alice.value.toUpperCase()]] }).ctx), 'INVALID_API_KEY');
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', ` ${alice.value}x`]] }).ctx), 'INVALID_API_KEY');
  });
});

describe('the API-key phase (apiKeySource AUTHORIZER)', () => {
  const phase = createApiKeyPhase({ source: 'AUTHORIZER', access: compileStageAccess(access, 'api1', 'prod') });

  test("takes the key from the authorizer's usageIdentifierKey", async () => {
    const { ctx } = makeRestContext({ authorizer: { principalId: 'u1', usageIdentifierKey: bob.value } });
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.deepEqual(ctx.identity, { apiKey: bob.value, apiKeyId: 'id-bob' });
  });

  test('ignores the x-api-key header', async () => {
    assert.equal(await outcome(phase, makeRestContext({ headers: [['x-api-key', alice.value]] }).ctx), 'INVALID_API_KEY');
    assert.equal(await outcome(phase, makeRestContext({ authorizer: { usageIdentifierKey: 42 } }).ctx), 'INVALID_API_KEY');
  });
});
