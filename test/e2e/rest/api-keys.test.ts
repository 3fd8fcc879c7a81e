/**
 * REST API keys and usage plans end to end, through real sockets and real Lambda workers:
 * the key check (spec §6.6, §7.1), the identity it gives the event and `$context`, the plan's
 * throttle and per-method throttle (§7.3) and its quota (§7.4), and QUOTA_EXCEEDED customised
 * through `x-amazon-apigateway-gateway-responses`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200", responseTemplates: { application/json: '{"apiKey":"$context.identity.apiKey","apiKeyId":"$context.identity.apiKeyId"}' } } } }`;
const KEYED = `security: [{ api_key: [] }]`;

const API = `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get: { ${KEYED}, x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('identity')}" } }
  /mock:
    get: { ${KEYED}, x-amazon-apigateway-integration: ${MOCK} }
  /limited:
    get: { ${KEYED}, x-amazon-apigateway-integration: ${MOCK} }
  /open:
    get: { x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

/** A value for a key name: 20+ characters, as AWS requires. */
const v = (name: string): string => `${name}-key-0123456789abcdef`;

const PROJECT = `
functions:
  identity: { handler: fns/identity.handler }
apis:
  - name: pets
    type: REST
    openapi: api.yaml
    stages: [{ name: prod }, { name: dev }]
apiKeys:
  - { name: alice, value: ${v('alice')}, id: alice00001 }
  - { name: off, value: ${v('off')}, enabled: false }
  - { name: devonly, value: ${v('devonly')} }
  - { name: burst, value: ${v('burst')} }
  - { name: q1, value: ${v('q1')} }
  - { name: q2, value: ${v('q2')} }
usagePlans:
  - { name: gold, apiStages: [{ api: pets, stage: prod }], apiKeys: [alice, off] }
  - { name: dev, apiStages: [{ api: pets, stage: dev }], apiKeys: [devonly] }
  - name: bursty
    apiStages: [{ api: pets, stage: prod, throttle: { "GET /limited": { burstLimit: 1 } } }]
    throttle: { rateLimit: 0.01, burstLimit: 2 }
    apiKeys: [burst]
  - name: metered
    apiStages: [{ api: pets, stage: prod }, { api: pets, stage: dev }]
    quota: { limit: 3, period: DAY }
    apiKeys: [q1, q2]
`;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await request(base + path, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const key = (name: string): Record<string, string> => ({ 'x-api-key': v(name) });

/** AWS's default refusal: status, JSON message and `x-amzn-ErrorType`. */
function assertRefused(res: Reply, status: number, message: string, errorType: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.text, JSON.stringify({ message }));
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['x-amzn-errortype'], errorType);
}
const assertForbidden = (res: Reply): void => assertRefused(res, 403, 'Forbidden', 'ForbiddenException');

