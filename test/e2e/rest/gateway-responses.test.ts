/**
 * REST gateway responses end to end: every type the gateway can produce today, with AWS's
 * default status, body and `x-amzn-ErrorType`, then the same errors customised through
 * `x-amazon-apigateway-gateway-responses` (own status / headers / templates, DEFAULT_4XX and
 * DEFAULT_5XX fallbacks, template selection by Accept). Real sockets, real Lambda workers,
 * a real backend for the HTTP integration.
 * Spec §10.1; https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Client, request, type Dispatcher } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mockIntegration = {
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } } },
};
const lambda = (fn: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: ARN(fn), ...extra },
});

/** One method per gateway response type the gateway produces today. */
function apiDoc(backend: string, root: Record<string, unknown> = {}): string {
  return JSON.stringify({
    openapi: '3.0.1',
    info: { title: 'responses', version: '1' },
    'x-amazon-apigateway-request-validators': { all: { validateRequestBody: true, validateRequestParameters: true } },
    ...root,
    paths: {
      '/params': {
        get: {
          'x-amazon-apigateway-request-validator': 'all',
          parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': mockIntegration,
        },
      },
      '/body': {
        post: {
          'x-amazon-apigateway-request-validator': 'all',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
          'x-amazon-apigateway-integration': mockIntegration,
        },
      },
      '/strict': { post: { 'x-amazon-apigateway-integration': { ...mockIntegration, passthroughBehavior: 'never' } } },
      '/boom': { get: lambda('boom') },
      '/malformed': { get: lambda('malformed') },
      '/slow': { get: lambda('slow', { timeoutInMillis: 300 }) },
      '/slow-http': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'GET',
            uri: `${backend}/slow`,
            timeoutInMillis: 300,
            responses: { default: { statusCode: '200' } },
          },
        },
      },
      '/nomatch': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 500}' },
            responses: { '2\\d{2}': { statusCode: '200' } },
          },
        },
      },
      '/echo': { post: lambda('echo') },
      '/keyed': { get: { security: [{ api_key: [] }], 'x-amazon-apigateway-integration': mockIntegration } },
    },
    components: {
      schemas: { Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
    },
  });
}

function project(backend: string, root: Record<string, unknown> = {}): Record<string, string> {
  return {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
  boom: { handler: fns/boom.handler }
  malformed: { handler: fns/malformed.handler }
  slow: { handler: fns/slow.handler, timeout: 1 }
apis:
  - name: responses
    type: REST
    openapi: api.json
    stage: prod
    stageVariables: { color: blue }
apiKeys:
  - { name: client, value: client-key-0123456789abcdef }
usagePlans:
  - { name: all, apiStages: [{ api: responses, stage: prod }], apiKeys: [client] }
`,
    'api.json': apiDoc(backend, root),
    'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: String(event.body?.length ?? 0) });`,
    'fns/boom.mjs': `export const handler = async () => { throw new Error('kaboom'); };`,
    'fns/malformed.mjs': `export const handler = async () => ({ statusCode: 'teapot' });`,
    'fns/slow.mjs': `export const handler = () => new Promise((r) => setTimeout(() => r({ statusCode: 200, body: 'late' }), 5000));`,
  };
}

/** A backend whose `/slow` answers after 2 s (well past the 300 ms integration timeout). */
async function backend(t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    const timer = setTimeout(() => res.end('{"late":true}'), 2000);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; dispatcher?: Dispatcher } = {}): Promise<Reply> {
  const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null, ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: (): unknown => JSON.parse(text) };
}

/**
 * AWS's default gateway response: status, `{"message":…}` JSON and the error type header.
 * AWS writes the integration failures' bodies with a space after the colon
 * (`{"message": "Internal server error"}`), the gateway's own refusals without.
 */
function assertDefault(res: Reply, status: number, message: string, errorType: string): void {
  assert.equal(res.status, status);
  assert.equal(res.headers['content-type'], 'application/json');
  const spaced = status >= 500;
  assert.equal(res.text, spaced ? `{"message": ${JSON.stringify(message)}}` : JSON.stringify({ message }));
  assert.equal(res.headers['x-amzn-errortype'], errorType);
  assert.match(String(res.headers['x-amzn-requestid']), UUID);
  assert.equal(typeof res.headers['x-amz-apigw-id'], 'string');
  // AWS adds X-Amzn-Trace-Id to integration responses, not to error responses (spec §3.1).
  assert.equal(res.headers['x-amzn-trace-id'], undefined);
}

const BIG = Buffer.alloc(10 * 1024 * 1024 + 1, 32);

