import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors/index.ts';
import type { InvokeResult, LambdaRuntime } from '../../lambda/types.ts';
import type { Method, Resource, RestAuthorizer } from '../../model/index.ts';
import { MemoryAuthorizerCache } from '../../state/authorizer-cache/memory.ts';
import type { AuthorizerCacheStore } from '../../state/authorizer-cache/types.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import type { RestContext } from '../types.ts';
import { cacheKey, createLambdaAuthorizerPhase, type LambdaAuthorizerDeps } from './lambda-authorizer.ts';

const policy = (effect: string, resource: string): unknown => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] });

/** A runtime whose function answers with `answer(event)`, counting invocations. */
function fakeRuntime(answer: (event: Record<string, unknown>) => InvokeResult): LambdaRuntime & { events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  return {
    events,
    invoke: (_name, event) => {
      events.push(event as Record<string, unknown>);
      return Promise.resolve(answer(event as Record<string, unknown>));
    },
    has: (name) => name === 'auth',
    workers: () => 0,
    close: () => Promise.resolve(),
  };
}

const tokenAuthorizer = (extra: Partial<RestAuthorizer> = {}): RestAuthorizer => ({
  id: 'tok', name: 'tok', type: 'TOKEN', functionName: 'auth', identitySource: 'method.request.header.Authorization', authorizerResultTtlInSeconds: 300, source: 'api.yaml#/tok', ...extra,
});

function context(headers: [string, string][], method = 'GET', path = '/pets'): RestContext {
  const { ctx } = makeRestContext({ headers });
  const resource: Resource = { id: 'r1', path, resourceMethods: {} };
  return { ...ctx, httpMethod: method, stagePath: path, match: { resource, method: {} as Method, pathParameters: {} } };
}

const deps = (runtime: LambdaRuntime, cache: AuthorizerCacheStore = new MemoryAuthorizerCache()): LambdaAuthorizerDeps => ({ runtime, accountId: '123456789012', region: 'us-east-1', deploymentId: 'd1', cache });

async function outcome(phase: (ctx: RestContext) => void | Promise<void>, ctx: RestContext): Promise<string> {
  try {
    await phase(ctx);
    return 'pass';
  } catch (err) {
    if (err instanceof GatewayError) return err.bodyMessage === undefined ? err.type : `${err.type}: ${err.bodyMessage}`;
    throw err;
  }
}

