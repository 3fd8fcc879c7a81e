/**
 * REST Lambda authorizers end to end (spec §6.1): TOKEN and REQUEST authorizers running in real
 * worker threads in front of real integrations — allow, explicit and implicit deny, 401 for a
 * missing token / a failed validation expression / `Unauthorized`, 500 for any other failure,
 * the result cache (hits counted through a file the authorizer appends to), the cached policy
 * evaluated again per method ARN, the context in the proxy event and in a mapping template,
 * apiKeySource AUTHORIZER with a usage plan, and a customised UNAUTHORIZED gateway response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startGateway, writeProject } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const proxy = (fn: string): string => `{ type: aws_proxy, httpMethod: POST, uri: "${ARN(fn)}" }`;
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200", responseTemplates: { application/json: '{"principalId":"$context.authorizer.principalId","num":"$context.authorizer.num","bool":"$context.authorizer.bool","latency":"$context.authorizer.integrationLatency"}' } } } }`;
const ALICE = 'alice-key-0123456789abcdef';

const PETS = `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
    post: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
  /pets/{id}:
    get: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
  /template:
    get: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${MOCK} }
  /fresh:
    get: { security: [{ fresh: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
  /req/{id}:
    get: { security: [{ req: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
  /req-nocache:
    get: { security: [{ reqfresh: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
  /open:
    get: { x-amazon-apigateway-integration: ${proxy('echo')} }
components:
  securitySchemes:
    tok:
      { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: custom,
        x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}", authorizerResultTtlInSeconds: 300 } }
    fresh:
      { type: apiKey, name: X-Token, in: header,
        x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}", authorizerResultTtlInSeconds: 0, identityValidationExpression: "[a-z]+(:[a-z0-9-]+)?" } }
    req:
      { type: apiKey, name: Unused, in: header,
        x-amazon-apigateway-authorizer: { type: request, identitySource: "method.request.header.X-User, method.request.querystring.tenant", authorizerUri: "${ARN('reqauth')}", authorizerResultTtlInSeconds: 300 } }
    reqfresh:
      { type: apiKey, name: Unused, in: header,
        x-amazon-apigateway-authorizer: { type: request, identitySource: "method.request.header.X-User", authorizerUri: "${ARN('reqauth')}", authorizerResultTtlInSeconds: 0 } }
`;

const METERED = `
openapi: 3.0.1
info: { title: metered, version: "1" }
x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-gateway-responses:
  UNAUTHORIZED:
    statusCode: "401"
    responseParameters: { gatewayresponse.header.WWW-Authenticate: "'Bearer realm=\\"metered\\"'" }
    responseTemplates: { application/json: '{"error":"$context.error.message","type":"$context.error.responseType"}' }
paths:
  /things:
    get: { security: [{ tok: [], api_key: [] }], x-amazon-apigateway-integration: ${proxy('echo')} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
    tok:
      { type: apiKey, name: Authorization, in: header,
        x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}", authorizerResultTtlInSeconds: 0 } }
`;

const PROJECT = `
functions:
  auth: { handler: fns/auth.handler, timeout: 1 }
  reqauth: { handler: fns/reqauth.handler }
  echo: { handler: fns/echo.handler }
apis:
  - { name: pets, apiId: petsapi, type: REST, openapi: pets.yaml, stages: [{ name: prod, variables: { realm: zoo } }] }
  - { name: metered, apiId: meteredapi, type: REST, openapi: metered.yaml, stage: prod }
apiKeys:
  - { name: alice, value: ${ALICE}, id: alice00001 }
usagePlans:
  - { name: gold, apiStages: [{ api: metered, stage: prod }], apiKeys: [alice], quota: { limit: 2, period: DAY } }
`;

/** The TOKEN authorizer: `verb[:tag]` picks the behaviour; every call is appended to calls.log. */
const AUTH = `
import { appendFileSync } from 'node:fs';
const policy = (effect, resource) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] });
export const handler = async (event) => {
  const token = event.authorizationToken;
  appendFileSync(new URL('../calls.log', import.meta.url), token + '\\n');
  const stage = event.methodArn.split('/').slice(0, 2).join('/');
  switch (token.split(':')[0]) {
    case 'allow':
      return { principalId: 'user-1', policyDocument: policy('Allow', stage + '/*'), context: { str: 'hello', num: 123, bool: true, nul: null } };
    case 'inspect':
      return { principalId: 'inspector', policyDocument: policy('Allow', '*'), context: { event: JSON.stringify(event) } };
    case 'getpets':
      return { principalId: 'reader', policyDocument: policy('Allow', stage + '/GET/pets') };
    case 'deny':
      return { principalId: 'user-1', policyDocument: policy('Deny', stage + '/*') };
    case 'unauthorized':
      throw new Error('Unauthorized');
    case 'cbunauthorized':
      return Promise.reject('Unauthorized');
    case 'boom':
      throw new Error('database down');
    case 'nested':
      return { principalId: 'x', policyDocument: policy('Allow', '*'), context: { nested: { a: 1 } } };
    case 'nopolicy':
      return { principalId: 'x' };
    case 'slow':
      await new Promise((r) => setTimeout(r, 3000));
      return { principalId: 'x', policyDocument: policy('Allow', '*') };
    case 'key':
      return { principalId: 'metered', policyDocument: policy('Allow', '*'), usageIdentifierKey: token.split(':')[1] === 'alice' ? '${ALICE}' : 'mallory-key-0123456789abcdef' };
    default:
      return { principalId: 'nobody', policyDocument: policy('Allow', 'arn:aws:execute-api:us-east-1:123456789012:otherapi/*') };
  }
};`;

