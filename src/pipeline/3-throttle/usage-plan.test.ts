import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsagePlan } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { MemoryRateLimitStore } from '../../state/rate-limit/memory.ts';
import { MemoryQuotaStore } from '../../state/quota/memory.ts';
import type { RateLimitStore } from '../../state/rate-limit/types.ts';
import type { QuotaStore } from '../../state/quota/types.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import { compileStageAccess } from '../2-authorize/api-key.ts';
import type { Phase, RestContext } from '../types.ts';
import { ACCOUNT_LEVEL_LIMIT } from './throttle-phase.ts';
import { createUsagePlanPhase, planMethodLimit, type UsagePlanPhaseOptions } from './usage-plan.ts';

const T0 = Date.parse('2024-03-10T12:00:00Z');
const keys = [
  { id: 'k1', name: 'one', value: 'one-key-0123456789abcdef', enabled: true },
  { id: 'k2', name: 'two', value: 'two-key-0123456789abcdef', enabled: true },
];

/** A plan over api1's prod and dev stages holding both keys. */
const plan = (over: Partial<UsagePlan> = {}): UsagePlan => ({
  id: 'p1',
  name: 'plan',
  apiStages: [
    { apiId: 'api1', stage: 'prod', throttle: { '/slow/GET': { burstLimit: 1 } } },
    { apiId: 'api1', stage: 'dev', throttle: {} },
  ],
  apiKeyIds: ['k1', 'k2'],
  ...over,
});

interface Setup {
  readonly rateLimits?: RateLimitStore;
  readonly quotas?: QuotaStore;
  readonly now?: () => number;
  readonly createdAtMs?: number;
  readonly failOpen?: boolean;
}

/** The phase of `methodKey` on `stage`, with stores whose clocks do not move unless `now` does. */
function compile(p: UsagePlan, methodKey: string, stage = 'prod', s: Setup = {}): Phase<RestContext> | undefined {
  const access = compileStageAccess({ apiKeys: keys, usagePlans: [p], createdAtMs: 0 }, 'api1', stage);
  const opts: UsagePlanPhaseOptions = {
    access,
    apiId: 'api1',
    stageName: stage,
    methodKey,
    rateLimits: s.rateLimits ?? new MemoryRateLimitStore({ clock: () => 0 }),
    quotas: s.quotas ?? new MemoryQuotaStore(),
    createdAtMs: s.createdAtMs ?? 0,
    clock: s.now ?? (() => T0),
    ...(s.failOpen !== undefined ? { failOpen: s.failOpen } : {}),
  };
  return createUsagePlanPhase(opts);
}

/** Runs `phase` `n` times for key `keyId`; returns each outcome ('passed' or the error type). */
async function run(phase: Phase<RestContext> | undefined, n: number, keyId = 'k1'): Promise<string[]> {
  assert.ok(phase, 'a phase was compiled');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { ctx } = makeRestContext();
    ctx.apiKey = { keyId, plan: 0 };
    try {
      await phase(ctx);
      out.push('passed');
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      out.push(err.type);
    }
  }
  return out;
}

describe('planMethodLimit', () => {
  test("the method's fields override the plan's one by one; a missing one is AWS's account limit", () => {
    assert.equal(planMethodLimit(undefined, undefined), undefined);
    assert.equal(planMethodLimit({}, {}), undefined);
    assert.deepEqual(planMethodLimit({ rateLimit: 10, burstLimit: 5 }, undefined), { rate: 10, burst: 5 });
    assert.deepEqual(planMethodLimit({ rateLimit: 10, burstLimit: 5 }, { burstLimit: 1 }), { rate: 10, burst: 1 });
    assert.deepEqual(planMethodLimit(undefined, { rateLimit: 2 }), { rate: 2, burst: ACCOUNT_LEVEL_LIMIT.burst });
  });
});

