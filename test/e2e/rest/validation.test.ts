/**
 * REST request validation end to end: validators from `x-amazon-apigateway-request-validators`,
 * the root default `x-amazon-apigateway-request-validator` and per-operation overrides;
 * required header / query / path parameters (400 with AWS's wording and order), bodies against
 * models (`components.schemas`, nested `$ref` between models), empty and non-JSON bodies,
 * parameters checked before the body, and `$context.error.validationErrorString` in a custom
 * BAD_REQUEST_BODY template. Real sockets against a started gateway.
 * Spec §10.2; https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/** A MOCK method body answering 200 `{"ok":true}`. */
const ok = {
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } } },
};
const petBody = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } };
const header = (name: string): Record<string, unknown> => ({ name, in: 'header', required: true, schema: { type: 'string' } });
const query = (name: string): Record<string, unknown> => ({ name, in: 'query', required: true, schema: { type: 'string' } });
const path = (name: string): Record<string, unknown> => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const api = {
  openapi: '3.0.1',
  info: { title: 'validation', version: '1' },
  'x-amazon-apigateway-request-validators': {
    all: { validateRequestBody: true, validateRequestParameters: true },
    'params-only': { validateRequestBody: false, validateRequestParameters: true },
    'body-only': { validateRequestBody: true, validateRequestParameters: false },
    none: { validateRequestBody: false, validateRequestParameters: false },
  },
  // The API-wide default; operations below override it.
  'x-amazon-apigateway-request-validator': 'all',
  'x-amazon-apigateway-gateway-responses': {
    BAD_REQUEST_BODY: {
      responseTemplates: {
        'application/json': '{"message":$context.error.messageString}',
        'text/plain': '$context.error.validationErrorString',
      },
    },
  },
  paths: {
    // Root default validator (all): a header and a query parameter, and the Pet model.
    '/pets': {
      post: { parameters: [header('x-tenant'), query('source')], requestBody: petBody, 'x-amazon-apigateway-integration': ok },
      // No model: only parameters to check. A blank value counts as missing.
      get: { parameters: [query('limit'), { name: 'offset', in: 'query', schema: { type: 'string' } }], 'x-amazon-apigateway-integration': ok },
    },
    '/pets/{petId}': {
      // Override: parameters only; the body is not validated.
      put: {
        'x-amazon-apigateway-request-validator': 'params-only',
        parameters: [path('petId'), query('version')],
        requestBody: petBody,
        'x-amazon-apigateway-integration': ok,
      },
      // Override: body only; the required header is not checked.
      post: {
        'x-amazon-apigateway-request-validator': 'body-only',
        parameters: [path('petId'), header('x-tenant')],
        requestBody: petBody,
        'x-amazon-apigateway-integration': ok,
      },
      // Override: a validator that validates nothing.
      patch: {
        'x-amazon-apigateway-request-validator': 'none',
        parameters: [path('petId'), header('x-tenant')],
        requestBody: petBody,
        'x-amazon-apigateway-integration': ok,
      },
    },
    // Path, header and query parameters together, named so that sorting by name alone would differ.
    '/shops/{shopId}/orders': {
      get: { parameters: [query('a-query'), header('z-header'), path('shopId'), query('b-query'), header('m-header')], 'x-amazon-apigateway-integration': ok },
    },
    // A Lambda behind a validator: an invalid request never reaches it.
    '/count': {
      post: { requestBody: petBody, 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: ARN('count') } },
    },
  },
  components: {
    schemas: {
      Pet: {
        type: 'object',
        required: ['name', 'owner'],
        properties: {
          name: { type: 'string' },
          kind: { type: 'string', enum: ['dog', 'cat'] },
          owner: { $ref: '#/components/schemas/Owner' },
        },
      },
      Owner: { type: 'object', required: ['email'], properties: { email: { type: 'string' }, address: { $ref: '#/components/schemas/Address' } } },
      Address: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
    },
  },
};

