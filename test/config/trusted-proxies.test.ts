/** `trustedProxies:` in portico.yaml: proxies whose X-Forwarded-For names the client (docs/security.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOneError, load } from './helpers.ts';

const API = 'apis: [{ name: a, type: HTTP, routes: { "GET /": { function: f } } }]\nfunctions: { f: { handler: h.handler } }\n';

test('trustedProxies reach the project: IPv4 and IPv6 ranges and single addresses', (t) => {
  const { project } = load(t, { 'portico.yaml': `${API}trustedProxies: ["127.0.0.1/32", "10.0.0.0/8", "::1", "2001:db8::/32"]\n` });
  assert.deepEqual(project.trustedProxies, ['127.0.0.1/32', '10.0.0.0/8', '::1', '2001:db8::/32']);
});

test('without trustedProxies, or with an empty list: none (sourceIp is the TCP peer)', (t) => {
  assert.equal(load(t, { 'portico.yaml': API }).project.trustedProxies, undefined);
  assert.equal(load(t, { 'portico.yaml': `${API}trustedProxies: []\n` }).project.trustedProxies, undefined);
});

test('a malformed range is refused with its line and JSON path', (t) => {
  expectOneError(t, { 'portico.yaml': `${API}trustedProxies:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n` }, 'portico.yaml:5', '$.trustedProxies[1]', /prefix length must be 0 to 32/);
  expectOneError(t, { 'portico.yaml': `${API}trustedProxies:\n  - nginx.internal\n` }, 'portico.yaml:4', '$.trustedProxies[0]', /not an IPv4 or IPv6 address or CIDR range/);
});

test('trustedProxies must be a list of strings', (t) => {
  expectOneError(t, { 'portico.yaml': `${API}trustedProxies: 10.0.0.0/8\n` }, 'portico.yaml:3', '$.trustedProxies', /must be array/);
});
