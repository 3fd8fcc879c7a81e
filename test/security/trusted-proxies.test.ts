/**
 * Hostile requests against `trustedProxies` (docs/security.md): a peer outside the trusted
 * ranges cannot use X-Forwarded-For (or Forwarded, X-Real-IP) at all, and a client behind a
 * trusted proxy cannot get past the entry the proxy appended, whatever it writes to the left
 * (other addresses, trusted addresses, garbage). Test traffic comes from 127.0.0.1; in the
 * second suite 127.0.0.1 plays the proxy, and the last X-Forwarded-For entry the address the
 * proxy saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, send, serve } from './helpers.ts';

const files = (trusted: string, statements: string): Record<string, string> => ({
  'portico.yaml': `trustedProxies: ${trusted}\nfunctions:\n  recorder: { handler: fns/recorder.handler }\napis:\n  - { name: pets, apiId: proxsec, type: REST, openapi: api.yaml, stage: prod }\n`,
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
x-amazon-apigateway-policy: { Version: "2012-10-17", Statement: [ ${statements} ] }
paths:
  /pets:
    get: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
`,
});

const statement = (effect: string, cidr: string): string =>
  `{ Effect: ${effect}, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: { IpAddress: { "aws:SourceIp": ["${cidr}"] } } }`;
const DENIED = { 'x-amzn-errortype': 'AccessDeniedException' };
const ARN = 'arn:aws:execute-api:us-east-1:********9012:proxsec/prod/GET/pets';
const IMPLICIT = JSON.stringify({ Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${ARN}` });
const EXPLICIT = JSON.stringify({ Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${ARN} with an explicit deny` });

test('trusted proxies: a peer outside the ranges cannot claim an allowed address', async (t) => {
  // 10.0.0.0/8 is both the trusted range and the allowed network; the caller is 127.0.0.1.
  const gw = await serve(t, files('["10.0.0.0/8"]', statement('Allow', '10.0.0.0/8')));
  for (const headers of [{ 'x-forwarded-for': '10.1.2.3' }, { 'x-forwarded-for': '10.1.2.3, 10.0.0.1' }, { forwarded: 'for=10.1.2.3' }, { 'x-real-ip': '10.1.2.3' }]) {
    const res = await send(gw.base, '/prod/pets', { headers });
    assertRefused(gw, 0, res, 403, IMPLICIT, DENIED);
  }
});

test('trusted proxies: behind the proxy, nothing a client writes left of its address gets past a Deny', async (t) => {
  // Everyone is allowed but 198.51.100.0/24, the real client; 10.0.0.0/8 is a second proxy tier.
  const gw = await serve(t, files('["127.0.0.1/32", "10.0.0.0/8"]', `${statement('Allow', '0.0.0.0/0')}, ${statement('Deny', '198.51.100.0/24')}`));
  const chains = [
    '198.51.100.1',
    '203.0.113.7, 198.51.100.1', // an allowed address written by the client
    '10.0.0.9, 198.51.100.1', // a trusted address written by the client
    '127.0.0.1, 198.51.100.1',
    'garbage, 198.51.100.1',
    '198.51.100.1, 10.0.0.2', // through the second tier
  ];
  for (const chain of chains) {
    // Two fields as well as one: the proxy's entry is still the last.
    for (const headers of [{ 'x-forwarded-for': chain }, ['X-Forwarded-For', '203.0.113.7', 'X-Forwarded-For', chain]]) {
      const res = await send(gw.base, '/prod/pets', { headers: Array.isArray(headers) ? headers : { ...headers, forwarded: 'for=203.0.113.7', 'x-real-ip': '203.0.113.7' } });
      assertRefused(gw, 0, res, 403, EXPLICIT, DENIED);
    }
  }
  // The control: a client the proxy saw at an allowed address is let through.
  assert.equal((await send(gw.base, '/prod/pets', { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } })).status, 200);
  assert.equal(gw.invocations(), 1);
});
