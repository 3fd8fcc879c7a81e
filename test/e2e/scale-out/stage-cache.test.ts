/**
 * The REST stage cache shared through Redis: two gateways on one real redis-server. An entry
 * filled through node A is a hit through node B (the function, which logs every invocation to
 * a file, runs once); a flush through either empties both; with Redis stopped every request is
 * still answered, each a miss that reaches the function.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stageCacheAdminRoutes } from '../../../src/admin/stage-cache.ts';
import { startGateway, writeProject, type TestGateway } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';

const ARN = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:count/invocations';

const FILES = {
  'portico.yaml': `
functions:
  count: { handler: fns/count.handler }
apis:
  - { name: cached, apiId: sharedcache, type: REST, openapi: api.yaml, stage: prod, cacheClusterEnabled: true }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: cached, version: "1" }
paths:
  /pets/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN}", cacheKeyParameters: [method.request.path.id] }
`,
  'fns/count.mjs': `
import { appendFileSync, readFileSync } from 'node:fs';
const log = new URL('../calls.log', import.meta.url);
export const handler = async (event) => {
  appendFileSync(log, event.path + '\\n');
  const n = readFileSync(log, 'utf8').split('\\n').filter(Boolean).length;
  return { statusCode: 200, body: JSON.stringify({ n, path: event.path }) };
};`,
};

/** A gateway node on the shared Redis (logs captured). */
const node = (t: test.TestContext, dir: string, redis: string): Promise<TestGateway> => startGateway(t, dir, { redis });

async function body(base: string, path: string): Promise<{ status: number; text: string }> {
  const res = await request(`${base}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
}

test('a cache entry filled through node A is hit through node B; a flush through B empties A', async (t) => {
  const redis = await startRedis(t);
  const dir = writeProject(t, FILES);
  const calls = (): number => readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).length;
  const a = await node(t, dir, redis.url);
  const b = await node(t, dir, redis.url);
  const filled = await body(a.base, '/prod/pets/1');
  assert.equal(filled.status, 200);
  assert.equal((await body(b.base, '/prod/pets/1')).text, filled.text);
  assert.equal((await body(a.base, '/prod/pets/1')).text, filled.text);
  assert.equal(calls(), 1);
  assert.notEqual((await body(b.base, '/prod/pets/2')).text, filled.text);
  assert.equal(calls(), 2);

  const [flush] = stageCacheAdminRoutes({ project: () => b.gateway.project, cache: b.gateway.adminState.responseCache });
  assert.ok(flush);
  const match = flush.path.exec('/restapis/sharedcache/stages/prod/cache/data');
  assert.ok(match);
  assert.equal((await flush.handle(match, new URL('http://admin/'), {} as never)).status, 202);
  assert.notEqual((await body(a.base, '/prod/pets/1')).text, filled.text);
  assert.equal(calls(), 3);
});

test('Redis stopped: every request is still served, as a miss, and the outage is logged once', async (t) => {
  const redis = await startRedis(t);
  const dir = writeProject(t, FILES);
  const calls = (): number => readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).length;
  const a = await node(t, dir, redis.url);
  const filled = await body(a.base, '/prod/pets/1');
  assert.equal((await body(a.base, '/prod/pets/1')).text, filled.text);
  await redis.kill();
  for (let i = 0; i < 5; i++) {
    const res = await body(a.base, '/prod/pets/1');
    assert.equal(res.status, 200);
    assert.notEqual(res.text, filled.text);
  }
  assert.equal(calls(), 6);
  assert.equal(a.logs.filter((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('PORTICO_ERR_RESPONSE_CACHE_STORE')).length, 1);

  await redis.restart();
  let refilled = '';
  for (let i = 0; i < 50 && !refilled; i++) {
    const res = await body(a.base, '/prod/pets/1');
    if ((await body(a.base, '/prod/pets/1')).text === res.text) refilled = res.text;
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(refilled, 'the cache fills again once Redis is back');
});