const files = {
  'portico.yaml': `
functions:
  count: { handler: fns/count.handler }
apis:
  - name: validation
    type: REST
    openapi: api.json
    stage: prod
`,
  'api.json': JSON.stringify(api),
  'fns/count.mjs': `let calls = 0; export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ calls: ++calls }) });`,
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

async function call(base: string, p: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const res = await request(base + p, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: (): unknown => JSON.parse(text) };
}

const JSON_CT = { 'content-type': 'application/json' };
const VALID_PET = JSON.stringify({ name: 'rex', kind: 'dog', owner: { email: 'a@b.c', address: { city: 'Oslo' } } });

function assertMissing(res: Reply, names: string): void {
  assert.equal(res.status, 400);
  assert.equal(res.text, JSON.stringify({ message: `Missing required request parameters: [${names}]` }));
  assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException');
}

function assertInvalidBody(res: Reply): void {
  assert.equal(res.status, 400);
  assert.equal(res.text, '{"message":"Invalid request body"}');
  assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException');
}

test('REST request validation', async (t) => {
  const { base } = await serveFiles(t, files);

  await t.test('a valid request passes the root default validator', async () => {
    const res = await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': 't1' }, body: VALID_PET });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"ok":true}');
  });

  await t.test('missing required parameters are listed header first, then query string', async () => {
    assertMissing(await call(base, '/prod/pets', { method: 'POST', headers: JSON_CT, body: VALID_PET }), 'x-tenant, source');
    assertMissing(await call(base, '/prod/pets?source=web', { method: 'POST', headers: JSON_CT, body: VALID_PET }), 'x-tenant');
    assertMissing(await call(base, '/prod/pets', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': 't1' }, body: VALID_PET }), 'source');
  });

  await t.test("AWS's order is by full key (header, path, querystring), then name", async () => {
    assertMissing(await call(base, '/prod/shops/s1/orders'), 'm-header, z-header, a-query, b-query');
    assertMissing(await call(base, '/prod/shops/s1/orders?b-query=1', { headers: { 'z-header': 'z' } }), 'm-header, a-query');
    const res = await call(base, '/prod/shops/s1/orders?a-query=1&b-query=2', { headers: { 'z-header': 'z', 'm-header': 'm' } });
    assert.equal(res.status, 200);
  });

  await t.test('a required query parameter sent blank counts as missing', async () => {
    assertMissing(await call(base, '/prod/pets?limit='), 'limit');
    assertMissing(await call(base, '/prod/pets?offset=3'), 'limit');
    const res = await call(base, '/prod/pets?limit=10');
    assert.equal(res.status, 200);
  });

  await t.test('a required header sent blank counts as missing', async () => {
    assertMissing(await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': '' }, body: VALID_PET }), 'x-tenant');
  });

  await t.test('required headers are matched case-insensitively', async () => {
    const res = await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'X-Tenant': 't1' }, body: VALID_PET });
    assert.equal(res.status, 200);
  });

  await t.test('parameters are validated before the body', async () => {
    assertMissing(await call(base, '/prod/pets', { method: 'POST', headers: JSON_CT, body: 'not json' }), 'x-tenant, source');
    assertMissing(await call(base, '/prod/pets?source=web', { method: 'POST', headers: JSON_CT, body: '{}' }), 'x-tenant');
  });

  await t.test('a body that breaks the model is 400 Invalid request body', async () => {
    const headers = { ...JSON_CT, 'x-tenant': 't1' };
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: '{"name":"rex"}' }));
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: JSON.stringify({ name: 'rex', kind: 'lion', owner: { email: 'a@b.c' } }) }));
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: JSON.stringify({ name: 7, owner: { email: 'a@b.c' } }) }));
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: '[1,2]' }));
  });

  await t.test('a nested $ref between models is validated (Pet → Owner → Address)', async () => {
    const headers = { ...JSON_CT, 'x-tenant': 't1' };
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: JSON.stringify({ name: 'rex', owner: {} }) }));
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: JSON.stringify({ name: 'rex', owner: { email: 'a@b.c', address: {} } }) }));
    const res = await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: JSON.stringify({ name: 'rex', owner: { email: 'a@b.c' } }) });
    assert.equal(res.status, 200);
  });

  await t.test('an empty body is validated as {}', async () => {
    const res = await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': 't1', accept: 'text/plain' }, body: '' });
    assert.equal(res.status, 400);
    assert.equal(res.text, '[object has missing required properties (["name","owner"])]');
  });

  await t.test('a body that is not JSON is 400 Invalid request body', async () => {
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': 't1' }, body: '{"name": "rex",' }));
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers: { ...JSON_CT, 'x-tenant': 't1' }, body: 'name=rex' }));
  });

  await t.test('a request without Content-Type is validated against the application/json model', async () => {
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers: { 'x-tenant': 't1' }, body: '{"name":"rex"}' }));
  });

  await t.test('Content-Type parameters do not change the model used', async () => {
    assertInvalidBody(await call(base, '/prod/pets?source=web', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'x-tenant': 't1' }, body: '{"name":"rex"}' }));
  });

  await t.test('$context.error.validationErrorString in a custom BAD_REQUEST_BODY template', async () => {
    const headers = { ...JSON_CT, 'x-tenant': 't1', accept: 'text/plain' };
    const missing = await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: '{"owner":{"email":"a@b.c"}}' });
    assert.equal(missing.status, 400);
    assert.match(String(missing.headers['content-type']), /^text\/plain/);
    assert.equal(missing.text, '[object has missing required properties (["name"])]');
    const nested = await call(base, '/prod/pets?source=web', { method: 'POST', headers, body: '{"name":"rex","owner":{}}' });
    assert.equal(nested.text, '[object has missing required properties (["email"])]');
  });

  await t.test('validateRequestBody false (params-only override) skips the body but checks parameters', async () => {
    const skipped = await call(base, '/prod/pets/p1?version=2', { method: 'PUT', headers: JSON_CT, body: '{"not":"a pet"}' });
    assert.equal(skipped.status, 200);
    assert.equal(skipped.text, '{"ok":true}');
    assertMissing(await call(base, '/prod/pets/p1', { method: 'PUT', headers: JSON_CT, body: VALID_PET }), 'version');
  });

  await t.test('validateRequestParameters false (body-only override) skips parameters but checks the body', async () => {
    const res = await call(base, '/prod/pets/p1', { method: 'POST', headers: JSON_CT, body: VALID_PET });
    assert.equal(res.status, 200);
    assertInvalidBody(await call(base, '/prod/pets/p1', { method: 'POST', headers: JSON_CT, body: '{}' }));
  });

  await t.test('an override to a validator that validates nothing lets anything through', async () => {
    const res = await call(base, '/prod/pets/p1', { method: 'PATCH', headers: JSON_CT, body: 'not json at all' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"ok":true}');
  });

  await t.test('an invalid request never reaches the Lambda behind the validator', async () => {
    assertInvalidBody(await call(base, '/prod/count', { method: 'POST', headers: JSON_CT, body: '{}' }));
    assertInvalidBody(await call(base, '/prod/count', { method: 'POST', headers: JSON_CT, body: '{"name":"x"}' }));
    const res = await call(base, '/prod/count', { method: 'POST', headers: JSON_CT, body: VALID_PET });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { calls: 1 });
  });
});