describe('the usage-plan phase', () => {
  test('is absent when no plan covering the stage sets a throttle or a quota', () => {
    assert.equal(compile(plan({ apiStages: [{ apiId: 'api1', stage: 'dev', throttle: {} }] }), '/pets/GET', 'dev'), undefined);
    assert.equal(compile(plan(), '/pets/GET', 'test'), undefined);
  });

  test("answers THROTTLED once the key's plan burst is spent", async () => {
    assert.deepEqual(await run(compile(plan({ throttle: { rateLimit: 1, burstLimit: 2 } }), '/pets/GET'), 3), ['passed', 'passed', 'THROTTLED']);
  });

  test("the plan's bucket is per key, and shared by the plan's methods and stages", async () => {
    const rateLimits = new MemoryRateLimitStore({ clock: () => 0 });
    const p = plan({ throttle: { rateLimit: 1, burstLimit: 2 } });
    assert.deepEqual(await run(compile(p, '/pets/GET', 'prod', { rateLimits }), 1), ['passed']);
    assert.deepEqual(await run(compile(p, '/toys/POST', 'dev', { rateLimits }), 2), ['passed', 'THROTTLED']);
    assert.deepEqual(await run(compile(p, '/pets/GET', 'prod', { rateLimits }), 2, 'k2'), ['passed', 'passed']);
  });

  test('a per-method throttle gets a bucket of its own, apart from the plan-wide one', async () => {
    const rateLimits = new MemoryRateLimitStore({ clock: () => 0 });
    const p = plan({ throttle: { rateLimit: 1, burstLimit: 2 } });
    assert.deepEqual(await run(compile(p, '/slow/GET', 'prod', { rateLimits }), 2), ['passed', 'THROTTLED']);
    assert.deepEqual(await run(compile(p, '/pets/GET', 'prod', { rateLimits }), 3), ['passed', 'passed', 'THROTTLED']);
    // The override is the prod stage's: on dev the same method uses the plan's bucket (spent).
    assert.deepEqual(await run(compile(p, '/slow/GET', 'dev', { rateLimits }), 1), ['THROTTLED']);
  });

  test('answers QUOTA_EXCEEDED after `limit` requests, counted per key over every stage of the plan', async () => {
    const quotas = new MemoryQuotaStore();
    const p = plan({ quota: { limit: 3, offset: 0, period: 'DAY' } });
    assert.deepEqual(await run(compile(p, '/pets/GET', 'prod', { quotas }), 2), ['passed', 'passed']);
    assert.deepEqual(await run(compile(p, '/toys/GET', 'dev', { quotas }), 2), ['passed', 'QUOTA_EXCEEDED']);
    assert.deepEqual(await run(compile(p, '/pets/GET', 'prod', { quotas }), 1, 'k2'), ['passed']);
  });

  test('the quota starts again in the next period', async () => {
    let now = T0;
    const phase = compile(plan({ quota: { limit: 1, offset: 0, period: 'DAY' } }), '/pets/GET', 'prod', { now: () => now });
    assert.deepEqual(await run(phase, 2), ['passed', 'QUOTA_EXCEEDED']);
    now = Date.parse('2024-03-10T23:59:59.999Z');
    assert.deepEqual(await run(phase, 1), ['QUOTA_EXCEEDED']);
    now = Date.parse('2024-03-11T00:00:00Z');
    assert.deepEqual(await run(phase, 2), ['passed', 'QUOTA_EXCEEDED']);
  });

  test('the offset lowers the limit in the period the plans were created in', async () => {
    let now = T0;
    const phase = compile(plan({ quota: { limit: 3, offset: 2, period: 'WEEK' } }), '/pets/GET', 'prod', { now: () => now, createdAtMs: T0 - 1000 });
    assert.deepEqual(await run(phase, 2), ['passed', 'QUOTA_EXCEEDED']);
    now = Date.parse('2024-03-17T00:00:00Z');
    assert.deepEqual(await run(phase, 4), ['passed', 'passed', 'passed', 'QUOTA_EXCEEDED']);
  });

  test('a throttled request does not count against the quota', async () => {
    const quotas = new MemoryQuotaStore();
    const phase = compile(plan({ throttle: { rateLimit: 0, burstLimit: 1 }, quota: { limit: 2, offset: 0, period: 'DAY' } }), '/pets/GET', 'prod', { quotas });
    assert.deepEqual(await run(phase, 3), ['passed', 'THROTTLED', 'THROTTLED']);
    const window = { start: Date.parse('2024-03-10T00:00:00Z'), end: Date.parse('2024-03-11T00:00:00Z') };
    assert.deepEqual(await quotas.consume('quota:p1:k1', 2, window.start, window.end), { allowed: true, remaining: 0 });
  });

  test('a request without a matched key (no apiKeyRequired) is let through', async () => {
    const phase = compile(plan({ quota: { limit: 0, offset: 0, period: 'DAY' } }), '/pets/GET');
    assert.ok(phase);
    await phase(makeRestContext().ctx);
  });

  test('a failing store lets requests through by default, logged once per outage', async () => {
    let down = true;
    const quotas: QuotaStore = {
      consume: () => (down ? Promise.reject(new Error('redis down')) : Promise.resolve({ allowed: true, remaining: 1 })),
      close: () => Promise.resolve(),
    };
    const phase = compile(plan({ quota: { limit: 1, offset: 0, period: 'DAY' } }), '/pets/GET', 'prod', { quotas });
    assert.ok(phase);
    const lines: Array<{ msg: string }> = [];
    for (let i = 0; i < 3; i++) {
      if (i === 2) down = false;
      const made = makeRestContext();
      made.ctx.apiKey = { keyId: 'k1', plan: 0 };
      await phase(made.ctx);
      lines.push(...made.lines);
    }
    assert.deepEqual(lines.map((l) => l.msg), ['PORTICO_ERR_QUOTA_STORE: usage plan quota store failed; failing open', 'usage plan quota store recovered']);
  });

  test('with failOpen false, a failing store answers API_CONFIGURATION_ERROR', async () => {
    const rateLimits: RateLimitStore = { take: () => Promise.reject(new Error('redis down')), close: () => Promise.resolve() };
    assert.deepEqual(await run(compile(plan({ throttle: { burstLimit: 1 } }), '/pets/GET', 'prod', { rateLimits, failOpen: false }), 1), ['API_CONFIGURATION_ERROR']);
  });
});
