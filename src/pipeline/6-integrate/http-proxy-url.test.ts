import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeForUri, fillTemplate, hasDotSegment, PATH_SAFE, QUERY_SAFE, splitUri } from './http-proxy-url.ts';

test('encodeForUri returns a value with nothing to encode as is (pchar, `/` for greedy values, %XX escapes)', () => {
  for (const v of ['', 'pets', 'a-b_c.d~e', "!$&'()*+,;=:@", 'a%20b%2F', 'A%e9']) assert.equal(encodeForUri(v, PATH_SAFE, false), v);
  assert.equal(encodeForUri('a/b/c%20d', PATH_SAFE, true), 'a/b/c%20d');
  assert.equal(encodeForUri('x/y?z', QUERY_SAFE, false), 'x/y?z');
});

test('encodeForUri encodes the rest as UTF-8, keeps valid escapes and surrogate pairs together', () => {
  assert.equal(encodeForUri('a/b', PATH_SAFE, false), 'a%2Fb');
  assert.equal(encodeForUri('d e', PATH_SAFE, true), 'd%20e');
  assert.equal(encodeForUri('100%', PATH_SAFE, false), '100%25');
  assert.equal(encodeForUri('%zz%4', PATH_SAFE, false), '%25zz%254');
  assert.equal(encodeForUri('€😀', PATH_SAFE, false), '%E2%82%AC%F0%9F%98%80');
  assert.equal(encodeForUri('a&b=c', QUERY_SAFE, false), 'a%26b%3Dc');
  assert.equal(encodeForUri('x\ud800y', PATH_SAFE, false), 'x%EF%BF%BDy', 'a lone surrogate does not throw');
});

test('hasDotSegment: `.`/`..` segments, decoded, behind `/`, `%2F` or `\\`; dots inside a segment are fine', () => {
  for (const v of ['.', '..', 'a/..', '../b', 'a/./b', '%2e', '%2E%2e/x', '..%2Fx', '..%2fx', 'a\\..\\b', '..%5Cx']) assert.equal(hasDotSegment(v), true, v);
  for (const v of ['', 'a', 'a.b', '...', 'a..', '..a', '.well-known', 'v1.2/x.txt', '%2e%2e%2e']) assert.equal(hasDotSegment(v), false, v);
});

test('splitUri finds the {var} holes once; fillTemplate fills them encoded, unknown names empty', () => {
  const t = splitUri('https://up.example.com:8443/v1/{a}/x/{proxy+}?k={a}&fixed=1#frag');
  assert.equal(t.origin, 'https://up.example.com:8443');
  assert.deepEqual(t.path, ['/v1/', 'a', '/x/', 'proxy', '']);
  assert.equal(fillTemplate(t.path, { a: 'b c', proxy: 'p/q' }, PATH_SAFE, true), '/v1/b%20c/x/p/q');
  assert.equal(fillTemplate(t.query, { a: 'x&y' }, QUERY_SAFE, false), 'k=x%26y&fixed=1');
  assert.equal(fillTemplate(t.path, {}, PATH_SAFE, true), '/v1//x/');
  assert.deepEqual(splitUri('http://h').path, ['/']);
  assert.throws(() => splitUri('ftp://h/x'), /not an http\(s\) URL/);
  const seen: string[] = [];
  fillTemplate(t.path, { a: '1', proxy: '2' }, PATH_SAFE, true, (v) => seen.push(v));
  assert.deepEqual(seen, ['1', '2']);
});
