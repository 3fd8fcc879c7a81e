/**
 * Hostile requests against a REST resource policy keyed on `aws:SourceIp`: a Deny for the
 * caller's address wins over an Allow that also covers it, and no forwarding header
 * (X-Forwarded-For, Forwarded, X-Real-IP) changes the address the policy sees, which is the TCP
 * peer. Test traffic comes from 127.0.0.1, so "another network" is 10.0.0.0/8.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, send, serve } from './helpers.ts';

const SPOOFS: Record<string, string>[] = [{}, { 'x-forwarded-for': '10.1.2.3' }, { 'x-forwarded-for': '10.1.2.3, 127.0.0.1' }, { forwarded: 'for=10.1.2.3' }, { 'x-real-ip': '10.1.2.3' }];

const files = (policy: string): Record<string, string> => ({
  'portico.yaml': 'functions:\n  recorder: { handler: fns/recorder.handler }\napis:\n  - { name: pets, apiId: polsec, type: REST, openapi: api.yaml, stage: prod }\n',
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
x-amazon-apigateway-policy: ${policy}
paths:
  /pets:
    get: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
  /secret:
    get: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
`,
});

const statement = (effect: string, resource: string, cidr: string): string =>
  `{ Effect: ${effect}, Principal: "*", Action: "execute-api:Invoke", Resource: "${resource}", Condition: { IpAddress: { "aws:SourceIp": ["${cidr}"] } } }`;
const DENIED = { 'x-amzn-errortype': 'AccessDeniedException' };
const arn = (path: string): string => `arn:aws:execute-api:us-east-1:********9012:polsec/prod/GET${path}`;

test('resource policy: a SourceIp Deny wins over an Allow, whatever the forwarding headers say', async (t) => {
  const gw = await serve(t, files(`{ Version: "2012-10-17", Statement: [ ${statement('Allow', 'execute-api:/*', '127.0.0.0/8')}, ${statement('Deny', 'execute-api:/*/GET/secret', '127.0.0.1/32')} ] }`));
  for (const headers of SPOOFS) {
    for (const path of ['/secret', '//secret', '/secret/']) {
      const res = await send(gw.base, `/prod${path}`, { headers: { ...headers, 'x-forwarded-for': '192.168.1.1' } });
      assert.equal(res.status, 403, `${path} ${JSON.stringify(headers)}`);
      assertRefused(gw, 0, res, 403, JSON.stringify({ Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn('/secret')} with an explicit deny` }), DENIED);
    }
  }
  assert.equal((await send(gw.base, '/prod/pets')).status, 200);
  assert.equal(gw.invocations(), 1);
});

test('resource policy: X-Forwarded-For and friends cannot put the caller inside an allowed network', async (t) => {
  const gw = await serve(t, files(`{ Version: "2012-10-17", Statement: [ ${statement('Allow', 'execute-api:/*', '10.0.0.0/8')} ] }`));
  for (const headers of SPOOFS) {
    const res = await send(gw.base, '/prod/pets', { headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assertRefused(gw, 0, res, 403, JSON.stringify({ Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn('/pets')}` }), DENIED);
  }
});
