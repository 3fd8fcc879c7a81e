/**
 * REST API Lambda proxy (AWS_PROXY) integrations end to end: a real HTTP client against a
 * started gateway, real worker threads running the handlers. The payload 1.0 event as AWS sends
 * it for REST APIs (spec §2.1) and the strict result handling of spec §3.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:${fn}/invocations`;
const proxy = (fn: string, extra = ''): string => `{ type: aws_proxy, httpMethod: POST, uri: "${ARN(fn)}"${extra} }`;

const files = {
  'portico.yaml': `
accountId: "111122223333"
functions:
  echo: { handler: fns/echo.handler }
  raw: { handler: fns/raw.handler }
  boom: { handler: fns/boom.handler }
  slow: { handler: fns/slow.handler, timeout: 5 }
  stuck: { handler: fns/stuck.handler, timeout: 1 }
  quit: { handler: fns/quit.handler }
apis:
  - name: api
    apiId: abc123defg
    type: REST
    openapi: api.yaml
    stages:
      - { name: test, variables: { color: blue, size: "9" } }
      - { name: bare }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
x-amazon-apigateway-binary-media-types: [application/octet-stream, image/png]
paths:
  /items/{id}/x:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: ${proxy('echo')}
  /plain:
    get:
      x-amazon-apigateway-integration: ${proxy('echo')}
  /{proxy+}:
    get:
      x-amazon-apigateway-integration: ${proxy('echo')}
  /raw:
    post:
      x-amazon-apigateway-integration: ${proxy('raw')}
  /boom:
    get:
      x-amazon-apigateway-integration: ${proxy('boom')}
  /slow:
    get:
      x-amazon-apigateway-integration: ${proxy('slow', ', timeoutInMillis: 300')}
  /stuck:
    get:
      x-amazon-apigateway-integration: ${proxy('stuck')}
  /quit:
    get:
      x-amazon-apigateway-integration: ${proxy('quit')}
  /get-method:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: GET, uri: "${ARN('echo')}" }
`,
  'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });`,
  // Returns whatever the request body (JSON) says, to exercise the result parser.
  'fns/raw.mjs': `export const handler = async (event) => JSON.parse(event.body);`,
  'fns/boom.mjs': `export const handler = async () => { throw new Error('kaboom'); };`,
  'fns/slow.mjs': `export const handler = () => new Promise((r) => setTimeout(() => r({ statusCode: 200, body: 'late' }), 1500));`,
  'fns/stuck.mjs': `export const handler = () => new Promise(() => {});`,
  'fns/quit.mjs': `let calls = 0; export const handler = async (event) => { calls++; if (event.queryStringParameters?.exit) process.exit(3); return { statusCode: 200, body: JSON.stringify({ calls }) }; };`,
};

type Headers = Record<string, string | string[] | undefined>;

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}) {
  const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: res.statusCode, headers: res.headers as Headers, bytes, text, json: (): unknown => JSON.parse(text) };
}

interface RestEvent {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: Record<string, unknown> & { identity: Record<string, unknown> };
  body: string | null;
  isBase64Encoded: boolean;
}

/** A raw header value as one comma-separated string (undici gives repeated headers as a list). */
const joined = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/** What the raw function returns for `result` (the body is parsed and returned as is). */
const returning = (base: string, result: unknown, headers: Record<string, string> = {}) =>
  call(base, '/test/raw', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(result) });

async function assertInternalError(res: Awaited<ReturnType<typeof call>>, status = 502): Promise<void> {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(res.json(), { message: 'Internal server error' });
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.ok(res.headers['x-amzn-requestid'], 'error responses carry x-amzn-RequestId');
}

