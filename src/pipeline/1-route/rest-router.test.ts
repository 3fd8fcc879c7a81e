import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Method, Resource, RestIntegration } from '../../model/index.ts';
import { RestRouter } from './rest-router.ts';

const integration: RestIntegration = {
  type: 'MOCK',
  requestParameters: {},
  requestTemplates: {},
  passthroughBehavior: 'WHEN_NO_MATCH',
  timeoutInMillis: 29000,
  cacheKeyParameters: [],
  integrationResponses: [],
  source: 'test',
};
const method = (httpMethod: Method['httpMethod']): Method => ({
  httpMethod,
  authorizationType: 'NONE',
  apiKeyRequired: false,
  requestParameters: {},
  requestModels: {},
  methodResponses: {},
  methodIntegration: integration,
  source: 'test',
});
/** `['/pets', 'GET POST']` → a resource with those methods. */
const resources = (...defs: [path: string, methods: string][]): Resource[] =>
  defs.map(([path, methods], i) => ({
    id: `r${i}`,
    path,
    resourceMethods: Object.fromEntries(methods.split(' ').filter(Boolean).map((m) => [m, method(m as Method['httpMethod'])])),
  }));

const router = new RestRouter(
  resources(
    ['/', 'GET'],
    ['/pets', 'GET POST'],
    ['/pets/{petId}', 'GET'],
    ['/pets/mine', 'GET'],
    ['/pets/{petId}/toys', 'ANY'],
    ['/{proxy+}', 'ANY'],
    ['/files', ''],
    ['/files/{key+}', 'GET'],
  ),
);
const hit = (m: string, p: string): string | undefined => {
  const r = router.match(m, p);
  return r && `${r.resource.path} ${r.method.httpMethod} ${JSON.stringify(r.pathParameters)}`;
};

describe('REST resource matching', () => {
  test('root, literal and variable resources', () => {
    assert.equal(hit('GET', '/'), '/ GET {}');
    assert.equal(hit('GET', '/pets'), '/pets GET {}');
    assert.equal(hit('GET', '/pets/7'), '/pets/{petId} GET {"petId":"7"}');
  });

  test('a literal child beats {param}, which beats {proxy+}', () => {
    assert.equal(hit('GET', '/pets/mine'), '/pets/mine GET {}');
    assert.equal(hit('GET', '/pets/7'), '/pets/{petId} GET {"petId":"7"}');
    assert.equal(hit('GET', '/other/thing'), '/{proxy+} ANY {"proxy":"other/thing"}');
  });

  test('backtracks from a literal branch that cannot finish into the variable branch', () => {
    assert.equal(hit('PUT', '/pets/mine/toys'), '/pets/{petId}/toys ANY {"petId":"mine"}');
  });

  test('a resource lacking the method leaves the request to {proxy+} ANY', () => {
    assert.equal(hit('DELETE', '/pets/7'), '/{proxy+} ANY {"proxy":"pets/7"}');
  });

  test('a concrete method beats ANY; GET does not serve HEAD', () => {
    const r = new RestRouter(resources(['/a', 'ANY GET'], ['/b', 'GET']));
    assert.equal(r.match('GET', '/a')?.method.httpMethod, 'GET');
    assert.equal(r.match('HEAD', '/a')?.method.httpMethod, 'ANY');
    assert.equal(r.match('HEAD', '/b'), undefined);
  });

  test('{proxy+} needs at least one segment: /{proxy+} does not match /', () => {
    const r = new RestRouter(resources(['/{proxy+}', 'ANY']));
    assert.equal(r.match('GET', '/'), undefined);
    assert.equal(r.match('GET', '/a')?.pathParameters['proxy'], 'a');
  });

  test('nothing matches: unknown path, known path with another method', () => {
    const r = new RestRouter(resources(['/pets', 'GET']));
    assert.equal(r.match('GET', '/cats'), undefined);
    assert.equal(r.match('POST', '/pets'), undefined);
    assert.equal(hit('POST', '/files/a'), '/{proxy+} ANY {"proxy":"files/a"}');
  });

  test('one trailing slash is ignored and stripped from {proxy+}', () => {
    assert.equal(hit('GET', '/pets/'), '/pets GET {}');
    assert.equal(hit('GET', '/files/a/b/'), '/files/{key+} GET {"key":"a/b"}');
  });

  test('leading double slashes route like one; inner ones stay in {proxy+}', () => {
    assert.equal(hit('GET', '//pets'), '/pets GET {}');
    assert.equal(hit('GET', '/a//b'), '/{proxy+} ANY {"proxy":"a//b"}');
  });

  test('{param} never matches an empty segment', () => {
    const r = new RestRouter(resources(['/r/{name}', 'GET']));
    assert.equal(r.match('GET', '/r/'), undefined);
  });

  test('values stay raw; literals also match their decoded form', () => {
    assert.equal(hit('GET', '/pets/test%2Balias@gmail.com'), '/pets/{petId} GET {"petId":"test%2Balias@gmail.com"}');
    assert.equal(hit('GET', '/pet%73'), '/pets GET {}');
  });
});