test('REST API keys and usage plans', async (t) => {
  const { base } = await serveFiles(t, {
    'portico.yaml': PROJECT,
    'api.yaml': API,
    'fns/identity.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.identity) });',
  });

  await t.test('a request without a key is refused 403 Forbidden', async () => {
    assertForbidden(await get(base, '/prod/pets'));
  });

  await t.test('an unknown key is refused 403 Forbidden', async () => {
    assertForbidden(await get(base, '/prod/pets', { 'x-api-key': v('mallory') }));
  });

  await t.test('a disabled key is refused 403 Forbidden', async () => {
    assertForbidden(await get(base, '/prod/pets', key('off')));
  });

  await t.test("a key whose plan does not cover the stage is refused 403 Forbidden (and works on the plan's stage)", async () => {
    assertForbidden(await get(base, '/prod/pets', key('devonly')));
    assert.equal((await get(base, '/dev/mock', key('devonly'))).status, 200);
    assertForbidden(await get(base, '/dev/mock', key('alice')));
  });

  await t.test('a valid key reaches the function, whose event carries identity.apiKey and apiKeyId', async () => {
    const res = await get(base, '/prod/pets', key('alice'));
    assert.equal(res.status, 200, res.text);
    const identity = JSON.parse(res.text) as Record<string, unknown>;
    assert.equal(identity['apiKey'], v('alice'));
    assert.equal(identity['apiKeyId'], 'alice00001');
    assert.equal(identity['sourceIp'], '127.0.0.1');
  });

  await t.test('$context.identity.apiKey and apiKeyId reach mapping templates', async () => {
    const res = await get(base, '/prod/mock', key('alice'));
    assert.deepEqual(JSON.parse(res.text), { apiKey: v('alice'), apiKeyId: 'alice00001' });
  });

  await t.test('the header name is case-insensitive', async () => {
    assert.equal((await get(base, '/prod/mock', { 'X-API-Key': v('alice') })).status, 200);
    assert.equal((await get(base, '/prod/mock', { 'X-Api-KEY': v('alice') })).status, 200);
  });

  await t.test('a method without apiKeyRequired works without a key, and ignores a supplied one', async () => {
    assert.deepEqual(JSON.parse((await get(base, '/prod/open')).text), { apiKey: '', apiKeyId: '' });
    assert.deepEqual(JSON.parse((await get(base, '/prod/open', { 'x-api-key': v('mallory') })).text), { apiKey: '', apiKeyId: '' });
  });

  await t.test("the plan's throttle answers 429 Too Many Requests once its burst (2) is spent", async () => {
    const replies = await Promise.all([1, 2, 3, 4].map(() => get(base, '/prod/mock', key('burst'))));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 429, 429]);
    for (const res of replies.filter((r) => r.status === 429)) assertRefused(res, 429, 'Too Many Requests', 'TooManyRequestsException');
    // Another key of another plan is not affected.
    assert.equal((await get(base, '/prod/mock', key('alice'))).status, 200);
  });

  await t.test('a per-method throttle (burst 1) has a bucket of its own', async () => {
    assert.equal((await get(base, '/prod/limited', key('burst'))).status, 200);
    assertRefused(await get(base, '/prod/limited', key('burst')), 429, 'Too Many Requests', 'TooManyRequestsException');
  });

  await t.test('a quota of 3 lets exactly 3 requests through, summed over the stages, then 429 Limit Exceeded', async () => {
    const statuses = [];
    for (const path of ['/prod/mock', '/dev/mock', '/prod/limited', '/prod/mock', '/dev/mock']) statuses.push((await get(base, path, key('q1'))).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assertRefused(await get(base, '/prod/mock', key('q1')), 429, 'Limit Exceeded', 'LimitExceededException');
  });

  await t.test('of 8 concurrent requests against a quota of 3, exactly 3 succeed', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, () => get(base, '/prod/mock', key('q2'))));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 429, 429, 429, 429, 429]);
  });
});

test('REST QUOTA_EXCEEDED customised with x-amazon-apigateway-gateway-responses', async (t) => {
  const { base } = await serveFiles(t, {
    'portico.yaml': `
functions:
  identity: { handler: fns/identity.handler }
apis:
  - { name: pets, type: REST, openapi: api.yaml, stage: prod }
apiKeys:
  - { name: alice, value: ${v('alice')} }
usagePlans:
  - { name: tiny, apiStages: [{ api: pets, stage: prod }], quota: { limit: 1, period: MONTH }, apiKeys: [alice] }
`,
    'api.yaml': `${API}
x-amazon-apigateway-gateway-responses:
  QUOTA_EXCEEDED:
    statusCode: "402"
    responseParameters: { gatewayresponse.header.Retry-After: "'86400'" }
    responseTemplates: { application/json: '{"error":"$context.error.responseType","key":"$context.identity.apiKeyId"}' }
`,
    'fns/identity.mjs': 'export const handler = async () => ({ statusCode: 200, body: "{}" });',
  });
  assert.equal((await get(base, '/prod/mock', key('alice'))).status, 200);
  const res = await get(base, '/prod/mock', key('alice'));
  assert.equal(res.status, 402);
  assert.equal(res.headers['retry-after'], '86400');
  assert.equal(res.headers['x-amzn-errortype'], 'LimitExceededException');
  const body = JSON.parse(res.text) as { error: string; key: string };
  assert.equal(body.error, 'QUOTA_EXCEEDED');
  assert.match(body.key, /^[a-z0-9]{10}$/);
});