test('REST AWS_PROXY (Lambda proxy) integrations', async (t) => {
  const { base, logs } = await serveFiles(t, files);

  await t.test('sends the payload 1.0 event as AWS does for REST APIs', async () => {
    const before = Date.now();
    const res = await call(base, '/test/items/a%20b/x?q=1&q=2&r=x+y&e=%2B', {
      headers: { 'X-Custom': ['one', 'two'], 'x-single': 'v', 'user-agent': 'e2e-agent' },
    });
    const after = Date.now();
    assert.equal(res.status, 200);
    const event = res.json() as RestEvent;
    assert.equal(event.resource, '/items/{id}/x');
    // No stage in `path`; not URL-decoded.
    assert.equal(event.path, '/items/a%20b/x');
    assert.equal(event.httpMethod, 'GET');
    assert.equal(event.headers?.['X-Custom'], 'two', 'the single-value map keeps the last value');
    assert.deepEqual(event.multiValueHeaders?.['X-Custom'], ['one', 'two']);
    assert.equal(event.headers?.['x-single'], 'v');
    assert.deepEqual(event.multiValueHeaders?.['x-single'], ['v']);
    assert.equal(event.headers?.['User-Agent'], 'e2e-agent', 'User-Agent is title-cased');
    assert.equal(event.headers?.['X-Forwarded-For'], '127.0.0.1');
    assert.equal(event.headers?.['X-Forwarded-Proto'], 'http');
    assert.match(event.headers?.['X-Amzn-Trace-Id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
    for (const dropped of ['content-length', 'connection', 'Content-Length', 'Connection']) assert.equal(event.headers?.[dropped], undefined, `${dropped} never reaches the function`);
    // Query: decoded, last value in the single map, every value in the multi map.
    assert.deepEqual(event.queryStringParameters, { q: '2', r: 'x y', e: '+' });
    assert.deepEqual(event.multiValueQueryStringParameters, { q: ['1', '2'], r: ['x y'], e: ['+'] });
    // Path parameters raw (not decoded).
    assert.deepEqual(event.pathParameters, { id: 'a%20b' });
    assert.deepEqual(event.stageVariables, { color: 'blue', size: '9' });
    assert.equal(event.body, null, 'an empty body is null');
    assert.equal(event.isBase64Encoded, false);

    const rc = event.requestContext;
    assert.equal(rc['resourcePath'], '/items/{id}/x');
    assert.equal(typeof rc['resourceId'], 'string');
    assert.notEqual(rc['resourceId'], '');
    assert.equal(rc['path'], '/test/items/a%20b/x', 'requestContext.path is /{stage} + the path as received');
    assert.equal(rc['stage'], 'test');
    assert.equal(rc['httpMethod'], 'GET');
    assert.match(String(rc['requestId']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(rc['requestId'], res.headers['x-amzn-requestid']);
    assert.equal(rc['extendedRequestId'], res.headers['x-amz-apigw-id']);
    assert.equal(rc.identity['sourceIp'], '127.0.0.1');
    assert.equal(rc.identity['userAgent'], 'e2e-agent');
    assert.equal(rc.identity['user'], null);
    assert.equal(typeof rc['requestTimeEpoch'], 'number');
    assert.ok((rc['requestTimeEpoch'] as number) >= before - 1000 && (rc['requestTimeEpoch'] as number) <= after + 1000);
    assert.match(String(rc['requestTime']), /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(rc['accountId'], '111122223333');
    assert.equal(rc['apiId'], 'abc123defg');
    assert.equal(rc['protocol'], 'HTTP/1.1');
    assert.equal(rc['domainName'], '127.0.0.1');
    assert.equal(typeof rc['deploymentId'], 'string');
    // Success responses of AWS_PROXY carry the trace id too.
    assert.ok(res.headers['x-amzn-trace-id']);
  });

  await t.test('resourceId is stable per resource and differs between resources', async () => {
    const a = (await call(base, '/test/items/1/x')).json() as RestEvent;
    const b = (await call(base, '/test/items/2/x')).json() as RestEvent;
    const c = (await call(base, '/test/plain')).json() as RestEvent;
    assert.equal(a.requestContext['resourceId'], b.requestContext['resourceId']);
    assert.notEqual(a.requestContext['resourceId'], c.requestContext['resourceId']);
  });

  await t.test('null maps: no query, no path variables, a stage without variables', async () => {
    const res = await call(base, '/bare/plain');
    assert.equal(res.status, 200);
    const event = res.json() as RestEvent;
    assert.equal(event.resource, '/plain');
    assert.equal(event.path, '/plain');
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.multiValueQueryStringParameters, null);
    assert.equal(event.pathParameters, null);
    assert.equal(event.stageVariables, null);
    assert.equal(event.requestContext['stage'], 'bare');
    assert.equal(event.requestContext['path'], '/bare/plain');
  });

  await t.test('a greedy {proxy+} resource gets the remaining path, trailing slash kept in path only', async () => {
    const event = (await call(base, '/test/deep/er/')).json() as RestEvent;
    assert.equal(event.resource, '/{proxy+}');
    assert.equal(event.path, '/deep/er/');
    assert.deepEqual(event.pathParameters, { proxy: 'deep/er' });
    assert.equal(event.requestContext['path'], '/test/deep/er/');
  });

  await t.test('a text body arrives as a string with isBase64Encoded false', async () => {
    const res = await call(base, '/test/items/1/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"wörld"}' });
    const event = res.json() as RestEvent;
    assert.equal(event.httpMethod, 'POST');
    assert.equal(event.body, '{"hello":"wörld"}');
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.headers?.['content-type'], 'application/json');
  });

  await t.test('a body whose Content-Type is a binary media type arrives base64 with isBase64Encoded true', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
    const res = await call(base, '/test/items/1/x', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const event = res.json() as RestEvent;
    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.body, bytes.toString('base64'));
  });

  await t.test('statusCode as a numeric string is accepted', async () => {
    const res = await returning(base, { statusCode: '201', body: 'made' });
    assert.equal(res.status, 201);
    assert.equal(res.text, 'made');
  });

  await t.test('a result without statusCode answers 200', async () => {
    const res = await returning(base, { headers: { 'test-header': 'value' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['test-header'], 'value');
  });

  await t.test('{"statusCode":200} alone answers an empty body with Content-Type application/json', async () => {
    const res = await returning(base, { statusCode: 200 });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(res.headers['content-type'], 'application/json');
  });

  await t.test('a non-numeric statusCode is 502 Internal server error', async () => {
    await assertInternalError(await returning(base, { statusCode: 'test' }));
  });

  await t.test('an unknown key in the result is 502 Internal server error', async () => {
    await assertInternalError(await returning(base, { statusCode: 200, wrongValue: 'value' }));
  });

  await t.test('a result that is not an object (a string, null) is 502 Internal server error', async () => {
    await assertInternalError(await returning(base, 'justAString'));
    await assertInternalError(await returning(base, null));
  });

  await t.test('a handler that throws is 502 {"message": "Internal server error"}, logged', async () => {
    const res = await call(base, '/test/boom');
    await assertInternalError(res);
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
    assert.ok(logs.some((l) => JSON.stringify(l).includes('kaboom')), 'the error is logged');
  });

  await t.test('multiValueHeaders: every value sent; headers joins a multi name with its spelling', async () => {
    const res = await returning(base, { statusCode: 200, multiValueHeaders: { 'x-multi': ['value1', 'value2'], 'tesT-Multi2': ['value-multi'] }, headers: { 'test-multi2': 'value-solo', 'x-solo': 's' } });
    assert.equal(res.status, 200);
    assert.equal(joined(res.headers['x-multi']), 'value1, value2');
    assert.equal(joined(res.headers['test-multi2']), 'value-multi, value-solo');
    assert.equal(res.headers['x-solo'], 's');
  });

  await t.test('a multiValueHeaders value that is not a list is 502', async () => {
    await assertInternalError(await returning(base, { statusCode: 200, multiValueHeaders: { 'x-multi': 'value1' } }));
  });

  await t.test('isBase64Encoded body is decoded only when the first Accept type is a binary media type', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const result = { statusCode: 200, headers: { 'content-type': 'image/png' }, isBase64Encoded: true, body: png.toString('base64') };
    const binary = await returning(base, result, { accept: 'image/png' });
    assert.equal(binary.status, 200);
    assert.deepEqual(binary.bytes, png);
    assert.equal(binary.headers['content-type'], 'image/png');
    const text = await returning(base, result, { accept: 'application/json, image/png' });
    assert.equal(text.status, 200);
    assert.equal(text.text, png.toString('base64'), 'the base64 text itself when the first Accept type is not binary');
  });

  await t.test('integration timeout (timeoutInMillis) is 504 {"message": "Endpoint request timed out"}', async () => {
    const res = await call(base, '/test/slow');
    assert.equal(res.status, 504);
    assert.deepEqual(res.json(), { message: 'Endpoint request timed out' });
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
  });

  // AWS: a function past its own timeout is a Lambda function error ("Task timed out after 1.00
  // seconds", Function-Error: Unhandled), which a proxy integration answers 502, not 504 (504 is
  // only API Gateway's own integration timeout).
  await t.test('a function past its own timeout is 502 Internal server error', async () => {
    const res = await call(base, '/test/stuck');
    await assertInternalError(res);
    assert.ok(logs.some((l) => /Task timed out after 1\.00 seconds/.test(JSON.stringify(l))), 'the timeout is logged as Lambda does');
  });

  await t.test('a handler calling process.exit is 502; the worker is replaced and the next request works', async () => {
    const first = await call(base, '/test/quit');
    assert.equal(first.status, 200);
    await assertInternalError(await call(base, '/test/quit?exit=1'));
    const after = await call(base, '/test/quit');
    assert.equal(after.status, 200);
    assert.deepEqual(after.json(), { calls: 1 }, 'a fresh worker: module state starts again');
  });

  await t.test('an AWS_PROXY integration whose httpMethod is not POST answers 500 Internal server error', async () => {
    await assertInternalError(await call(base, '/test/get-method'), 500);
  });
});
