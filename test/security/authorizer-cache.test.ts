/**
 * The Lambda authorizer result cache under attack: two identities must never share a result,
 * whether they differ in the token or in one of several identity sources; a cached policy is
 * evaluated again for each request's method ARN (an Allow for /a is not an Allow for /b); a
 * cached Deny stays a Deny; TTL 0 caches nothing. Real worker-thread authorizers count their
 * invocations in a file; the integration echoes the principal it was given and counts its own.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, send, serve, type Served } from './helpers.ts';

/** Appends `line` to authz.log beside portico.yaml (inlined into each authorizer). */
const LOG = `import { appendFileSync } from 'node:fs';
const log = (line) => appendFileSync(new URL('../authz.log', import.meta.url), line + '\\n');
const policy = (effect, resource) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] });`;

/** TOKEN: `allow-<who>` allows the stage, `only-a-<who>` allows GET /a only, `deny-<who>` denies. */
const TOKEN_AUTH = `${LOG}
export const handler = async (event) => {
  const token = event.authorizationToken;
  log('token:' + token);
  const [verb, who] = token.startsWith('only-a-') ? ['only-a', token.slice(7)] : token.split('-');
  const stage = event.methodArn.split('/').slice(0, 2).join('/');
  if (verb === 'allow') return { principalId: who, policyDocument: policy('Allow', stage + '/*') };
  if (verb === 'only-a') return { principalId: who, policyDocument: policy('Allow', stage + '/GET/a') };
  return { principalId: who, policyDocument: policy('Deny', stage + '/*') };
};`;

/** REQUEST: only alice of tenant acme is allowed; the principal names both sources. */
const REQUEST_AUTH = `${LOG}
export const handler = async (event) => {
  const user = event.headers['x-user'], tenant = event.queryStringParameters?.tenant;
  log('request:' + user + '@' + tenant);
  const stage = event.methodArn.split('/').slice(0, 2).join('/');
  return { principalId: user + '@' + tenant, policyDocument: policy(user === 'alice' && tenant === 'acme' ? 'Allow' : 'Deny', stage + '/*') };
};`;

/** HTTP API, simple responses: only alice of tenant acme. */
const SIMPLE_AUTH = `${LOG}
export const handler = async (event) => {
  const [user, tenant] = event.identitySource;
  log('simple:' + user + '@' + tenant);
  return { isAuthorized: user === 'alice' && tenant === 'acme', context: { who: user + '@' + tenant } };
};`;

/** HTTP API, IAM policy (payload 1.0): allows exactly the route ARN it was called for. */
const ROUTE_AUTH = `${LOG}
export const handler = async (event) => {
  log('route:' + event.identitySource);
  return { principalId: event.identitySource, policyDocument: policy('Allow', event.methodArn) };
};`;

/** Echoes the principal it was invoked for, and counts itself in invocations.log. */
const ECHO = `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(new URL('../invocations.log', import.meta.url), 'x\\n');
  const a = event.requestContext.authorizer ?? {};
  return { statusCode: 200, body: String(a.principalId ?? a.lambda?.who ?? a.who) };
};`;

const rest = (scheme: string): string => `get: { security: [{ ${scheme}: [] }], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('echo')}" } }`;
const custom = (name: string, fn: string, extra: string): string =>
  `    ${name}: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: custom, x-amazon-apigateway-authorizer: { authorizerUri: "${lambdaUri(fn)}", ${extra} } }`;
const http = (scheme: string, v: string): string => `get: { security: [{ ${scheme}: [] }], x-amazon-apigateway-integration: { type: aws_proxy, uri: "${lambdaUri('echo')}", payloadFormatVersion: "${v}" } }`;

const FILES = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
  tokenauth: { handler: fns/tokenauth.handler }
  requestauth: { handler: fns/requestauth.handler }
  simpleauth: { handler: fns/simpleauth.handler }
  routeauth: { handler: fns/routeauth.handler }
apis:
  - { name: rest, apiId: restcache, type: REST, openapi: rest.yaml, stage: prod }
  - { name: http, apiId: httpcache, type: HTTP, openapi: http.yaml }
`,
  'rest.yaml': `
openapi: 3.0.1
info: { title: rest, version: "1" }
paths:
  /a: { ${rest('tok')} }
  /b: { ${rest('tok')} }
  /t0: { ${rest('tok0')} }
  /r: { ${rest('req')} }
components:
  securitySchemes:
${custom('tok', 'tokenauth', 'type: token, authorizerResultTtlInSeconds: 300')}
${custom('tok0', 'tokenauth', 'type: token, authorizerResultTtlInSeconds: 0')}
${custom('req', 'requestauth', 'type: request, identitySource: "method.request.header.X-User, method.request.querystring.tenant", authorizerResultTtlInSeconds: 300')}
`,
  'http.yaml': `
openapi: 3.0.1
info: { title: http, version: "1" }
paths:
  /s: { ${http('simple', '2.0')} }
  /a: { ${http('route', '1.0')} }
  /b: { ${http('route', '1.0')} }