/** Sends the oversized body on a connection of its own (see the 413 test on reusing it). */
async function callTooLarge(t: TestContext, base: string): Promise<Reply> {
  const agent = new Agent();
  t.after(() => agent.close());
  return call(base, '/prod/echo', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: BIG, dispatcher: agent });
}

test('REST default gateway responses', async (t) => {
  const { base } = await serveFiles(t, project(await backend(t)));

  await t.test('MISSING_AUTHENTICATION_TOKEN: 403 Missing Authentication Token', async () => {
    assertDefault(await call(base, '/prod/nowhere'), 403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
  });

  await t.test('BAD_REQUEST_PARAMETERS: 400 naming the missing parameters', async () => {
    assertDefault(await call(base, '/prod/params'), 400, 'Missing required request parameters: [q]', 'BadRequestException');
  });

  await t.test('BAD_REQUEST_BODY: 400 Invalid request body', async () => {
    const res = await call(base, '/prod/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"age":3}' });
    assertDefault(res, 400, 'Invalid request body', 'BadRequestException');
  });

  await t.test('UNSUPPORTED_MEDIA_TYPE: 415 when passthroughBehavior never finds no template', async () => {
    const res = await call(base, '/prod/strict', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assertDefault(res, 415, 'Unsupported Media Type', 'BadRequestException');
  });

  await t.test('INTEGRATION_FAILURE: a Lambda proxy function error is 502 Internal server error', async () => {
    assertDefault(await call(base, '/prod/boom'), 502, 'Internal server error', 'InternalServerErrorException');
  });

  await t.test('INTEGRATION_FAILURE: a malformed Lambda proxy result is 502 Internal server error', async () => {
    assertDefault(await call(base, '/prod/malformed'), 502, 'Internal server error', 'InternalServerErrorException');
  });

  await t.test('INTEGRATION_TIMEOUT: a Lambda past timeoutInMillis is 504 Endpoint request timed out', async () => {
    assertDefault(await call(base, '/prod/slow'), 504, 'Endpoint request timed out', 'InternalServerErrorException');
  });

  await t.test('INTEGRATION_TIMEOUT: an HTTP backend past timeoutInMillis is 504 Endpoint request timed out', async () => {
    assertDefault(await call(base, '/prod/slow-http'), 504, 'Endpoint request timed out', 'InternalServerErrorException');
  });

  await t.test('API_CONFIGURATION_ERROR: no matching integration response and no default is 500 Internal server error', async () => {
    assertDefault(await call(base, '/prod/nomatch'), 500, 'Internal server error', 'ApiConfigurationException');
  });

  await t.test('REQUEST_TOO_LARGE: a body over 10 MB is 413', async (t2) => {
    assertDefault(await callTooLarge(t2, base), 413, 'Request Too Long', 'RequestTooLargeException');
  });

  await t.test(
    'a 413 that ends the connection says Connection: close, so a keep-alive client can send its next request',
    async (t2) => {
      const client = new Client(base, { pipelining: 1 });
      t2.after(() => client.close());
      const big = await call(base, '/prod/echo', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: BIG, dispatcher: client });
      assert.equal(big.status, 413);
      assert.equal(big.headers['connection'], 'close');
      const next = await call(base, '/prod/echo', { method: 'POST', body: 'abc', dispatcher: client });
      assert.equal(next.status, 200);
      assert.equal(next.text, '3');
    },
  );

  await t.test('INVALID_API_KEY: a request without an API key, or with one no usage plan knows, is refused 403 Forbidden', async () => {
    assertDefault(await call(base, '/prod/keyed'), 403, 'Forbidden', 'ForbiddenException');
    assertDefault(await call(base, '/prod/keyed', { headers: { 'x-api-key': 'some-key-value-1234567890' } }), 403, 'Forbidden', 'ForbiddenException');
  });

  await t.test('the methods that pass answer normally (the errors above come from the gateway)', async () => {
    assert.equal((await call(base, '/prod/params?q=1')).text, '{"ok":true}');
    assert.equal((await call(base, '/prod/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rex"}' })).text, '{"ok":true}');
    assert.equal((await call(base, '/prod/strict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).text, '{"ok":true}');
    assert.equal((await call(base, '/prod/keyed', { headers: { 'x-api-key': 'client-key-0123456789abcdef' } })).text, '{"ok":true}');
    const echo = await call(base, '/prod/echo', { method: 'POST', body: 'abc' });
    assert.equal(echo.status, 200);
    assert.equal(echo.text, '3');
  });
});

test('REST THROTTLED: stage throttling answers 429 Too Many Requests', async (t) => {
  const { base } = await serveFiles(t, {
    'portico.yaml': `
apis:
  - name: limited
    type: REST
    openapi: api.json
    stage: prod
    throttling: { rateLimit: 1, burstLimit: 1 }
`,
    'api.json': JSON.stringify({ openapi: '3.0.1', info: { title: 'limited', version: '1' }, paths: { '/ping': { get: { 'x-amazon-apigateway-integration': mockIntegration } } } }),
  });
  // Burst 1, refilled at 1 request per second: of three requests sent at once, one passes.
  const replies = await Promise.all([1, 2, 3].map(() => call(base, '/prod/ping')));
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 429, 429]);
  for (const res of replies.filter((r) => r.status === 429)) assertDefault(res, 429, 'Too Many Requests', 'TooManyRequestsException');
});

