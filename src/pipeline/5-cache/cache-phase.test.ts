import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import type { Method, Resource, RestIntegration } from '../../model/index.ts';
import { MemoryResponseCache } from '../../state/response-cache/memory.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import type { Phase, RestContext } from '../types.ts';
import { createCachePhase } from './cache-phase.ts';
import { MAX_CACHED_BODY_BYTES } from './capture-body.ts';

const integration: RestIntegration = { type: 'HTTP_PROXY', requestParameters: {}, requestTemplates: {}, passthroughBehavior: 'WHEN_NO_MATCH', timeoutInMillis: 29000, cacheKeyParameters: [], integrationResponses: [], source: 'test' };
const method: Method = { httpMethod: 'GET', authorizationType: 'NONE', apiKeyRequired: false, requestParameters: {}, requestModels: {}, methodResponses: {}, methodIntegration: integration, source: 'test' };
const resource: Resource = { id: 'r1', path: '/pets', resourceMethods: { GET: method } };

/** A cached GET method whose integration streams `size` bytes and counts its calls. */
function setup(size: number): { phase: Phase<RestContext>; calls: () => number; run: () => Promise<RestContext> } {
  let calls = 0;
  const integrate: Phase<RestContext> = (ctx) => {
    calls++;
    ctx.result = { statusCode: 200, headers: [['content-length', String(size)], ['x-call', String(calls)]], body: Readable.from([Buffer.alloc(size, 0x61)]) };
  };
  const { ctx: base } = makeRestContext();
  const stage = { stageName: 'prod', variables: {}, methodSettings: { '*/*': { cachingEnabled: true } }, cacheClusterEnabled: true };
  const phase = createCachePhase({ store: new MemoryResponseCache(), api: base.api, stage, resource, method, integrate, region: 'us-east-1', accountId: '123456789012' });
  assert.ok(phase);
  return {
    phase,
    calls: () => calls,
    run: async () => {
      const { ctx } = makeRestContext();
      await phase(ctx);
      return ctx;
    },
  };
}

test('cacheResult is miss, then hit; a hit does not run the integration; framing headers are not kept', async () => {
  const { run, calls } = setup(10);
  const miss = await run();
  assert.equal(miss.cacheResult, 'miss');
  assert.ok(Buffer.isBuffer(miss.result?.body));
  const hit = await run();
  assert.equal(hit.cacheResult, 'hit');
  assert.deepEqual(hit.result?.headers, [['x-call', '1']]);
  assert.equal(calls(), 1);
});

test('a streamed body over 1,048,576 bytes is passed on whole and not cached', async () => {
  const { run, calls } = setup(MAX_CACHED_BODY_BYTES + 1);
  const first = await run();
  const body = first.result?.body;
  assert.ok(body instanceof Readable);
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) length += chunk.length;
  assert.equal(length, MAX_CACHED_BODY_BYTES + 1);
  assert.equal((await run()).cacheResult, 'miss');
  assert.equal(calls(), 2);
});
