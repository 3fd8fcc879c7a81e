/**
 * REST API routing end to end: stage selection, resource-tree precedence, ANY vs a concrete
 * method, the answers for unknown stages / paths / methods, X-HTTP-Method-Override, the headers
 * every REST response carries, and the three ways of addressing an API (the port's only API,
 * `/_aws/execute-api/{apiId}/…`, Host `{apiId}.execute-api.localhost`). A real HTTP client
 * against a started gateway; Lambda methods run in real worker threads.
 * Spec §1.1, §1.2, §3.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAT = { message: 'Missing Authentication Token' };

/** A MOCK method answering 200 with `body` (rendered as an application/json template). */
const mock = (body: string): Record<string, unknown> => ({
  responses: { '200': { description: 'ok' } },
  'x-amazon-apigateway-integration': {
    type: 'mock',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': body } } },
  },
});
const lambda = (fn: string): Record<string, unknown> => ({
  'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: ARN(fn) },
});

const api = {
  openapi: '3.0.1',
  info: { title: 'routing', version: '1' },
  paths: {
    '/items': { get: mock('{"route":"GET /items","color":"$stageVariables.color"}') },
    '/items/special': { get: mock('{"route":"GET /items/special"}') },
    '/items/{id}': { get: mock('{"route":"GET /items/{id}","id":"$input.params(\'id\')"}') },
    '/files/readme': { get: mock('{"route":"GET /files/readme"}') },
    '/files/{proxy+}': { 'x-amazon-apigateway-any-method': lambda('echo') },
    '/things': {
      get: mock('{"route":"GET /things"}'),
      'x-amazon-apigateway-any-method': mock('{"route":"ANY /things"}'),
    },
    '/echo': { get: lambda('echo') },
  },
};

const files = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - name: routing
    type: REST
    apiId: route1
    openapi: api.json
    stages:
      - { name: prod, variables: { color: blue } }
      - { name: dev, variables: { color: red } }
`,
  'api.json': JSON.stringify(api),
  'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });`,
};

/**
 * A second API with a root-level greedy `/{proxy+}` beside `/items/…` (AWS allows only one
 * variable sibling, so `{param}` and `{proxy+}` compete across levels).
 */
const rootProxyFiles = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - name: catchall
    type: REST
    openapi: api.json
    stage: prod
