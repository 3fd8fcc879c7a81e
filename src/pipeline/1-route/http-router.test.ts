import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Integration, Route } from '../../model/index.ts';
import { HttpRouter } from './http-router.ts';
import { parseRouteKey } from './route-key.ts';

const integration: Integration = { integrationId: 'i', integrationType: 'MOCK', timeoutInMillis: 30000, source: 't' };
const route = (routeKey: string): Route => ({ routeId: routeKey, routeKey, integration, authorizationType: 'NONE', source: 't' });
const router = (...keys: string[]) => new HttpRouter(keys.map(route));
const hit = (r: HttpRouter, method: string, path: string) => {
  const m = r.match(method, path);
  return m ? { key: m.route.routeKey, params: m.pathParameters } : undefined;
};

// The worked example of AWS's "Routing API requests" table.
test('AWS worked example: most specific route wins', () => {
  const r = router('GET /pets/dog/1', 'GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default');
  assert.deepEqual(hit(r, 'GET', '/pets/dog/1'), { key: 'GET /pets/dog/1', params: {} });
  assert.deepEqual(hit(r, 'GET', '/pets/dog/2'), { key: 'GET /pets/dog/{id}', params: { id: '2' } });
  assert.deepEqual(hit(r, 'GET', '/pets/cat/1'), { key: 'GET /pets/{proxy+}', params: { proxy: 'cat/1' } });
  assert.deepEqual(hit(r, 'POST', '/pets/cat/1'), { key: 'ANY /{proxy+}', params: { proxy: 'pets/cat/1' } });
  assert.deepEqual(hit(r, 'GET', '/'), { key: '$default', params: {} });
});

test('a method-specific route beats ANY on the same path', () => {
  const r = router('ANY /pets', 'GET /pets');
  assert.equal(hit(r, 'GET', '/pets')?.key, 'GET /pets');
  assert.equal(hit(r, 'DELETE', '/pets')?.key, 'ANY /pets');
});

test('backtracks from a literal without the method to a {var} with it', () => {
  const r = router('POST /pets/dog', 'GET /pets/{id}');
  assert.deepEqual(hit(r, 'GET', '/pets/dog'), { key: 'GET /pets/{id}', params: { id: 'dog' } });
  assert.equal(hit(r, 'POST', '/pets/dog')?.key, 'POST /pets/dog');
});

test('no match without $default gives undefined (404 Not Found)', () => {
  const r = router('GET /pets');
  assert.equal(hit(r, 'GET', '/cats'), undefined);
  assert.equal(hit(r, 'POST', '/pets'), undefined);
});

test('trailing slashes are not normalised, as on AWS', () => {
  const r = router('GET /metrics');
  assert.equal(hit(r, 'GET', '/metrics/'), undefined);
  assert.equal(hit(r, 'GET', '/metrics')?.key, 'GET /metrics');
});

test('{proxy+} needs one more segment (an empty one after a trailing slash counts); {var} never matches an empty segment', () => {
  const r = router('ANY /{proxy+}', 'GET /a/{id}', 'ANY /handler/{proxy+}');
  assert.equal(hit(r, 'GET', '/'), undefined);
  assert.deepEqual(hit(r, 'GET', '/handler/'), { key: 'ANY /handler/{proxy+}', params: { proxy: '' } });
  assert.deepEqual(hit(r, 'GET', '/handler'), { key: 'ANY /{proxy+}', params: { proxy: 'handler' } });
  assert.deepEqual(hit(r, 'GET', '/a/b/c'), { key: 'ANY /{proxy+}', params: { proxy: 'a/b/c' } });
  assert.deepEqual(hit(r, 'GET', '/a//'), { key: 'ANY /{proxy+}', params: { proxy: 'a//' } });
});

test('a deeper greedy prefix beats a shallower one; params before the greedy are captured', () => {
  const r = router('ANY /{proxy+}', 'GET /users/{uid}/files/{path+}');
  assert.deepEqual(hit(r, 'GET', '/users/7/files/x/y.txt'), {
    key: 'GET /users/{uid}/files/{path+}',
    params: { uid: '7', path: 'x/y.txt' },
  });
  assert.equal(hit(r, 'PUT', '/users/7/files/x')?.key, 'ANY /{proxy+}');
});

test('root route and $default', () => {
  const r = router('GET /', '$default');
  assert.equal(hit(r, 'GET', '/')?.key, 'GET /');
  assert.equal(hit(r, 'POST', '/')?.key, '$default');
});

test('paths are case-sensitive and parameters stay raw', () => {
  const r = router('GET /Pets/{id}');
  assert.equal(hit(r, 'GET', '/pets/1'), undefined);
  assert.deepEqual(hit(r, 'GET', '/Pets/a%20b')?.params, { id: 'a%20b' });
});

test('duplicate and conflicting route keys are refused', () => {
  assert.throws(() => router('GET /a', 'GET /a'), /duplicate route key "GET \/a"/);
  assert.throws(() => router('GET /a/{x}', 'GET /a/{y}/b'), /conflicts/);
  assert.throws(() => router('$default', '$default'), /duplicate/);
});

test('route key syntax errors say what is wrong', () => {
  assert.throws(() => parseRouteKey('GET'), /must be "\$default" or "METHOD \/path"/);
  assert.throws(() => parseRouteKey('FETCH /a'), /method "FETCH" is not one of/);
  assert.throws(() => parseRouteKey('GET a'), /must start with "\/"/);
  assert.throws(() => parseRouteKey('GET /a/'), /must not end with "\/"/);
  assert.throws(() => parseRouteKey('GET /{p+}/a'), /greedy variable \{p\+\} must be the last/);
  assert.throws(() => parseRouteKey('GET /a{b'), /neither a literal nor a \{variable\}/);
  assert.throws(() => parseRouteKey('GET /{a}/{a}'), /appears twice/);
  assert.deepEqual(parseRouteKey('GET /'), { kind: 'route', method: 'GET', path: '/', segments: [] });
});

test('literal segments match the decoded path, as HTTP APIs decode it', () => {
  const r = router('GET /café/{id}');
  assert.deepEqual(hit(r, 'GET', '/caf%C3%A9/1'), { key: 'GET /café/{id}', params: { id: '1' } });
  assert.deepEqual(hit(r, 'GET', '/café/1'), { key: 'GET /café/{id}', params: { id: '1' } });
  assert.equal(hit(r, 'GET', '/caf%E9%ZZ/1'), undefined);
});
