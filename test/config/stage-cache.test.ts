/**
 * REST stage cache settings in portico.yaml (`cacheClusterEnabled`, `cacheClusterSize`,
 * `caching`) become the stage's fields and `methodSettings`, and the integration's
 * `cacheKeyParameters` are checked against the method's parameters, as AWS checks them.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARN, assertError, expectOneError, load, loadErrors, restApi, y } from './helpers.ts';

const OAS = y`
  openapi: 3.0.1
  info: { title: t, version: "1" }
  paths:
    /pets/{id}:
      get:
        parameters: [{ name: id, in: path, required: true, schema: { type: string } }, { name: tag, in: query, schema: { type: string } }]
        x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('f')}", cacheKeyParameters: [method.request.path.id, method.request.multivaluequerystring.tag], cacheNamespace: pets }
      post:
        x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('f')}" }
`;
const FNS = 'functions: { f: { handler: h.handler } }\n';

test('cacheClusterEnabled and caching become the stage fields and methodSettings */* and per method', (t) => {
  const { project } = load(t, {
    'api.yaml': OAS,
    'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml, stages: [{ name: prod, cacheClusterEnabled: true, cacheClusterSize: "6.1", throttling: { rateLimit: 5 }, caching: { ttlInSeconds: 60, routes: { "POST /pets/{id}": { enabled: true, unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403 } } } }, { name: dev }] }\n`,
  });
  const [prod, dev] = restApi(project).stages;
  assert.equal(prod?.cacheClusterEnabled, true);
  assert.equal(prod?.cacheClusterSize, '6.1');
  assert.deepEqual(prod?.methodSettings, {
    '*/*': { throttlingRateLimit: 5, cachingEnabled: true, cacheTtlInSeconds: 60 },
    '/pets/{id}/POST': { cachingEnabled: true, unauthorizedCacheControlHeaderStrategy: 'FAIL_WITH_403' },
  });
  assert.equal(dev?.cacheClusterEnabled, undefined);
  assert.deepEqual(dev?.methodSettings, {});
  const get = restApi(project).resources.find((r) => r.path === '/pets/{id}')?.resourceMethods['GET'];
  assert.deepEqual(get?.methodIntegration.cacheKeyParameters, ['method.request.path.id', 'method.request.multivaluequerystring.tag']);
  assert.equal(get?.methodIntegration.cacheNamespace, 'pets');
});

test('the one-stage short form takes the cache keys too; the size defaults to 0.5', (t) => {
  const { project } = load(t, { 'api.yaml': OAS, 'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml, stage: prod, cacheClusterEnabled: true }\n` });
  const [prod] = restApi(project).stages;
  assert.equal(prod?.cacheClusterSize, '0.5');
  assert.deepEqual(prod?.methodSettings['*/*'], { cachingEnabled: true });
});

test('a caching route key that is not a method of the API is refused, located', (t) => {
  expectOneError(t, { 'api.yaml': OAS, 'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml, cacheClusterEnabled: true, caching: { routes: { "GET /cats": { enabled: true } } } }\n` }, 'portico.yaml:3', "$.apis[0].caching.routes['GET /cats']", /not a method of this API/);
});

test('HTTP and WebSocket APIs refuse the stage cache keys', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': `${FNS}apis:\n  - { name: h, type: HTTP, routes: { "GET /": { function: f } }, cacheClusterEnabled: true }\n  - { name: w, type: WEBSOCKET, routes: { $default: { function: f } }, stages: [{ name: dev, caching: { enabled: true } }] }\n`,
  });
  assertError(errors, 'portico.yaml:3', '$.apis[0].cacheClusterEnabled', /only for REST APIs/);
  assertError(errors, 'portico.yaml:4', '$.apis[1].stages[0].caching', /only for REST APIs/);
});

test('the short form cache keys beside stages: is refused', (t) => {
  const errors = loadErrors(t, { 'api.yaml': OAS, 'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml, cacheClusterEnabled: true, stages: [{ name: prod }] }\n` });
  assertError(errors, 'portico.yaml:3', '$.apis[0].stages', /"cacheClusterEnabled"/);
});

test('a TTL above 3600 and an unknown cache size are refused by the schema', (t) => {
  const errors = loadErrors(t, { 'api.yaml': OAS, 'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml, cacheClusterEnabled: true, cacheClusterSize: "2", caching: { ttlInSeconds: 3601 } }\n` });
  assert.ok(errors.some((e) => e.jsonPath === '$.apis[0].caching.ttlInSeconds'), errors.map((e) => e.message).join('\n'));
  assert.ok(errors.some((e) => e.jsonPath === '$.apis[0].cacheClusterSize'), errors.map((e) => e.message).join('\n'));
});

test('a cache key parameter the method does not declare is refused', (t) => {
  const oas = OAS.replace('method.request.multivaluequerystring.tag', 'method.request.header.X-Nope');
  expectOneError(t, { 'api.yaml': oas, 'portico.yaml': `${FNS}apis:\n  - { name: a, type: REST, openapi: api.yaml }\n` }, 'api.yaml:7', "$.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].cacheKeyParameters[1]", /not a request parameter of the method/);
});
