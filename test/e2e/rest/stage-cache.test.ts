/**
 * The REST stage cache end to end: a real client, the gateway on a real socket, a Lambda handler
 * in a worker thread that appends each invocation to a file (so a hit is seen not to invoke it)
 * and a node:http backend that counts requests. Cache keys, TTLs, per-method settings, the three
 * `Cache-Control: max-age=0` strategies, the authorizer on a hit, and FlushStageCache on the
 * admin port.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { pino } from 'pino';
import { request } from 'undici';
import { loadProject } from '../../../src/config/load-project.ts';
import { Gateway } from '../../../src/server/gateway.ts';
import { stageCacheAdminRoutes } from '../../../src/admin/stage-cache.ts';
import { writeProject } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const COUNT = `{ type: aws_proxy, httpMethod: POST, uri: "${ARN('count')}" }`;
const keyed = (keys: string): string => `{ type: aws_proxy, httpMethod: POST, uri: "${ARN('count')}", cacheKeyParameters: [${keys}] }`;

const openapi = (backendPort: number): string => `
openapi: 3.0.1
info: { title: cached, version: "1" }
paths:
  /pets/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: type, in: query, schema: { type: string } }
        - { name: dept, in: query, schema: { type: string } }
      x-amazon-apigateway-integration: ${keyed('method.request.path.id, method.request.querystring.type')}
  /plain/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      x-amazon-apigateway-integration: ${COUNT}
  /short: { get: { x-amazon-apigateway-integration: ${COUNT} } }
  /off: { get: { x-amazon-apigateway-integration: ${COUNT} } }
  /strict: { get: { x-amazon-apigateway-integration: ${COUNT} } }
  /silent: { get: { x-amazon-apigateway-integration: ${COUNT} } }
  /open: { get: { x-amazon-apigateway-integration: ${COUNT} } }
  /things: { post: { x-amazon-apigateway-integration: ${COUNT} } }
  /orders: { post: { x-amazon-apigateway-integration: ${COUNT} } }
  /secure: { get: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${COUNT} } }
  /iam: { get: { security: [{ sigv4: [] }], x-amazon-apigateway-integration: ${COUNT} } }
  /iamstrict: { get: { security: [{ sigv4: [] }], x-amazon-apigateway-integration: ${COUNT} } }
  /backend:
    get:
      parameters: [{ name: q, in: query, schema: { type: string } }]
      x-amazon-apigateway-integration:
        { type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:${backendPort}/data",
          requestParameters: { integration.request.querystring.q: method.request.querystring.q },
          cacheKeyParameters: [method.request.querystring.q] }
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    tok:
      { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: custom,
        x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}", authorizerResultTtlInSeconds: 0 } }
`;

const KEY = { accessKeyId: 'AKIAPORTICOCACHE0001', secretAccessKey: 'stage-cache-secret' };
/** A credential whose IAM policy allows execute-api:Invoke but not execute-api:InvalidateCache. */
const INVOKE_ONLY = { accessKeyId: 'AKIAPORTICOCACHE0002', secretAccessKey: 'stage-cache-secret-2' };

const PROJECT = `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
  - accessKeyId: ${INVOKE_ONLY.accessKeyId}
    secretAccessKey: ${INVOKE_ONLY.secretAccessKey}
    arn: arn:aws:iam::123456789012:user/reader
    policies:
      - { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "execute-api:Invoke", Resource: "*" }] }
functions:
  count: { handler: fns/count.handler }
  auth: { handler: fns/auth.handler }
apis:
  - name: cached
    apiId: cacheapi
    type: REST
    openapi: api.yaml
    stages:
      - name: prod
        cacheClusterEnabled: true
        cacheClusterSize: "0.5"
        caching:
          routes:
            "GET /short": { ttlInSeconds: 1 }
            "POST /orders": { enabled: true }
            "GET /off": { enabled: false }
            "GET /strict": { unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403 }
            "GET /iamstrict": { unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403 }
            "GET /silent": { unauthorizedCacheControlHeaderStrategy: SUCCEED_WITHOUT_RESPONSE_HEADER }
            "GET /open": { requireAuthorizationForCacheControl: false }
      - name: dev
`;

