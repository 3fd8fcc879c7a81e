/**
 * HTTP API Lambda authorizers end to end: real workers run the authorizer and the integration,
 * a real HTTP client calls the started gateway.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';


/** Parsed events, indexed freely by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only JSON access
type Loose = Record<string, any>;

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const echo = (v: string): string => `{ type: aws_proxy, uri: "${ARN('echo')}", payloadFormatVersion: "${v}" }`;
const route = (scheme: string, v = '2.0'): string => `get: { security: [ { ${scheme}: [] } ], x-amazon-apigateway-integration: ${echo(v)} }`;
const authorizer = (fn: string, extra: string): string => `
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN(fn)}", ${extra} }`;

const files = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
  simple: { handler: fns/simple.handler }
  policy: { handler: fns/policy.handler }
  boom: { handler: fns/boom.handler }
  bad: { handler: fns/bad.handler }
apis:
  - { name: api, type: HTTP, openapi: api.yaml, apiId: authapi }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /simple: { ${route('simple')} }
  /simple1: { ${route('simple', '1.0')} }
  /cached: { ${route('cached')} }
  /policy/{id}: { ${route('policy', '1.0')} }
  /policy2: { ${route('policy2')} }
  /boom: { ${route('boom')} }
  /bad: { ${route('bad')} }
components:
  securitySchemes:
    simple: ${authorizer('simple', 'authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true, identitySource: "$request.header.X-Token"')}
    cached: ${authorizer('simple', 'authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true, identitySource: "$request.header.X-Token", authorizerResultTtlInSeconds: 300')}
    policy: ${authorizer('policy', 'authorizerPayloadFormatVersion: "1.0", identitySource: "$request.header.Authorization, $request.querystring.q"')}
    policy2: ${authorizer('policy', 'authorizerPayloadFormatVersion: "2.0", identitySource: [ "$request.header.Authorization" ]')}
    boom: ${authorizer('boom', 'authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true')}
    bad: ${authorizer('bad', 'authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true')}
`,
  'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });`,
  // Counts its invocations (one warm worker) and returns the event it saw.
  'fns/simple.mjs': `let calls = 0;
export const handler = async (event) => ({ isAuthorized: event.identitySource[0] === 'letmein', context: { user: 'u1', calls: ++calls, list: [1, 2], seen: JSON.stringify(event) } });`,
  'fns/policy.mjs': `export const handler = async (event) => ({
  principalId: 'p1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: (event.authorizationToken ?? event.identitySource[0]).startsWith('allow') ? 'Allow' : 'Deny', Resource: event.methodArn ?? event.routeArn }] },
  context: { role: 'admin', seen: JSON.stringify(event) },
});`,
  'fns/boom.mjs': `export const handler = async () => { throw new Error('kaboom'); };`,
  'fns/bad.mjs': `export const handler = async () => ({ isAuthorized: 'yes' });`,
};

async function setup(t: TestContext) {
  const gw = await serveFiles(t, { ...files, 'portico.yaml': files['portico.yaml'].replace('simple: { handler: fns/simple.handler }', 'simple: { handler: fns/simple.handler, reservedConcurrency: 1 }') });
  return async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(`${gw.base}${path}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, text, json: () => JSON.parse(text) as Loose };
  };
}

test('simple responses: true passes the context to the integration, false is 403, a missing source 401', async (t) => {
  const get = await setup(t);
  const ok = await get('/simple?x=1', { 'x-token': 'letmein' });
  assert.equal(ok.status, 200);
  const lambda = ok.json()['requestContext']['authorizer']['lambda'];
  assert.equal(lambda.user, 'u1');
  assert.deepEqual(lambda.list, [1, 2]);
  const seen = JSON.parse(String(lambda['seen']));
  assert.equal(seen.version, '2.0');
  assert.equal(seen.type, 'REQUEST');
  assert.equal(seen.routeArn, 'arn:aws:execute-api:us-east-1:123456789012:authapi/$default/GET/simple');
  assert.deepEqual(seen.identitySource, ['letmein']);
  assert.equal(seen.routeKey, 'GET /simple');
  assert.equal(seen.rawQueryString, 'x=1');
  assert.equal(seen.body, undefined);

  const v1 = await get('/simple1', { 'x-token': 'letmein' });
  assert.equal(v1.json()['requestContext']['authorizer']['user'], 'u1');

  const denied = await get('/simple', { 'x-token': 'nope' });
  assert.equal(denied.status, 403);
  assert.equal(denied.text, '{"message":"Forbidden"}');
  const missing = await get('/simple');
  assert.equal(missing.status, 401);
  assert.equal(missing.text, '{"message":"Unauthorized"}');
});

test('results are cached by identity source for the TTL; without a TTL every request invokes', async (t) => {
  const get = await setup(t);
  const calls = async (path: string, token: string): Promise<number> => (await get(path, { 'x-token': token })).json()['requestContext']['authorizer']['lambda']['calls'] as number;
  const first = await calls('/cached', 'letmein');
  assert.equal(await calls('/cached', 'letmein'), first);
  // The uncached authorizer on the same function invokes again.
  assert.equal(await calls('/simple', 'letmein'), first + 1);
  // A missing source is refused before the cache or the function.
  assert.equal((await get('/cached')).status, 401);
  assert.equal(await calls('/simple', 'letmein'), first + 2);
});

test('IAM policy responses are evaluated against the route ARN; 1.0 events join the sources', async (t) => {
  const get = await setup(t);
  const ok = await get('/policy/7?q=two', { authorization: 'allow-me' });
  assert.equal(ok.status, 200);
  const authz = ok.json()['requestContext']['authorizer'];
  assert.equal(authz.role, 'admin');
  assert.equal(authz.principalId, 'p1');
  const seen = JSON.parse(String(authz['seen']));
  assert.equal(seen.version, '1.0');
  assert.equal(seen.type, 'REQUEST');
  assert.equal(seen.identitySource, 'allow-me,two');
  assert.equal(seen.authorizationToken, 'allow-me,two');
  assert.equal(seen.methodArn, 'arn:aws:execute-api:us-east-1:123456789012:authapi/$default/GET/policy/7');
  assert.equal((await get('/policy/7', { authorization: 'allow-me' })).status, 401);
  const denied = await get('/policy/7?q=1', { authorization: 'deny' });
  assert.equal(denied.status, 403);
  assert.equal(denied.text, '{"message":"Forbidden"}');
  const v2 = await get('/policy2', { authorization: 'allow' });
  assert.equal(v2.status, 200);
  assert.equal(v2.json()['requestContext']['authorizer']['lambda']['role'], 'admin');
});

test('an authorizer that throws or answers nonsense is 500 Internal Server Error, never a pass', async (t) => {
  const get = await setup(t);
  for (const path of ['/boom', '/bad']) {
    const res = await get(path);
    assert.equal(res.status, 500, path);
    assert.equal(res.text, '{"message":"Internal Server Error"}');
  }
});