const CUSTOM = {
  'x-amazon-apigateway-gateway-responses': {
    MISSING_AUTHENTICATION_TOKEN: {
      statusCode: '404',
      responseParameters: {
        'gatewayresponse.header.X-Static': "'static-value'",
        'gatewayresponse.header.X-Echo': 'method.request.header.x-echo',
        'gatewayresponse.header.X-Color': 'stageVariables.color',
        'gatewayresponse.header.X-Req': 'context.requestId',
      },
      responseTemplates: {
        'application/json': '{"msg":$context.error.messageString,"type":"$context.error.responseType","raw":"$context.error.message","color":"$stageVariables.color"}',
        'text/plain': 'plain: $context.error.message ($context.error.responseType)',
      },
    },
    DEFAULT_4XX: {
      responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
      responseTemplates: { 'application/json': '{"default4xx":$context.error.messageString,"type":"$context.error.responseType"}' },
    },
    BAD_REQUEST_BODY: {
      statusCode: '422',
      responseTemplates: { 'application/json': '{"body":$context.error.messageString}' },
    },
    UNSUPPORTED_MEDIA_TYPE: {
      responseTemplates: { 'application/xml': '<error>$context.error.message</error>' },
    },
    DEFAULT_5XX: {
      responseParameters: { 'gatewayresponse.header.X-Five': "'yes'" },
      responseTemplates: { 'application/json': '{"default5xx":$context.error.messageString,"type":"$context.error.responseType"}' },
    },
    INTEGRATION_TIMEOUT: {
      statusCode: '503',
      responseTemplates: { 'application/json': '{"timeout":$context.error.messageString}' },
    },
    REQUEST_TOO_LARGE: {
      statusCode: '400',
      responseTemplates: { 'application/json': '{"custom":"too large"}' },
    },
  },
};