`,
  'api.json': JSON.stringify({ openapi: '3.0.1', info: { title: 'catchall', version: '1' }, paths: {
      '/{proxy+}': { 'x-amazon-apigateway-any-method': lambda('echo') },
      '/items/special': { get: mock('{"route":"GET /items/special"}') },
      '/items/{id}': { get: mock('{"route":"GET /items/{id}","id":"$input.params(\'id\')"}') },
    },
  }),
  'fns/echo.mjs': files['fns/echo.mjs'],
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {} });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: (): unknown => JSON.parse(text) };
}

type Event = Record<string, unknown> & { requestContext: Record<string, unknown> };

function assertMissingToken(res: Reply, withBody = true): void {
  assert.equal(res.status, 403);
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
  assert.match(String(res.headers['content-type']), /^application\/json/);
  if (withBody) assert.deepEqual(res.json(), MAT);
}

test('REST API routing', async (t) => {
  const { base } = await serveFiles(t, files);

  await t.test('an unknown stage is 403 {"message":"Forbidden"}', async () => {
    const res = await call(base, '/staging/items');
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), { message: 'Forbidden' });
  });

  await t.test('stage names are case-sensitive: /Prod is an unknown stage', async () => {
    const res = await call(base, '/Prod/items');
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), { message: 'Forbidden' });
  });

  await t.test('a request with no stage (/) is 403 {"message":"Forbidden"}', async () => {
    const res = await call(base, '/');
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), { message: 'Forbidden' });
  });

  await t.test('an unknown path is 403 Missing Authentication Token with x-amzn-ErrorType', async () => {
    assertMissingToken(await call(base, '/prod/nope'));
    assertMissingToken(await call(base, '/prod/items/1/deeper'));
  });

  await t.test('a known path with an undefined method is 403 Missing Authentication Token', async () => {
    assertMissingToken(await call(base, '/prod/items', { method: 'DELETE' }));
    assertMissingToken(await call(base, '/prod/items/special', { method: 'POST' }));
  });

  await t.test('the stage root without a root method is 403 Missing Authentication Token', async () => {
    assertMissingToken(await call(base, '/prod/'));
    assertMissingToken(await call(base, '/prod'));
  });

  await t.test('a literal resource beats {param}', async () => {
    const res = await call(base, '/prod/items/special');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /items/special' });
  });

  await t.test('{param} takes one segment when no literal matches', async () => {
    const res = await call(base, '/prod/items/42');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /items/{id}', id: '42' });
  });

  await t.test('a literal beats a sibling {proxy+}', async () => {
    assert.deepEqual((await call(base, '/prod/files/readme')).json(), { route: 'GET /files/readme' });
    const res = await call(base, '/prod/files/a/b/c');
    assert.equal(res.status, 200);
    const event = res.json() as Event;
    assert.equal(event['resource'], '/files/{proxy+}');
    assert.deepEqual(event['pathParameters'], { proxy: 'a/b/c' });
  });

  await t.test('a path the literal branch cannot finish falls back to {proxy+}', async () => {
    const event = (await call(base, '/prod/files/readme/notes')).json() as Event;
    assert.equal(event['resource'], '/files/{proxy+}');
    assert.deepEqual(event['pathParameters'], { proxy: 'readme/notes' });
  });

  await t.test('{proxy+} does not match an empty remainder', async () => {
    assertMissingToken(await call(base, '/prod/files/'));
    assertMissingToken(await call(base, '/prod/files'));
  });

  await t.test('a concrete method beats ANY on the same resource; ANY takes the others', async () => {
    assert.deepEqual((await call(base, '/prod/things')).json(), { route: 'GET /things' });
    assert.deepEqual((await call(base, '/prod/things', { method: 'POST' })).json(), { route: 'ANY /things' });
    assert.deepEqual((await call(base, '/prod/things', { method: 'DELETE' })).json(), { route: 'ANY /things' });
    assert.deepEqual((await call(base, '/prod/things', { method: 'PATCH' })).json(), { route: 'ANY /things' });
  });

  await t.test('ANY serves HEAD', async () => {
    const res = await call(base, '/prod/things', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });

  await t.test('HEAD is not served by a GET method', async () => {
    assertMissingToken(await call(base, '/prod/items', { method: 'HEAD' }), false);
  });

  await t.test('one trailing slash is ignored when matching', async () => {
    const res = await call(base, '/prod/items/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /items', color: 'blue' });
    assert.deepEqual((await call(base, '/prod/items/special/')).json(), { route: 'GET /items/special' });
  });

  await t.test('extra slashes right after the stage are dropped for routing', async () => {
    assert.deepEqual((await call(base, '/prod//items/special')).json(), { route: 'GET /items/special' });
    const event = (await call(base, '/prod//echo')).json() as Event;
    assert.equal(event['resource'], '/echo');
    assert.equal(event['path'], '/echo');
    assert.equal(event.requestContext['path'], '/prod//echo');
  });

  await t.test('X-HTTP-Method-Override changes the method used for routing', async () => {
    const res = await call(base, '/prod/things', { method: 'POST', headers: { 'X-HTTP-Method-Override': 'GET' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /things' });
    const get = await call(base, '/prod/items', { method: 'POST', headers: { 'x-http-method-override': 'GET' } });
    assert.equal(get.status, 200);
    assert.deepEqual(get.json(), { route: 'GET /items', color: 'blue' });
    // Overridden to a method the resource lacks: no match, although GET alone would match.
    assertMissingToken(await call(base, '/prod/items', { headers: { 'X-HTTP-Method-Override': 'DELETE' } }));
  });

  await t.test('every response carries x-amzn-RequestId (a UUID) and x-amz-apigw-id, fresh per request', async () => {
    const responses = [
      await call(base, '/prod/items'), // MOCK
      await call(base, '/prod/echo'), // Lambda proxy
      await call(base, '/prod/nope'), // gateway response
      await call(base, '/nostage/items'), // unknown stage
    ];
    const ids = new Set<string>();
    for (const res of responses) {
      const id = String(res.headers['x-amzn-requestid']);
      assert.match(id, UUID);
      ids.add(id);
      assert.equal(typeof res.headers['x-amz-apigw-id'], 'string');
      assert.notEqual(res.headers['x-amz-apigw-id'], '');
    }
    assert.equal(ids.size, responses.length);
  });

  await t.test('the Lambda event sees the same request id as x-amzn-RequestId', async () => {
    const res = await call(base, '/prod/echo');
    const event = res.json() as Event;
    assert.equal(event.requestContext['requestId'], res.headers['x-amzn-requestid']);
    assert.equal(event.requestContext['extendedRequestId'], res.headers['x-amz-apigw-id']);
  });

  await t.test('X-Amzn-Trace-Id is on Lambda responses, not on MOCK ones', async () => {
    const viaLambda = await call(base, '/prod/echo');
    assert.match(String(viaLambda.headers['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
    const viaMock = await call(base, '/prod/items');
    assert.equal(viaMock.status, 200);
    assert.equal(viaMock.headers['x-amzn-trace-id'], undefined);
    // Nor on gateway (error) responses.
    assert.equal((await call(base, '/prod/nope')).headers['x-amzn-trace-id'], undefined);
  });

  await t.test('several stages: each selects its own stage variables', async () => {
    assert.deepEqual((await call(base, '/prod/items')).json(), { route: 'GET /items', color: 'blue' });
    assert.deepEqual((await call(base, '/dev/items')).json(), { route: 'GET /items', color: 'red' });
    const prod = (await call(base, '/prod/echo')).json() as Event;
    const dev = (await call(base, '/dev/echo')).json() as Event;
    assert.equal(prod.requestContext['stage'], 'prod');
    assert.deepEqual(prod['stageVariables'], { color: 'blue' });
    assert.equal(dev.requestContext['stage'], 'dev');
    assert.deepEqual(dev['stageVariables'], { color: 'red' });
    assert.equal(dev['path'], '/echo');
    assert.equal(dev.requestContext['path'], '/dev/echo');
  });

  await t.test('/_aws/execute-api/{apiId}/{stage}/… addresses the REST API', async () => {
    const res = await call(base, '/_aws/execute-api/route1/dev/items/special');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /items/special' });
    const event = (await call(base, '/_aws/execute-api/route1/prod/echo')).json() as Event;
    assert.equal(event['path'], '/echo');
    assert.equal(event.requestContext['stage'], 'prod');
    // The stage is still required after the API id.
    const none = await call(base, '/_aws/execute-api/route1/items');
    assert.equal(none.status, 403);
    assert.deepEqual(none.json(), { message: 'Forbidden' });
  });

  await t.test('Host {apiId}.execute-api.localhost addresses the REST API', async () => {
    const res = await call(base, '/dev/items', { headers: { host: 'route1.execute-api.localhost' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { route: 'GET /items', color: 'red' });
    assertMissingToken(await call(base, '/dev/nope', { headers: { host: 'route1.execute-api.localhost' } }));
  });
});

test('REST API with a root-level {proxy+}', async (t) => {
  const { base } = await serveFiles(t, rootProxyFiles);

  await t.test('/{proxy+} does not match the stage root /prod/', async () => {
    assertMissingToken(await call(base, '/prod/'));
    assertMissingToken(await call(base, '/prod'));
  });

  await t.test('literal beats {param} beats a greedy {proxy+} higher up', async () => {
    assert.deepEqual((await call(base, '/prod/items/special')).json(), { route: 'GET /items/special' });
    assert.deepEqual((await call(base, '/prod/items/42')).json(), { route: 'GET /items/{id}', id: '42' });
    const deeper = (await call(base, '/prod/items/42/photos')).json() as Event;
    assert.equal(deeper['resource'], '/{proxy+}');
    assert.deepEqual(deeper['pathParameters'], { proxy: 'items/42/photos' });
    const other = (await call(base, '/prod/other')).json() as Event;
    assert.deepEqual(other['pathParameters'], { proxy: 'other' });
  });

  await t.test('/{proxy+} takes every deeper path, with a trailing slash stripped from proxy but kept in path', async () => {
    const one = (await call(base, '/prod/a')).json() as Event;
    assert.equal(one['resource'], '/{proxy+}');
    assert.deepEqual(one['pathParameters'], { proxy: 'a' });
    const deep = (await call(base, '/prod/a/b/', { method: 'PUT' })).json() as Event;
    assert.equal(deep['httpMethod'], 'PUT');
    assert.deepEqual(deep['pathParameters'], { proxy: 'a/b' });
    assert.equal(deep['path'], '/a/b/');
    assert.equal(deep.requestContext['path'], '/prod/a/b/');
  });
});
