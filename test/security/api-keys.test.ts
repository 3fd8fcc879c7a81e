/**
 * Hostile API keys against a REST method with `apiKeyRequired`: near-misses of a valid key
 * (last or first character, case), a disabled key, valid keys of plans that cover another stage
 * or another API, a key in no plan, a key in the query string, and a repeated header. All are
 * INVALID_API_KEY, 403 `{"message":"Forbidden"}` with `x-amzn-ErrorType: ForbiddenException`,
 * and the integration never runs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, send, serve } from './helpers.ts';

const v = (name: string): string => `${name}-key-0123456789abcdef`;
const API = (title: string): string => `
openapi: 3.0.1
info: { title: ${title}, version: "1" }
paths:
  /pets:
    get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

test('REST API keys: every near-miss and misplaced key is 403 Forbidden and never reaches the integration', async (t) => {
  const gw = await serve(t, {
    'portico.yaml': `
functions:
  recorder: { handler: fns/recorder.handler }
apis:
  - { name: pets, apiId: petskeys, type: REST, openapi: pets.yaml, stages: [{ name: prod }, { name: dev }] }
  - { name: other, apiId: otherkeys, type: REST, openapi: other.yaml, stage: prod }
apiKeys:
  - { name: alice, value: ${v('alice')}, enabled: true }
  - { name: off, value: ${v('off')}, enabled: false }
  - { name: devonly, value: ${v('devonly')}, enabled: true }
  - { name: otherapi, value: ${v('otherapi')}, enabled: true }
  - { name: orphan, value: ${v('orphan')}, enabled: true }
usagePlans:
  - { name: gold, apiStages: [{ api: pets, stage: prod }], apiKeys: [alice, off] }
  - { name: dev, apiStages: [{ api: pets, stage: dev }], apiKeys: [devonly] }
  - { name: other, apiStages: [{ api: other, stage: prod }], apiKeys: [otherapi] }
`,
    'pets.yaml': API('pets'),
    'other.yaml': API('other'),
  });
  const alice = v('alice');
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'x' ? 'y' : 'x') + s.slice(i + 1);
  const cases: [string, string, string[]][] = [
    ['no key', '/prod/pets', []],
    ['last character differs', '/prod/pets', ['x-api-key', flip(alice, alice.length - 1)]],
    ['first character differs', '/prod/pets', ['x-api-key', flip(alice, 0)]],
    ['differs in case only', '/prod/pets', ['x-api-key', alice.toUpperCase()]],
    ['one character short', '/prod/pets', ['x-api-key', alice.slice(0, -1)]],
    ['disabled key in a covering plan', '/prod/pets', ['x-api-key', v('off')]],
    ["a plan covering another stage of the API", '/prod/pets', ['x-api-key', v('devonly')]],
    ['a plan covering another API', '/prod/pets', ['x-api-key', v('otherapi')]],
    ['a key in no plan', '/prod/pets', ['x-api-key', v('orphan')]],
    ['the key in the query string', `/prod/pets?x-api-key=${alice}&api_key=${alice}`, []],
    ['the key in Authorization', '/prod/pets', ['authorization', alice]],
    ['two x-api-key headers', '/prod/pets', ['x-api-key', alice, 'x-api-key', alice]],
  ];
  for (const [name, path, headers] of cases) {
    const res = await send(gw.base, `/_aws/execute-api/petskeys${path}`, { headers });
    assert.equal(res.status, 403, name);
    assertRefused(gw, 0, res, 403, '{"message":"Forbidden"}', { 'x-amzn-errortype': 'ForbiddenException', 'content-type': 'application/json' });
  }
  // The right keys where their plans apply: the refusals above were about the keys.
  assert.equal((await send(gw.base, '/_aws/execute-api/petskeys/prod/pets', { headers: { 'x-api-key': alice } })).status, 200);
  assert.equal((await send(gw.base, '/_aws/execute-api/petskeys/prod/pets', { headers: { 'X-API-KEY': alice } })).status, 200);
  assert.equal((await send(gw.base, '/_aws/execute-api/petskeys/dev/pets', { headers: { 'x-api-key': v('devonly') } })).status, 200);
  assert.equal((await send(gw.base, '/_aws/execute-api/otherkeys/prod/pets', { headers: { 'x-api-key': v('otherapi') } })).status, 200);
  assert.equal(gw.invocations(), 4);
});