describe('the Lambda authorizer phase', () => {
  test('TOKEN allow: invokes once per token while cached, and fills ctx.authorizer', async () => {
    const runtime = fakeRuntime((e) => ({ ok: true, payload: { principalId: 'u1', policyDocument: policy('Allow', String(e['methodArn'])), context: { n: 1 } } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(runtime));
    const ctx = context([['Authorization', 'abc']]);
    await phase(ctx);
    assert.deepEqual(runtime.events[0], { type: 'TOKEN', authorizationToken: 'abc', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets' });
    assert.deepEqual({ ...ctx.authorizer, integrationLatency: 0 }, { n: '1', principalId: 'u1', integrationLatency: 0 });
    await phase(context([['Authorization', 'abc']]));
    assert.equal(runtime.events.length, 1);
    await phase(context([['Authorization', 'other']]));
    assert.equal(runtime.events.length, 2);
  });

  test('the cached policy is evaluated against each request: a method-specific Allow denies the others', async () => {
    const runtime = fakeRuntime((e) => ({ ok: true, payload: { policyDocument: policy('Allow', String(e['methodArn'])) } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(runtime));
    assert.equal(await outcome(phase, context([['Authorization', 't']], 'GET', '/pets')), 'pass');
    assert.equal(await outcome(phase, context([['Authorization', 't']], 'DELETE', '/pets')), 'ACCESS_DENIED: User is not authorized to access this resource');
    assert.equal(runtime.events.length, 1);
  });

  test('an explicit Deny is ACCESS_DENIED with the default message', async () => {
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Deny', '*') } }))));
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'ACCESS_DENIED');
  });

  test('no token, an empty one, or one failing the validation expression is UNAUTHORIZED without invoking', async () => {
    const runtime = fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Allow', '*') } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer({ identityValidationExpression: 'Bearer [a-z]+' }), deps(runtime));
    assert.equal(await outcome(phase, context([])), 'UNAUTHORIZED');
    assert.equal(await outcome(phase, context([['Authorization', '']])), 'UNAUTHORIZED');
    assert.equal(await outcome(phase, context([['Authorization', 'Bearer abc!']])), 'UNAUTHORIZED');
    assert.equal(await outcome(phase, context([['Authorization', 'xBearer abc']])), 'UNAUTHORIZED');
    assert.equal(runtime.events.length, 0);
    assert.equal(await outcome(phase, context([['Authorization', 'Bearer abc']])), 'pass');
  });

  test('"Unauthorized" is UNAUTHORIZED; other failures and invalid outputs are AUTHORIZER_CONFIGURATION_ERROR, and not cached', async () => {
    let answer: InvokeResult = { ok: false, kind: 'handler-error', errorType: 'Error', errorMessage: 'Unauthorized', trace: [] };
    const runtime = fakeRuntime(() => answer);
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(runtime));
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'UNAUTHORIZED');
    answer = { ok: false, kind: 'worker-crash', errorType: 'Runtime.ExitError', errorMessage: 'exit', trace: [] };
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'AUTHORIZER_CONFIGURATION_ERROR');
    answer = { ok: true, payload: { policyDocument: policy('Allow', '*'), context: { list: [1] } } };
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'AUTHORIZER_CONFIGURATION_ERROR');
    assert.equal(runtime.events.length, 3);
  });

  test('TTL 0 invokes every time', async () => {
    const runtime = fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Allow', '*') } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer({ authorizerResultTtlInSeconds: 0 }), deps(runtime));
    await phase(context([['Authorization', 't']]));
    await phase(context([['Authorization', 't']]));
    assert.equal(runtime.events.length, 2);
  });

  test('a failing cache store costs an invocation, never the request', async () => {
    const broken: AuthorizerCacheStore = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')), close: () => Promise.resolve() };
    const runtime = fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Allow', '*') } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(runtime, broken));
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'pass');
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'pass');
    assert.equal(runtime.events.length, 2);
  });

  test('a tampered cache entry is not trusted: it is re-validated, and an invalid one is a miss', async () => {
    const cache = new MemoryAuthorizerCache();
    const runtime = fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Deny', '*') } }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer(), deps(runtime, cache));
    await cache.set(cacheKey(['d1', 'api1', 'prod', 'tok', 't']), { policyDocument: 'Allow everything' }, 300);
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'ACCESS_DENIED');
    assert.equal(runtime.events.length, 1);
  });

  test('REQUEST with caching: every source is required; without caching the function decides', async () => {
    const runtime = fakeRuntime(() => ({ ok: true, payload: { policyDocument: policy('Allow', '*') } }));
    const cached = createLambdaAuthorizerPhase(tokenAuthorizer({ type: 'REQUEST', identitySource: 'method.request.header.X-A, method.request.header.X-B' }), deps(runtime));
    assert.equal(await outcome(cached, context([['X-A', '1']])), 'UNAUTHORIZED');
    assert.equal(runtime.events.length, 0);
    assert.equal(await outcome(cached, context([['X-A', '1'], ['X-B', '2']])), 'pass');
    assert.equal(runtime.events[0]?.['type'], 'REQUEST');
    const uncached = createLambdaAuthorizerPhase(tokenAuthorizer({ type: 'REQUEST', identitySource: 'method.request.header.X-A', authorizerResultTtlInSeconds: 0 }), deps(runtime));
    assert.equal(await outcome(uncached, context([])), 'pass');
  });

  test('an undefined function (from stage variables) is AUTHORIZER_CONFIGURATION_ERROR', async () => {
    const runtime = fakeRuntime(() => ({ ok: true, payload: {} }));
    const phase = createLambdaAuthorizerPhase(tokenAuthorizer({ functionName: '${stageVariables.fn}' }), deps(runtime));
    assert.equal(await outcome(phase, context([['Authorization', 't']])), 'AUTHORIZER_CONFIGURATION_ERROR');
  });

  test('bad definitions are load errors naming the authorizer', () => {
    const runtime = fakeRuntime(() => ({ ok: true, payload: {} }));
    assert.throws(() => createLambdaAuthorizerPhase(tokenAuthorizer({ identitySource: 'method.request.querystring.t' }), deps(runtime)), /authorizer "tok".*one header/);
    assert.throws(() => createLambdaAuthorizerPhase(tokenAuthorizer({ type: 'REQUEST', identitySource: undefined } as unknown as RestAuthorizer), deps(runtime)), /needs identity sources/);
    assert.throws(() => createLambdaAuthorizerPhase(tokenAuthorizer({ identityValidationExpression: '(?>x)' }), deps(runtime)), /authorizer "tok".*atomic/);
  });
});
