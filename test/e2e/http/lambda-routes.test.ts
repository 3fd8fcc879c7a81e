/**
 * HTTP API Lambda routes end to end: a real HTTP client against a started gateway, real
 * worker threads running the handlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

const files = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
  raw: { handler: fns/raw.handler }
  boom: { handler: fns/boom.handler }
  slow: { handler: fns/slow.handler, timeout: 10 }
  stuck: { handler: fns/stuck.handler, timeout: 1 }
  quit: { handler: fns/quit.handler }
  cb: { handler: fns/cb.handler }
apis:
  - name: api
    type: HTTP
    openapi: api.yaml
    stages:
      - { name: $default, variables: { color: blue } }
      - { name: dev, variables: { color: red } }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /echo/{id}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('echo')}", payloadFormatVersion: "2.0" }
  /echo1/{id}:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('echo')}", payloadFormatVersion: "1.0" }
  /mapped:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: "${ARN('echo')}"
        payloadFormatVersion: "2.0"
        requestParameters:
          "append:header.x-added": "$context.routeKey"
          "remove:header.x-drop": "''"
          "overwrite:querystring.q": "fixed"
        responseParameters:
          "200": { "overwrite:statuscode": "203", "append:header.x-stage": "$stageVariables.color" }
  /raw:
    post:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('raw')}", payloadFormatVersion: "2.0" }
  /boom:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('boom')}", payloadFormatVersion: "2.0" }
  /slow:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('slow')}", payloadFormatVersion: "2.0", timeoutInMillis: 300 }
  /stuck:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('stuck')}", payloadFormatVersion: "2.0" }
  /quit:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('quit')}", payloadFormatVersion: "2.0" }
  /cb:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('cb')}", payloadFormatVersion: "2.0" }
`,
  'fns/echo.mjs': `export const handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ event, fn: context.functionName }) });`,
  // Returns whatever the request body says, to exercise the response parser.
  'fns/raw.mjs': `export const handler = async (event) => JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body);`,
  'fns/boom.mjs': `export const handler = async () => { throw new Error('kaboom'); };`,
  'fns/slow.mjs': `export const handler = () => new Promise((r) => setTimeout(() => r({ ok: true }), 3000));`,
  'fns/stuck.mjs': `export const handler = () => new Promise(() => {}); let n = 0; export const count = () => ++n;`,
  'fns/quit.mjs': `let calls = 0; export const handler = async (event) => { calls++; if (event.queryStringParameters?.exit) process.exit(3); return { calls }; };`,
  'fns/cb.cjs': `exports.handler = (event, context, cb) => cb(null, { statusCode: 202, headers: { 'x-style': 'callback' }, body: 'ok' });`,
};

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}) {
  const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: (): unknown => JSON.parse(text) };
}

test('HTTP API Lambda routes', async (t) => {
  const { base, logs } = await serveFiles(t, files);

  await t.test('payload 2.0 event as AWS sends it, through a real socket', async () => {
    const res = await call(base, '/echo/42?a=1&a=2&b=x+y', {
      method: 'POST',
      headers: { 'X-Custom': ['one', 'two'], cookie: 'c1=v1; c2=v2', 'content-type': 'application/json', 'user-agent': 'e2e' },
      body: '{"hello":"world"}',
    });
    assert.equal(res.status, 200);
    const { event, fn } = res.json() as { event: Record<string, unknown> & { requestContext: Record<string, unknown> & { http: Record<string, unknown> } }; fn: string };
    assert.equal(fn, 'echo');
    assert.equal(event['version'], '2.0');
    assert.equal(event['routeKey'], 'ANY /echo/{id}');
    assert.equal(event['rawPath'], '/echo/42');
    assert.equal(event['rawQueryString'], 'a=1&a=2&b=x+y');
    assert.deepEqual(event['cookies'], ['c1=v1', 'c2=v2']);
    const headers = event['headers'] as Record<string, string>;
    assert.equal(headers['x-custom'], 'one,two');
    assert.equal(headers['cookie'], undefined);
    assert.deepEqual(event['queryStringParameters'], { a: '1,2', b: 'x y' });
    assert.deepEqual(event['pathParameters'], { id: '42' });
    assert.deepEqual(event['stageVariables'], { color: 'blue' });
    assert.equal(event['body'], '{"hello":"world"}');
    assert.equal(event['isBase64Encoded'], false);
    assert.equal(event.requestContext['stage'], '$default');
    assert.equal(event.requestContext.http['method'], 'POST');
    assert.equal(event.requestContext.http['sourceIp'], '127.0.0.1');
    assert.equal(event.requestContext.http['userAgent'], 'e2e');
    // Headers AWS's front end adds before the integration.
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.match(headers['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(headers['content-length'], '17');
    assert.equal(res.headers['apigw-requestid'], event.requestContext['requestId']);
    assert.match(String(event.requestContext['requestId']), /^[A-Za-z0-9+/]{15}=$/);
    assert.equal(typeof event.requestContext['timeEpoch'], 'number');
    assert.match(String(event.requestContext['time']), /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
  });

  await t.test('a named stage is selected by the first segment and kept in rawPath', async () => {
    const res = await call(base, '/dev/echo/7');
    assert.equal(res.status, 200);
    const { event } = res.json() as { event: Record<string, unknown> & { requestContext: Record<string, unknown> } };
    assert.equal(event['rawPath'], '/dev/echo/7');
    assert.equal(event.requestContext['stage'], 'dev');
    assert.deepEqual(event['stageVariables'], { color: 'red' });
  });

  await t.test('binary bodies are base64 with isBase64Encoded true', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await call(base, '/echo/1', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const { event } = res.json() as { event: Record<string, unknown> };
    assert.equal(event['isBase64Encoded'], true);
    assert.equal(event['body'], bytes.toString('base64'));
  });

  await t.test('payload 1.0 event on an HTTP API', async () => {
    const res = await call(base, '/echo1/9?x=1');
    const { event } = res.json() as { event: Record<string, unknown> & { requestContext: Record<string, unknown> } };
    assert.equal(event['version'], '1.0');
    assert.equal(event['httpMethod'], 'GET');
    assert.equal(event['path'], '/echo1/9');
    assert.equal(event['resource'], '/echo1/{id}');
    assert.deepEqual(event['pathParameters'], { id: '9' });
    assert.deepEqual(event['queryStringParameters'], { x: '1' });
    assert.deepEqual(event['multiValueQueryStringParameters'], { x: ['1'] });
    assert.equal(event['body'], null);
    // Real HTTP API 1.0 events carry the route key as resourceId (see test/fixtures/aws-events).
    assert.equal(event.requestContext['resourceId'], 'GET /echo1/{id}');
  });

  await t.test('parameter mapping applies to Lambda routes: the event sees mapped headers and query, the client a mapped answer', async () => {
    const res = await call(base, '/mapped?q=client&keep=1', { headers: { 'x-drop': 'secret', 'x-keep': 'yes' } });
    assert.equal(res.status, 203);
    assert.equal(res.headers['x-stage'], 'blue');
    const { event } = res.json() as { event: Record<string, unknown> };
    const headers = event['headers'] as Record<string, string>;
    assert.equal(headers['x-added'], 'GET /mapped');
    assert.equal(headers['x-drop'], undefined);
    assert.equal(headers['x-keep'], 'yes');
    assert.deepEqual(event['queryStringParameters'], { q: 'fixed', keep: '1' });
  });

  await t.test('2.0 response inference: an object without statusCode is 200 JSON', async () => {
    const res = await call(base, '/raw', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    assert.deepEqual(res.json(), { a: 1 });
  });

  await t.test('2.0 explicit response: status, headers, cookies, base64 body', async () => {
    const out = { statusCode: 201, headers: { 'x-a': 'b' }, cookies: ['s=1; Path=/', 't=2'], isBase64Encoded: true, body: Buffer.from('binary!').toString('base64') };
    const res = await call(base, '/raw', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-a'], 'b');
    assert.deepEqual(res.headers['set-cookie'], ['s=1; Path=/', 't=2']);
    assert.equal(res.text, 'binary!');
  });

  await t.test('a malformed Lambda result is 500 Internal Server Error', async () => {
    const res = await call(base, '/raw', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"statusCode":"teapot"}' });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { message: 'Internal Server Error' });
  });

  await t.test('a handler that throws is 500 Internal Server Error, logged with its stack', async () => {
    const res = await call(base, '/boom');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { message: 'Internal Server Error' });
    assert.ok(res.headers['apigw-requestid']);
    assert.ok(logs.some((l) => JSON.stringify(l).includes('kaboom')), 'the error is logged');
  });

  await t.test('callback-style CommonJS handler', async () => {
    const res = await call(base, '/cb');
    assert.equal(res.status, 202);
    assert.equal(res.headers['x-style'], 'callback');
    assert.equal(res.text, 'ok');
  });

  await t.test('integration timeout (timeoutInMillis) is 503 Service Unavailable', async () => {
    const res = await call(base, '/slow');
    assert.equal(res.status, 503);
    assert.deepEqual(res.json(), { message: 'Service Unavailable' });
  });

  await t.test('a function past its own timeout is 500, and its worker is replaced', async () => {
    const res = await call(base, '/stuck');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { message: 'Internal Server Error' });
    assert.ok(logs.some((l) => /Task timed out after 1\.00 seconds/.test(JSON.stringify(l))));
  });

  await t.test('a handler calling process.exit is 500; the gateway and the next invocation live on', async () => {
    const first = await call(base, '/quit');
    assert.equal(first.status, 200);
    const dead = await call(base, '/quit?exit=1');
    assert.equal(dead.status, 500);
    const after = await call(base, '/quit');
    assert.equal(after.status, 200);
    // A fresh worker: its module state starts again.
    assert.deepEqual(after.json(), { calls: 1 });
  });

  await t.test('no route is 404 Not Found', async () => {
    const res = await call(base, '/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { message: 'Not Found' });
    assert.ok(res.headers['apigw-requestid']);
  });

  await t.test('a body over 10 MB is 413', async () => {
    const res = await call(base, '/raw', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(10 * 1024 * 1024 + 1, 32) });
    assert.equal(res.status, 413);
  });

  await t.test('one access-log line per request with the promised fields', () => {
    const access = logs.filter((l) => l['log'] === 'access');
    assert.ok(access.length >= 10);
    const line = access.find((l) => l['routeKey'] === 'ANY /echo/{id}');
    assert.ok(line);
    for (const k of ['requestId', 'api', 'stage', 'routeKey', 'status', 'latency', 'integrationLatency', 'ip', 'userAgent']) assert.ok(k in line, `access log has ${k}`);
  });
});
