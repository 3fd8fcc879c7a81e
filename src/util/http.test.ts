import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionTokens, decodeLenient, domainName, domainPrefix, HOP_BY_HOP, isFieldValue, parseQuery, TOKEN } from './http.ts';

test('parseQuery: form decoding, order and repeats kept, empty pieces skipped', () => {
  assert.deepEqual(parseQuery(''), []);
  assert.deepEqual(parseQuery('a=1&&b=x+y&a=%2B&c&=v'), [['a', '1'], ['b', 'x y'], ['a', '+'], ['c', ''], ['', 'v']]);
});

test('parseQuery decodes malformed escapes leniently, run by run (one rule for events and mappings)', () => {
  assert.deepEqual(parseQuery('q=%E0%A4%41bc%20x'), [['q', '%E0%A4%41bc x']]);
  assert.deepEqual(parseQuery('%zz=1%&k%20=%E2%82%AC'), [['%zz', '1%'], ['k ', '€']]);
  assert.equal(decodeLenient('a%20b'), 'a b');
  assert.equal(decodeLenient('%E0%A4'), '%E0%A4');
});

test('isFieldValue: visible ASCII, SP, HTAB and obs-text only (RFC 9110 §5.5)', () => {
  for (const ok of ['', 'a b', 'tab\there', '~!@#', 'caf\u00e9', '\u0080\u00ff']) assert.equal(isFieldValue(ok), true, JSON.stringify(ok));
  for (const bad of ['a\nb', 'a\rb', 'nul\0', 'del\x7f', 'bell\x07', '€', '😀']) assert.equal(isFieldValue(bad), false, JSON.stringify(bad));
});

test('connectionTokens: undefined for keep-alive / close (no Set per request), else the listed names', () => {
  for (const plain of [undefined, '', 'keep-alive', 'Keep-Alive', ' close ', 'close, keep-alive']) assert.equal(connectionTokens(plain), undefined, String(plain));
  assert.deepEqual(connectionTokens('keep-alive, X-Hop ,Upgrade'), new Set(['x-hop', 'upgrade']));
});

test('one hop-by-hop set and one token rule', () => {
  assert.deepEqual([...HOP_BY_HOP].sort(), ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
  assert.equal(TOKEN.test('X-Custom_1'), true);
  assert.equal(TOKEN.test('bad name'), false);
});

test('domainName strips the port (IPv6 keeps its brackets); domainPrefix keeps IP literals whole', () => {
  assert.equal(domainName('api.example.com:443'), 'api.example.com');
  assert.equal(domainName('[::1]:3000'), '[::1]');
  assert.equal(domainPrefix('api.example.com'), 'api');
  assert.equal(domainPrefix('127.0.0.1'), '127.0.0.1');
  assert.equal(domainPrefix('[::1]'), '[::1]');
  assert.equal(domainPrefix('localhost'), 'localhost');
});