/** The REQUEST authorizer: records its event in the context; `X-User: deny` denies. */
const REQAUTH = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(new URL('../calls.log', import.meta.url), 'req:' + (event.headers['X-User'] ?? '-') + '\\n');
  const effect = event.headers['X-User'] === 'deny' ? 'Deny' : 'Allow';
  return { principalId: event.headers['X-User'] ?? 'anonymous', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: '*' }] }, context: { event: JSON.stringify(event) } };
};`;

const ECHO = `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ authorizer: event.requestContext.authorizer ?? null, identity: event.requestContext.identity }) });`;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: () => Record<string, unknown>;
}

test('REST Lambda authorizers', async (t) => {
  const dir = writeProject(t, { 'portico.yaml': PROJECT, 'pets.yaml': PETS, 'metered.yaml': METERED, 'fns/auth.mjs': AUTH, 'fns/reqauth.mjs': REQAUTH, 'fns/echo.mjs': ECHO });
  const { base } = await startGateway(t, dir);
  /** How many times the authorizers were invoked with `token` (all invocations without one). */
  const calls = (token?: string): number => {
    let text = '';
    try {
      text = readFileSync(join(dir, 'calls.log'), 'utf8');
    } catch {
      return 0;
    }
    const lines = text.split('\n').slice(0, -1);
    return token === undefined ? lines.length : lines.filter((l) => l === token).length;
  };
  async function call(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
    const res = await request(`${base}/_aws/execute-api/${path}`, { method, headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  }
  const pets = (path: string, token?: string, method = 'GET'): Promise<Reply> => call(`petsapi/prod${path}`, token === undefined ? {} : { Authorization: token }, method);
  function assertError(res: Reply, status: number, body: string, errorType: string): void {
    assert.equal(res.status, status, res.text);
    assert.equal(res.text, body);
    assert.equal(res.headers['x-amzn-errortype'], errorType);
  }
  const UNAUTHORIZED = '{"message":"Unauthorized"}';
  const CONFIG_ERROR = '{"message":null}';

  await t.test('an Allow reaches the integration, whose event carries principalId, the stringified context and integrationLatency', async () => {
    const res = await pets('/pets', 'allow:event');
    assert.equal(res.status, 200, res.text);
    const { authorizer } = res.json() as { authorizer: Record<string, unknown> };
    assert.deepEqual(Object.keys(authorizer), ['str', 'num', 'bool', 'nul', 'principalId', 'integrationLatency']);
    assert.deepEqual({ ...authorizer, integrationLatency: 0 }, { str: 'hello', num: '123', bool: 'true', nul: null, principalId: 'user-1', integrationLatency: 0 });
    assert.equal(typeof authorizer['integrationLatency'], 'number');
  });

  await t.test('$context.authorizer.* reaches a mapping template, every value a string', async () => {
    const res = await pets('/template', 'allow:template');
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    assert.deepEqual({ ...body, latency: '' }, { principalId: 'user-1', num: '123', bool: 'true', latency: '' });
    assert.match(String(body['latency']), /^\d+$/);
  });

  await t.test('the TOKEN event is {type, authorizationToken, methodArn}, the ARN naming the requested path', async () => {
    const res = await pets('/pets/7', 'inspect:token');
    assert.equal(res.status, 200, res.text);
    const event = JSON.parse(String((res.json()['authorizer'] as Record<string, unknown>)['event'])) as Record<string, unknown>;
    assert.deepEqual(event, { type: 'TOKEN', authorizationToken: 'inspect:token', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:petsapi/prod/GET/pets/7' });
  });

  await t.test('an explicit Deny is 403 ACCESS_DENIED with capital-M Message', async () => {
    assertError(await pets('/pets', 'deny:x'), 403, '{"Message":"User is not authorized to access this resource with an explicit deny"}', 'AccessDeniedException');
  });

  await t.test('a policy allowing nothing that matches is 403 with the implicit-deny message', async () => {
    assertError(await pets('/pets', 'other:x'), 403, '{"Message":"User is not authorized to access this resource"}', 'AccessDeniedException');
  });

  await t.test('no token (and an empty one) is 401 Unauthorized without invoking the function', async () => {
    const before = calls();
    assertError(await pets('/pets'), 401, UNAUTHORIZED, 'UnauthorizedException');
    assertError(await pets('/pets', ''), 401, UNAUTHORIZED, 'UnauthorizedException');
    assert.equal(calls(), before);
  });

  await t.test('a token failing identityValidationExpression is 401 without invoking the function', async () => {
    const res = await call('petsapi/prod/fresh', { 'X-Token': 'Not Valid!' });
    assertError(res, 401, UNAUTHORIZED, 'UnauthorizedException');
    assert.equal(calls('Not Valid!'), 0);
    assert.equal((await call('petsapi/prod/fresh', { 'X-Token': 'allow:valid' })).status, 200);
  });

  await t.test('the function failing with exactly "Unauthorized" (thrown or rejected) is 401', async () => {
    assertError(await pets('/pets', 'unauthorized:x'), 401, UNAUTHORIZED, 'UnauthorizedException');
    assertError(await pets('/pets', 'cbunauthorized:x'), 401, UNAUTHORIZED, 'UnauthorizedException');
  });

  await t.test('any other error, a malformed output or a timeout is 500 AUTHORIZER_CONFIGURATION_ERROR {"message":null}', async () => {
    for (const token of ['boom:x', 'nested:x', 'nopolicy:x', 'slow:x']) {
      assertError(await pets('/pets', token), 500, CONFIG_ERROR, 'AuthorizerConfigurationException');
    }
  });

  await t.test('a cached result (TTL 300) is reused for the same token: the function runs once', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await pets('/pets', 'allow:cached')).status, 200);
    assert.equal((await pets('/pets/9', 'allow:cached')).status, 200);
    assert.equal(calls('allow:cached'), 1);
    // A cache hit reports integrationLatency 0.
    const { authorizer } = (await pets('/pets', 'allow:cached')).json() as { authorizer: Record<string, unknown> };
    assert.equal(authorizer['integrationLatency'], 0);
  });

  await t.test('with TTL 0 the function runs for every request', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call('petsapi/prod/fresh', { 'X-Token': 'allow:uncached' })).status, 200);
    assert.equal(calls('allow:uncached'), 3);
  });

  await t.test("the cached policy is evaluated again per method: another method's request is denied", async () => {
    assert.equal((await pets('/pets', 'getpets:x')).status, 200);
    assertError(await pets('/pets', 'getpets:x', 'POST'), 403, '{"Message":"User is not authorized to access this resource"}', 'AccessDeniedException');
    assertError(await pets('/pets/1', 'getpets:x'), 403, '{"Message":"User is not authorized to access this resource"}', 'AccessDeniedException');
    assert.equal(calls('getpets:x'), 1);
  });

  await t.test('REQUEST: the event is the proxy event without body, plus type and methodArn', async () => {
    const res = await call('petsapi/prod/req/42?tenant=acme', { 'X-User': 'bob' });
    assert.equal(res.status, 200, res.text);
    const authorizer = res.json()['authorizer'] as Record<string, unknown>;
    assert.equal(authorizer['principalId'], 'bob');
    const event = JSON.parse(String(authorizer['event'])) as Record<string, unknown> & { requestContext: Record<string, unknown>; headers: Record<string, string> };
    assert.deepEqual(Object.keys(event), ['type', 'methodArn', 'resource', 'path', 'httpMethod', 'headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'pathParameters', 'stageVariables', 'requestContext']);
    assert.equal(event['type'], 'REQUEST');
    assert.equal(event['methodArn'], 'arn:aws:execute-api:us-east-1:123456789012:petsapi/prod/GET/req/42');
    assert.equal(event['resource'], '/req/{id}');
    assert.equal(event['path'], '/req/42');
    assert.deepEqual(event['pathParameters'], { id: '42' });
    assert.deepEqual(event['queryStringParameters'], { tenant: 'acme' });
    assert.deepEqual(event['stageVariables'], { realm: 'zoo' });
    assert.equal(event.headers['X-User'], 'bob');
    assert.equal(event.headers['X-Forwarded-For'], '127.0.0.1');
    assert.equal(event.requestContext['resourcePath'], '/req/{id}');
    assert.equal(event.requestContext['authorizer'], undefined);
  });

  await t.test('REQUEST with caching: a missing identity source is 401 without invoking; all values form the cache key', async () => {
    assertError(await call('petsapi/prod/req/1', { 'X-User': 'carol' }), 401, UNAUTHORIZED, 'UnauthorizedException');
    assertError(await call('petsapi/prod/req/1?tenant=acme'), 401, UNAUTHORIZED, 'UnauthorizedException');
    assert.equal(calls('req:carol'), 0);
    assert.equal((await call('petsapi/prod/req/1?tenant=acme', { 'X-User': 'carol' })).status, 200);
    assert.equal((await call('petsapi/prod/req/2?tenant=acme', { 'X-User': 'carol' })).status, 200);
    assert.equal((await call('petsapi/prod/req/1?tenant=other', { 'X-User': 'carol' })).status, 200);
    assert.equal(calls('req:carol'), 2);
  });

  await t.test('REQUEST without caching: the function runs even when a source is missing, and decides', async () => {
    assert.equal((await call('petsapi/prod/req-nocache')).status, 200);
    assert.equal(calls('req:-'), 1);
    assertError(await call('petsapi/prod/req-nocache', { 'X-User': 'deny' }), 403, '{"Message":"User is not authorized to access this resource with an explicit deny"}', 'AccessDeniedException');
  });

  await t.test('a method without an authorizer is not authorized, and its event has no authorizer', async () => {
    const res = await pets('/open');
    assert.equal(res.status, 200);
    assert.equal(res.json()['authorizer'], null);
  });

  await t.test("apiKeySource AUTHORIZER: the authorizer's usageIdentifierKey is the API key, metered by its usage plan", async () => {
    const metered = (token: string): Promise<Reply> => call('meteredapi/prod/things', { Authorization: token });
    const first = await metered('key:alice');
    assert.equal(first.status, 200, first.text);
    const body = first.json() as { authorizer: Record<string, unknown>; identity: Record<string, unknown> };
    assert.equal(body.identity['apiKey'], ALICE);
    assert.equal(body.identity['apiKeyId'], 'alice00001');
    // The key is the gateway's business: it is not part of the authorizer map the function sees.
    assert.equal(body.authorizer['usageIdentifierKey'], undefined);
    assert.equal((await metered('key:alice')).status, 200);
    assertError(await metered('key:alice'), 429, '{"message":"Limit Exceeded"}', 'LimitExceededException');
    assertError(await metered('key:mallory'), 403, '{"message":"Forbidden"}', 'ForbiddenException');
    assertError(await metered('allow:nokey'), 403, '{"message":"Forbidden"}', 'ForbiddenException');
  });

  await t.test('a customised UNAUTHORIZED gateway response shapes the 401', async () => {
    const res = await call('meteredapi/prod/things');
    assert.equal(res.status, 401);
    assert.deepEqual(res.json(), { error: 'Unauthorized', type: 'UNAUTHORIZED' });
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="metered"');
    assert.equal(res.headers['x-amzn-errortype'], 'UnauthorizedException');
  });
});