components:
  securitySchemes:
    simple: { type: apiKey, name: Unused, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${lambdaUri('simpleauth')}", authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true, identitySource: "$request.header.X-User, $request.querystring.tenant", authorizerResultTtlInSeconds: 300 } }
    route: { type: apiKey, name: Unused, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${lambdaUri('routeauth')}", authorizerPayloadFormatVersion: "1.0", identitySource: "$request.header.Authorization", authorizerResultTtlInSeconds: 300 } }
`,
  'fns/echo.mjs': ECHO,
  'fns/tokenauth.mjs': TOKEN_AUTH,
  'fns/requestauth.mjs': REQUEST_AUTH,
  'fns/simpleauth.mjs': SIMPLE_AUTH,
  'fns/routeauth.mjs': ROUTE_AUTH,
};

/** How many times an authorizer was invoked with exactly `line`. */
function authorizerCalls(gw: Served, line: string): number {
  const file = join(gw.dir, 'authz.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l === line).length : 0;
}

const EXPLICIT = '{"Message":"User is not authorized to access this resource with an explicit deny"}';
const IMPLICIT = '{"Message":"User is not authorized to access this resource"}';
const DENIED = { 'x-amzn-errortype': 'AccessDeniedException' };

describe('REST Lambda authorizer cache', () => {
  test('TOKEN: each token gets its own result; a cached Deny stays Deny; an Allow for /a is not one for /b; TTL 0 caches nothing', async (t) => {
    const gw = await serve(t, FILES);
    const get = (path: string, token: string) => send(gw.base, `/_aws/execute-api/restcache/prod${path}`, { headers: { authorization: token } });
    let served = 0;
    const ok = async (path: string, token: string, principal: string): Promise<void> => {
      const res = await get(path, token);
      assert.equal(res.status, 200, `${path} ${token}: ${res.text}`);
      assert.equal(res.text, principal);
      assert.equal(gw.invocations(), ++served);
    };

    await ok('/a', 'allow-alice', 'alice');
    // Differs from a cached Allow in its last character: a new identity, invoked, its own principal.
    assertRefused(gw, served, await get('/a', 'deny-alicf'), 403, EXPLICIT, DENIED);
    await ok('/a', 'allow-alicf', 'alicf');
    await ok('/b', 'allow-alice', 'alice');
    assert.equal(authorizerCalls(gw, 'token:allow-alice'), 1);

    for (let i = 0; i < 3; i++) assertRefused(gw, served, await get('/a', 'deny-dave'), 403, EXPLICIT, DENIED);
    assert.equal(authorizerCalls(gw, 'token:deny-dave'), 1);

    await ok('/a', 'only-a-carol', 'carol');
    assertRefused(gw, served, await get('/b', 'only-a-carol'), 403, IMPLICIT, DENIED);
    await ok('/a', 'only-a-carol', 'carol');
    assert.equal(authorizerCalls(gw, 'token:only-a-carol'), 1);

    await ok('/t0', 'allow-erin', 'erin');
    await ok('/t0', 'allow-erin', 'erin');
    assert.equal(authorizerCalls(gw, 'token:allow-erin'), 2);
  });

  test('REQUEST with two identity sources: identities differing in one source never share a result', async (t) => {
    const gw = await serve(t, FILES);
    const get = (user: string, query: string) => send(gw.base, `/_aws/execute-api/restcache/prod/r${query}`, { headers: { 'x-user': user } });
    const allowed = await get('alice', '?tenant=acme');
    assert.equal(allowed.status, 200);
    assert.equal(allowed.text, 'alice@acme');
    assertRefused(gw, 1, await get('alice', '?tenant=evil'), 403, EXPLICIT, DENIED);
    assertRefused(gw, 1, await get('mallory', '?tenant=acme'), 403, EXPLICIT, DENIED);
    // A missing source is 401 before any cache lookup or invocation (caching is on).
    assertRefused(gw, 1, await get('alice', '?Tenant=acme'), 401, '{"message":"Unauthorized"}', { 'x-amzn-errortype': 'UnauthorizedException' });
    assert.equal((await get('alice', '?tenant=acme')).text, 'alice@acme');
    assert.equal(authorizerCalls(gw, 'request:alice@acme'), 1);
    assert.equal(authorizerCalls(gw, 'request:alice@evil'), 1);
    assert.equal(authorizerCalls(gw, 'request:mallory@acme'), 1);
    assert.equal(authorizerCalls(gw, 'request:alice@undefined'), 0);
    // The cached Deny of mallory stays a Deny.
    assertRefused(gw, 2, await get('mallory', '?tenant=acme'), 403, EXPLICIT, DENIED);
    assert.equal(authorizerCalls(gw, 'request:mallory@acme'), 1);
  });
});

describe('HTTP API Lambda authorizer cache', () => {
  test('simple responses: identities differing in one source never share a result', async (t) => {
    const gw = await serve(t, FILES);
    const get = (user: string, tenant: string) => send(gw.base, `/_aws/execute-api/httpcache/s?tenant=${tenant}`, { headers: { 'x-user': user } });
    assert.equal((await get('alice', 'acme')).text, 'alice@acme');
    assertRefused(gw, 1, await get('alice', 'evil'), 403, '{"message":"Forbidden"}');
    assertRefused(gw, 1, await get('mallory', 'acme'), 403, '{"message":"Forbidden"}');
    assertRefused(gw, 1, await get('mallory', 'acme'), 403, '{"message":"Forbidden"}');
    assert.equal((await get('alice', 'acme')).text, 'alice@acme');
    for (const who of ['alice@acme', 'alice@evil', 'mallory@acme']) assert.equal(authorizerCalls(gw, `simple:${who}`), 1, who);
  });

  test('a cached policy that allows one route ARN does not authorise another route', async (t) => {
    const gw = await serve(t, FILES);
    const get = (path: string) => send(gw.base, `/_aws/execute-api/httpcache${path}`, { headers: { authorization: 'tok-1' } });
    assert.equal((await get('/a')).text, 'tok-1');
    assertRefused(gw, 1, await get('/b'), 403, '{"message":"Forbidden"}');
    assert.equal(authorizerCalls(gw, 'route:tok-1'), 1);
  });
});