test('REST gateway responses customised with x-amazon-apigateway-gateway-responses', async (t) => {
  const { base } = await serveFiles(t, project(await backend(t), CUSTOM));

  await t.test("a type's own statusCode, headers and template apply", async () => {
    const res = await call(base, '/prod/nowhere', { headers: { 'x-echo': 'from-client' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), { msg: 'Missing Authentication Token', type: 'MISSING_AUTHENTICATION_TOKEN', raw: 'Missing Authentication Token', color: 'blue' });
    assert.equal(res.headers['x-static'], 'static-value');
    assert.equal(res.headers['x-echo'], 'from-client');
    assert.equal(res.headers['x-color'], 'blue');
    assert.match(String(res.headers['x-req']), UUID);
    assert.equal(res.headers['x-req'], res.headers['x-amzn-requestid']);
    assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    // The type has its own setting, so DEFAULT_4XX's header does not apply.
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  await t.test('a header mapped from a request header the client did not send is left out', async () => {
    const res = await call(base, '/prod/nowhere');
    assert.equal(res.status, 404);
    assert.equal(res.headers['x-echo'], undefined);
    assert.equal(res.headers['x-static'], 'static-value');
  });

  await t.test('the template is chosen by the first media type of Accept', async () => {
    const plain = await call(base, '/prod/nowhere', { headers: { accept: 'text/plain' } });
    assert.equal(plain.status, 404);
    assert.match(String(plain.headers['content-type']), /^text\/plain/);
    assert.equal(plain.text, 'plain: Missing Authentication Token (MISSING_AUTHENTICATION_TOKEN)');
    const first = await call(base, '/prod/nowhere', { headers: { accept: 'text/plain, application/json' } });
    assert.equal(first.text, 'plain: Missing Authentication Token (MISSING_AUTHENTICATION_TOKEN)');
    // Only the first type counts; with no template for it, application/json is used.
    const other = await call(base, '/prod/nowhere', { headers: { accept: 'text/html, text/plain' } });
    assert.equal(other.headers['content-type'], 'application/json');
    assert.equal((other.json() as { type: string }).type, 'MISSING_AUTHENTICATION_TOKEN');
  });

  await t.test('without an application/json template, the first defined template is used', async () => {
    const res = await call(base, '/prod/strict', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(res.status, 415);
    assert.match(String(res.headers['content-type']), /^application\/xml/);
    assert.equal(res.text, '<error>Unsupported Media Type</error>');
    // UNSUPPORTED_MEDIA_TYPE has its own setting: DEFAULT_4XX's header does not apply.
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  await t.test('DEFAULT_4XX applies to a 4xx type without its own setting, keeping its status and error type', async () => {
    const res = await call(base, '/prod/params');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), { default4xx: 'Missing required request parameters: [q]', type: 'BAD_REQUEST_PARAMETERS' });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException');

    const keyed = await call(base, '/prod/keyed');
    assert.equal(keyed.status, 403);
    assert.deepEqual(keyed.json(), { default4xx: 'Forbidden', type: 'INVALID_API_KEY' });
    assert.equal(keyed.headers['access-control-allow-origin'], '*');
  });

  await t.test('DEFAULT_4XX does not apply to a 4xx type with its own setting', async () => {
    const res = await call(base, '/prod/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 422);
    assert.deepEqual(res.json(), { body: 'Invalid request body' });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException');
  });

  await t.test('DEFAULT_5XX applies to 5xx types without their own setting, keeping their statuses', async () => {
    const boom = await call(base, '/prod/boom');
    assert.equal(boom.status, 502);
    assert.deepEqual(boom.json(), { default5xx: 'Internal server error', type: 'INTEGRATION_FAILURE' });
    assert.equal(boom.headers['x-five'], 'yes');
    assert.equal(boom.headers['x-amzn-errortype'], 'InternalServerErrorException');
    // DEFAULT_4XX is for 4xx types only.
    assert.equal(boom.headers['access-control-allow-origin'], undefined);

    const nomatch = await call(base, '/prod/nomatch');
    assert.equal(nomatch.status, 500);
    assert.deepEqual(nomatch.json(), { default5xx: 'Internal server error', type: 'API_CONFIGURATION_ERROR' });
    assert.equal(nomatch.headers['x-five'], 'yes');
  });

  await t.test("a 5xx type's own statusCode and template win over DEFAULT_5XX", async () => {
    for (const path of ['/prod/slow', '/prod/slow-http']) {
      const res = await call(base, path);
      assert.equal(res.status, 503, path);
      assert.deepEqual(res.json(), { timeout: 'Endpoint request timed out' });
      assert.equal(res.headers['x-five'], undefined);
      assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
    }
  });

  await t.test('REQUEST_TOO_LARGE cannot be customised: still 413 Request Too Long', async (t2) => {
    const res = await callTooLarge(t2, base);
    assert.equal(res.status, 413);
    assert.equal(res.text, '{"message":"Request Too Long"}');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

test('REST DEFAULT_4XX / DEFAULT_5XX with a statusCode change the status of every type they cover', async (t) => {
  const { base } = await serveFiles(t, {
    ...project('http://127.0.0.1:9', {
      'x-amazon-apigateway-gateway-responses': {
        DEFAULT_4XX: { statusCode: '418', responseParameters: { 'gatewayresponse.header.X-Four': "'4'" } },
        DEFAULT_5XX: { statusCode: '503' },
        BAD_REQUEST_BODY: { responseParameters: { 'gatewayresponse.header.X-Own': "'own'" } },
      },
    }),
  });

  await t.test('a 4xx type without its own setting takes DEFAULT_4XX status and headers, and keeps its default body', async () => {
    const res = await call(base, '/prod/nowhere');
    assert.equal(res.status, 418);
    assert.equal(res.text, '{"message":"Missing Authentication Token"}');
    assert.equal(res.headers['x-four'], '4');
    assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    const params = await call(base, '/prod/params');
    assert.equal(params.status, 418);
    assert.equal(params.text, '{"message":"Missing required request parameters: [q]"}');
  });

  await t.test('a type with its own setting (headers only) keeps its own default status and body', async () => {
    const res = await call(base, '/prod/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 400);
    assert.equal(res.text, '{"message":"Invalid request body"}');
    assert.equal(res.headers['x-own'], 'own');
    assert.equal(res.headers['x-four'], undefined);
  });

  await t.test('a 5xx type without its own setting takes the DEFAULT_5XX status', async () => {
    const res = await call(base, '/prod/boom');
    assert.equal(res.status, 503);
    assert.equal(res.text, '{"message": "Internal server error"}');
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
  });
});
