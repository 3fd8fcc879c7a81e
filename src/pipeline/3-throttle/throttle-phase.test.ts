import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { Stage } from '../../model/index.ts';
import type { RateLimitStore } from '../../state/rate-limit/types.ts';
import { MemoryRateLimitStore } from '../../state/rate-limit/memory.ts';
import { GatewayError, HTTP_GATEWAY_RESPONSES } from '../../errors/index.ts';
import type { GatewayContext, Phase } from '../types.ts';
import { ACCOUNT_LEVEL_LIMIT, createThrottlePhase, effectiveRouteLimit, storeUnavailable } from './throttle-phase.ts';
import { errorResponse } from '../run.ts';

const stage = (over: Partial<Stage> = {}): Stage => ({
  stageName: 'prod',
  stageVariables: {},
  defaultRouteSettings: {},
  routeSettings: {},
  ...over,
});

/** A minimal context with a logger whose lines land in `lines` (test/helpers/context.ts does not exist yet). */
function makeContext(s: Stage): { ctx: GatewayContext; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const ctx: GatewayContext = {
    requestId: 'req-1',
    requestTimeEpoch: 0,
    request: {
      method: 'GET',
      rawPath: '/prod/pets',
      rawQuery: '',
      rawHeaders: [],
      headers: {},
      host: 'localhost',
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
      scheme: 'http',
      localPort: 3000,
      body: { declaredLength: undefined, read: () => Promise.resolve(Buffer.alloc(0)), stream: () => Readable.from([]) },
    },
    api: { apiId: 'api1', name: 'test', protocolType: 'HTTP', routes: [], stages: [s], source: 'test' },
    stage: s,
    stagePath: '/pets',
    timings: { start: 0n },
    log,
  };
  return { ctx, lines };
}

/** Runs the phase and resolves with the thrown GatewayError's type, or 'passed'. */
async function outcome(phase: Phase, ctx: GatewayContext): Promise<string> {
  try {
    await phase(ctx);
    return 'passed';
  } catch (err) {
    if (err instanceof GatewayError) return err.type;
    throw err;
  }
}

const failingStore: RateLimitStore = {
  take: () => Promise.reject(new Error('ECONNREFUSED')),
  close: () => Promise.resolve(),
};

describe('effectiveRouteLimit', () => {
  test('is undefined when neither the stage nor the route sets a limit', () => {
    assert.equal(effectiveRouteLimit(stage(), 'GET /pets'), undefined);
    assert.equal(effectiveRouteLimit(stage({ routeSettings: { 'GET /pets': {} } }), 'GET /pets'), undefined);
  });

  test('takes the stage default for every route', () => {
    const s = stage({ defaultRouteSettings: { throttlingRateLimit: 10, throttlingBurstLimit: 20 } });
    assert.deepEqual(effectiveRouteLimit(s, 'GET /pets'), { rate: 10, burst: 20 });
  });

  test('lets the route override the default field by field', () => {
    const s = stage({
      defaultRouteSettings: { throttlingRateLimit: 10, throttlingBurstLimit: 20 },
      routeSettings: { 'GET /pets': { throttlingBurstLimit: 2 }, 'POST /pets': { throttlingRateLimit: 1 } },
    });
    assert.deepEqual(effectiveRouteLimit(s, 'GET /pets'), { rate: 10, burst: 2 });
    assert.deepEqual(effectiveRouteLimit(s, 'POST /pets'), { rate: 1, burst: 20 });
    assert.deepEqual(effectiveRouteLimit(s, '$default'), { rate: 10, burst: 20 });
  });

  test('fills a missing rate or burst from the account-level limit', () => {
    assert.deepEqual(effectiveRouteLimit(stage({ defaultRouteSettings: { throttlingRateLimit: 5 } }), 'x'), { rate: 5, burst: ACCOUNT_LEVEL_LIMIT.burst });
    assert.deepEqual(effectiveRouteLimit(stage({ routeSettings: { x: { throttlingBurstLimit: 3 } } }), 'x'), { rate: ACCOUNT_LEVEL_LIMIT.rate, burst: 3 });
  });

  test('keeps an explicit 0', () => {
    assert.deepEqual(effectiveRouteLimit(stage({ defaultRouteSettings: { throttlingRateLimit: 0, throttlingBurstLimit: 0 } }), 'x'), { rate: 0, burst: 0 });
  });
});