/** Appends each invocation to calls.log and answers with the running count. */
const COUNT_FN = `
import { appendFileSync, readFileSync } from 'node:fs';
const log = new URL('../calls.log', import.meta.url);
export const handler = async (event) => {
  appendFileSync(log, event.httpMethod + ' ' + event.path + '\\n');
  const n = readFileSync(log, 'utf8').split('\\n').filter(Boolean).length;
  return { statusCode: 200, headers: { 'x-n': String(n) }, body: JSON.stringify({ n, path: event.path, query: event.queryStringParameters }) };
};`;

const AUTH_FN = `
export const handler = async (event) => ({
  principalId: 'u',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: event.authorizationToken === 'allow' ? 'Allow' : 'Deny', Resource: '*' }] },
});`;

interface Env {
  readonly base: string;
  readonly admin: string;
  readonly gateway: Gateway;
  /** Lambda invocations so far. */
  calls(): number;
  /** Backend requests so far. */
  readonly backend: { hits: number };
}

/** The project served by a gateway whose admin port carries the flush route; one backend. */
async function start(t: test.TestContext): Promise<Env> {
  const backend = { hits: 0 };
  const server = createServer((req, res) => {
    backend.hits++;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-hit': String(backend.hits) });
    // Binary, so a store that decodes bodies as text is caught.
    res.end(Buffer.from([0xff, 0x00, 0xfe, backend.hits, ...Buffer.from(req.url ?? '')]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const dir = writeProject(t, { 'portico.yaml': PROJECT, 'api.yaml': openapi((server.address() as AddressInfo).port), 'fns/count.mjs': COUNT_FN, 'fns/auth.mjs': AUTH_FN });
  const logger = pino({ base: null }, new Writable({ write: (_c, _e, cb) => cb() }));
  const gateway = await Gateway.start(loadProject(dir), {
    port: 0,
    logger,
    // The gateway's own admin port carries FlushStageCache (admin/stage-cache.ts).
    admin: { port: 0 },
  });
  t.after(() => gateway.close(2000));
  const calls = (): number => {
    try {
      return readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return { base: `http://127.0.0.1:${gateway.port}`, admin: gateway.adminUrl ?? '', gateway, calls, backend };
}

async function get(env: Env, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; body: Buffer }> {
  const res = await request(`${env.base}${path}`, { method: method as 'GET', headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, text: body.toString(), body };
}

test('a second GET is served from the cache: same status, headers and body, the function not invoked', async (t) => {
  const env = await start(t);
  const first = await get(env, '/prod/pets/1?type=cat');
  const second = await get(env, '/prod/pets/1?type=cat');
  assert.equal(first.status, 200);
  assert.equal(second.text, first.text);
  assert.equal(second.headers['x-n'], first.headers['x-n']);
  assert.equal(second.headers['content-type'], 'application/json');
  assert.equal(env.calls(), 1);
  // Headers AWS adds per request are fresh on a hit.
  assert.notEqual(second.headers['x-amzn-requestid'], first.headers['x-amzn-requestid']);
  assert.notEqual(second.headers['x-amz-apigw-id'], first.headers['x-amz-apigw-id']);
});

test('cacheKeyParameters vary the entry; other parameters do not', async (t) => {
  const env = await start(t);
  const a = await get(env, '/prod/pets/1?type=cat&dept=A');
  assert.equal((await get(env, '/prod/pets/1?type=cat&dept=B')).text, a.text, 'dept is not a key');
  assert.notEqual((await get(env, '/prod/pets/1?type=dog')).text, a.text, 'type is a key');
  assert.notEqual((await get(env, '/prod/pets/2?type=cat')).text, a.text, 'id is a key');
  assert.notEqual((await get(env, '/prod/pets/1')).text, a.text, 'an absent key parameter is its own entry');
  assert.equal(env.calls(), 4);
});

test('without cacheKeyParameters, path parameters are not part of the key (as AWS)', async (t) => {
  const env = await start(t);
  const one = await get(env, '/prod/plain/1');
  const two = await get(env, '/prod/plain/2');
  assert.equal(two.text, one.text);
  assert.equal((JSON.parse(two.text) as { path: string }).path, '/plain/1');
});

test('an entry expires after its TTL (1 s)', async (t) => {
  const env = await start(t);
  const first = await get(env, '/prod/short');
  assert.equal((await get(env, '/prod/short')).text, first.text);
  await sleep(1200);
  assert.notEqual((await get(env, '/prod/short')).text, first.text);
  assert.equal(env.calls(), 2);
});

test('POST is not cached by default; a method setting caches it; a method can turn caching off', async (t) => {
  const env = await start(t);
  assert.notEqual((await get(env, '/prod/things', {}, 'POST')).text, (await get(env, '/prod/things', {}, 'POST')).text);
  const order = await get(env, '/prod/orders', {}, 'POST');
  assert.equal((await get(env, '/prod/orders', {}, 'POST')).text, order.text);
  assert.notEqual((await get(env, '/prod/off')).text, (await get(env, '/prod/off')).text);
  assert.notEqual((await get(env, '/dev/pets/1')).text, (await get(env, '/dev/pets/1')).text, 'a stage without a cache cluster');
});

test('max-age=0 from an unauthorised caller: served from the cache with the Warning header (the default)', async (t) => {
  const env = await start(t);
  const first = await get(env, '/prod/pets/7');
  const again = await get(env, '/prod/pets/7', { 'cache-control': 'max-age=0' });
  assert.equal(again.text, first.text);
  assert.equal(again.headers['warning'], '199 Cache-control headers were ignored because the caller was unauthorized.');
  assert.equal(env.calls(), 1);
});

test('max-age=0 with FAIL_WITH_403 is refused; with SUCCEED_WITHOUT_RESPONSE_HEADER it is ignored silently', async (t) => {
  const env = await start(t);
  await get(env, '/prod/strict');
  const refused = await get(env, '/prod/strict', { 'cache-control': 'no-store, max-age=0' });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers['x-amzn-errortype'], 'AccessDeniedException');
  assert.match(refused.text, /execute-api:InvalidateCache on resource: arn:aws:execute-api:us-east-1:\*{8}9012:cacheapi\/prod\/GET\/strict/);
  const silent = await get(env, '/prod/silent');
  const ignored = await get(env, '/prod/silent', { 'cache-control': 'max-age=0' });
  assert.equal(ignored.text, silent.text);
  assert.equal(ignored.headers['warning'], undefined);
  assert.equal(env.calls(), 2);
});

test('max-age=0 without requireAuthorizationForCacheControl fetches afresh and replaces the entry', async (t) => {
  const env = await start(t);
  const first = await get(env, '/prod/open');
  const fresh = await get(env, '/prod/open', { 'cache-control': 'max-age=0' });
  assert.notEqual(fresh.text, first.text);
  assert.equal(fresh.headers['warning'], undefined);
  assert.equal((await get(env, '/prod/open')).text, fresh.text, 'the new response was cached');
  assert.equal(env.calls(), 2);
});

test('max-age=0 from a SigV4-signed caller of an AWS_IAM method refreshes the entry (authorised to invalidate)', async (t) => {
  const env = await start(t);
  const url = new URL(env.base);
  const signed = async (extra: Record<string, string>): Promise<Record<string, string>> => {
    const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
    const r = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/prod/iam', query: {}, headers: { host: url.host, ...extra } });
    return r.headers;
  };
  const first = await get(env, '/prod/iam', await signed({}));
  assert.equal(first.status, 200, first.text);
  assert.equal((await get(env, '/prod/iam', await signed({}))).text, first.text);
  const fresh = await get(env, '/prod/iam', await signed({ 'cache-control': 'max-age=0' }));
  assert.notEqual(fresh.text, first.text);
  assert.equal(fresh.headers['warning'], undefined);
  assert.equal((await get(env, '/prod/iam', await signed({}))).text, fresh.text);
  assert.equal((await get(env, '/prod/iam')).status, 403, 'unsigned: refused before the cache');
  assert.equal(env.calls(), 2);
});

test("max-age=0 from a SigV4 caller whose IAM policy lacks execute-api:InvalidateCache is refused with the caller's ARN", async (t) => {
  const env = await start(t);
  const url = new URL(env.base);
  const signed = async (credentials: typeof KEY, extra: Record<string, string>): Promise<Record<string, string>> => {
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
    const r = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/prod/iamstrict', query: {}, headers: { host: url.host, ...extra } });
    return r.headers;
  };
  const first = await get(env, '/prod/iamstrict', await signed(INVOKE_ONLY, {}));
  assert.equal(first.status, 200, first.text);
  const refused = await get(env, '/prod/iamstrict', await signed(INVOKE_ONLY, { 'cache-control': 'max-age=0' }));
  assert.equal(refused.status, 403);
  assert.match(refused.text, /User: arn:aws:iam::123456789012:user\/reader is not authorized to perform: execute-api:InvalidateCache on resource: arn:aws:execute-api:us-east-1:\*{8}9012:cacheapi\/prod\/GET\/iamstrict/);
  // A credential without policies may do anything, invalidation included.
  const fresh = await get(env, '/prod/iamstrict', await signed(KEY, { 'cache-control': 'max-age=0' }));
  assert.equal(fresh.status, 200);
  assert.notEqual(fresh.text, first.text);
  assert.equal(env.calls(), 2);
});

test('the authorizer still runs on a hit: a denied caller never gets the cached body', async (t) => {
  const env = await start(t);
  const allowed = await get(env, '/prod/secure', { authorization: 'allow' });
  assert.equal(allowed.status, 200);
  assert.equal((await get(env, '/prod/secure', { authorization: 'allow' })).text, allowed.text);
  const denied = await get(env, '/prod/secure', { authorization: 'deny' });
  assert.equal(denied.status, 403);
  assert.doesNotMatch(denied.text, /"n"/);
  assert.equal((await get(env, '/prod/secure')).status, 401);
  assert.equal(env.calls(), 1);
});

test('an HTTP_PROXY backend is called once per key; binary bodies come back intact', async (t) => {
  const env = await start(t);
  const a = await get(env, '/prod/backend?q=1');
  const b = await get(env, '/prod/backend?q=1');
  assert.ok(b.body.equals(a.body));
  assert.equal(b.headers['x-hit'], '1');
  assert.equal(b.headers['content-length'], String(a.body.length));
  assert.equal((await get(env, '/prod/backend?q=2')).headers['x-hit'], '2');
  assert.equal(env.backend.hits, 2);
});

test('FlushStageCache on the admin port empties the stage: 202, then the next request is a miss', async (t) => {
  const env = await start(t);
  const first = await get(env, '/prod/pets/9');
  assert.equal((await get(env, '/prod/pets/9')).text, first.text);
  // The project has credentials, so the control plane wants a SigV4 signature (service apigateway).
  const flush = async (stage: string): Promise<Awaited<ReturnType<typeof request>>> => {
    const url = new URL(`${env.admin}/restapis/cacheapi/stages/${stage}/cache/data`);
    const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'apigateway', sha256: Sha256 });
    const signed = await signer.sign({ method: 'DELETE', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host } });
    return request(url, { method: 'DELETE', headers: signed.headers });
  };
  assert.equal((await request(`${env.admin}/restapis/cacheapi/stages/prod/cache/data`, { method: 'DELETE' })).statusCode, 403, 'unsigned');
  const flushed = await flush('prod');
  assert.equal(flushed.statusCode, 202);
  assert.equal(await flushed.body.text(), '');
  assert.notEqual((await get(env, '/prod/pets/9')).text, first.text);
  const unknown = await flush('nope');
  assert.equal(unknown.statusCode, 404);
  assert.match(await unknown.body.text(), /Invalid stage identifier specified/);
});

test('the flush route handler answers without the admin server too', async (t) => {
  const env = await start(t);
  const [route] = stageCacheAdminRoutes({ project: () => env.gateway.project, cache: env.gateway.adminState.responseCache });
  assert.ok(route);
  const match = route.path.exec('/restapis/missing/stages/prod/cache/data');
  assert.ok(match);
  const reply = await route.handle(match, new URL('http://x/'), {} as never);
  assert.equal(reply.status, 404);
  assert.match(JSON.stringify(reply.body), /Invalid API identifier specified \d+:missing/);
});