describe('createThrottlePhase', () => {
  test('is absent (undefined) when no limit applies, so the route pays nothing', () => {
    assert.equal(createThrottlePhase({ store: new MemoryRateLimitStore(), apiId: 'api1', stage: stage(), routeKey: 'GET /pets' }), undefined);
  });

  test('returns 429 THROTTLED when the burst is spent, and lets requests through again after refill', async () => {
    let now = 0;
    const s = stage({ routeSettings: { 'GET /pets': { throttlingRateLimit: 1, throttlingBurstLimit: 2 } } });
    const phase = createThrottlePhase({ store: new MemoryRateLimitStore({ clock: () => now }), apiId: 'api1', stage: s, routeKey: 'GET /pets' });
    assert.ok(phase);
    const { ctx } = makeContext(s);
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.equal(await outcome(phase, ctx), 'THROTTLED');
    assert.equal(ctx.result, undefined, 'the phase throws; it never writes a result');
    now = 1000;
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.equal(await outcome(phase, ctx), 'THROTTLED');
  });

  test('THROTTLED maps to 429 Too Many Requests in the HTTP table', () => {
    assert.equal(HTTP_GATEWAY_RESPONSES.THROTTLED.status, 429);
    assert.equal(HTTP_GATEWAY_RESPONSES.THROTTLED.message, 'Too Many Requests');
  });

  test('a burst of 0 blocks the route', async () => {
    const s = stage({ defaultRouteSettings: { throttlingRateLimit: 100, throttlingBurstLimit: 0 } });
    const phase = createThrottlePhase({ store: new MemoryRateLimitStore({ clock: () => 0 }), apiId: 'api1', stage: s, routeKey: 'GET /pets' });
    assert.ok(phase);
    assert.equal(await outcome(phase, makeContext(s).ctx), 'THROTTLED');
  });

  test('keys buckets by api, stage and route: routes and stages do not share tokens', async () => {
    const store = new MemoryRateLimitStore({ clock: () => 0 });
    const limits = { defaultRouteSettings: { throttlingRateLimit: 1, throttlingBurstLimit: 1 } };
    const prod = stage(limits);
    const dev = stage({ ...limits, stageName: 'dev' });
    const phases = [
      createThrottlePhase({ store, apiId: 'api1', stage: prod, routeKey: 'GET /a' }),
      createThrottlePhase({ store, apiId: 'api1', stage: prod, routeKey: 'GET /b' }),
      createThrottlePhase({ store, apiId: 'api1', stage: dev, routeKey: 'GET /a' }),
      createThrottlePhase({ store, apiId: 'api2', stage: prod, routeKey: 'GET /a' }),
    ];
    const { ctx } = makeContext(prod);
    for (const phase of phases) {
      assert.ok(phase);
      assert.equal(await outcome(phase, ctx), 'passed');
    }
    assert.ok(phases[0]);
    assert.equal(await outcome(phases[0], ctx), 'THROTTLED');
  });

  test('uses the key `${apiId}:${stageName}:${routeKey}`', async () => {
    const keys: string[] = [];
    const spy: RateLimitStore = { take: (key) => (keys.push(key), Promise.resolve(true)), close: () => Promise.resolve() };
    const s = stage({ defaultRouteSettings: { throttlingBurstLimit: 1 } });
    const phase = createThrottlePhase({ store: spy, apiId: 'a1b2', stage: s, routeKey: 'GET /pets/{id}' });
    assert.ok(phase);
    await phase(makeContext(s).ctx);
    assert.deepEqual(keys, ['a1b2:prod:GET /pets/{id}']);
  });

  test('fails open by default when the store throws, and warns once per outage', async () => {
    const s = stage({ defaultRouteSettings: { throttlingBurstLimit: 1 } });
    const phase = createThrottlePhase({ store: failingStore, apiId: 'api1', stage: s, routeKey: 'GET /pets' });
    assert.ok(phase);
    const { ctx, lines } = makeContext(s);
    assert.equal(await outcome(phase, ctx), 'passed');
    assert.equal(await outcome(phase, ctx), 'passed');
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /PORTICO_ERR_RATE_LIMIT_STORE/);
  });

  test('logs recovery when the store comes back', async () => {
    let down = true;
    const flaky: RateLimitStore = {
      take: () => (down ? Promise.reject(new Error('down')) : Promise.resolve(true)),
      close: () => Promise.resolve(),
    };
    const s = stage({ defaultRouteSettings: { throttlingBurstLimit: 1 } });
    const phase = createThrottlePhase({ store: flaky, apiId: 'api1', stage: s, routeKey: 'GET /pets' });
    assert.ok(phase);
    const { ctx, lines } = makeContext(s);
    await phase(ctx);
    down = false;
    await phase(ctx);
    assert.deepEqual(lines.map((l) => l.level), [40, 30]);
  });

  test('fails closed with a 503 (API_CONFIGURATION_ERROR, status overridden) that chains the store error', async () => {
    const s = stage({ defaultRouteSettings: { throttlingBurstLimit: 1 } });
    const phase = createThrottlePhase({ store: failingStore, apiId: 'api1', stage: s, routeKey: 'GET /pets', failOpen: false });
    assert.ok(phase);
    await assert.rejects(
      async () => phase(makeContext(s).ctx),
      (err: unknown) => err instanceof GatewayError && err.type === 'API_CONFIGURATION_ERROR' && err.status === 503 && err.cause instanceof Error && err.cause.message === 'ECONNREFUSED',
    );
    assert.equal(errorResponse(storeUnavailable('rate-limit', new Error('x')), HTTP_GATEWAY_RESPONSES).statusCode, 503);
    assert.equal(errorResponse(storeUnavailable('rate-limit', new Error('x')), HTTP_GATEWAY_RESPONSES).body, '{"message":"Service Unavailable"}');
  });
});
