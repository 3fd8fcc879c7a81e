/**
 * Native HTTP API routes (portico.yaml `routes:`) with authorizers from the API's
 * `authorizers:` map: a JWT authorizer against a local OpenID issuer, a Lambda REQUEST
 * authorizer in a real worker (with its result cache and a ResetAuthorizersCache flush through
 * the admin route), an AWS_IAM route signed with the AWS SDK's signer, and the load errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { startGateway, writeProject } from '../../helpers/gateway.ts';
import { startIssuer } from '../../helpers/oidc-issuer.ts';
import { assertError, loadErrors, y } from '../../config/helpers.ts';
import { authorizerCacheAdminRoutes } from '../../../src/admin/authorizer-cache.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only JSON access
type Loose = Record<string, any>;

const KEY = { accessKeyId: 'AKIAPORTICONATIVE001', secretAccessKey: 'native-iam-secret' };

async function setup(t: Parameters<typeof startIssuer>[0]) {
  const issuer = await startIssuer(t);
  const dir = writeProject(t, {
    'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
functions:
  echo: { handler: fns/echo.handler }
  authz: { handler: fns/authz.handler }
apis:
  - name: api
    type: HTTP
    apiId: nativeauth
    authorizers:
      jwt: { type: JWT, issuer: "${issuer.url}", audience: [ client-a ] }
      lambda:
        type: REQUEST
        function: authz
        payloadFormatVersion: "2.0"
        enableSimpleResponses: true
        identitySource: [ "$request.header.X-Token" ]
        resultTtlInSeconds: 300
    routes:
      "GET /open": { function: echo }
      "GET /jwt": { function: echo, authorizer: jwt }
      "GET /admin": { function: echo, authorizer: jwt, authorizationScopes: [ pets/admin ] }
      "GET /lambda": { function: echo, authorizer: lambda }
      "GET /iam": { function: echo, authorizationType: AWS_IAM }
`,
    'fns/echo.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ authorizer: event.requestContext.authorizer ?? null }) });\n',
    // Each invocation appends a line, so the test counts them across worker threads.
    'fns/authz.mjs': `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(new URL('./calls.log', import.meta.url), event.identitySource.join(',') + '\\n');
  return { isAuthorized: event.identitySource[0] === 'good', context: { user: 'u-' + event.identitySource[0] } };
};
`,
  });
  const gw = await startGateway(t, dir);
  const calls = (): number => (existsSync(join(dir, 'fns/calls.log')) ? readFileSync(join(dir, 'fns/calls.log'), 'utf8').split('\n').filter(Boolean).length : 0);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(`${gw.base}${path}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Loose };
  };
  return { issuer, gw, get, calls };
}

test('native JWT route: no token 401, a valid one reaches the function with its claims; scopes enforced', async (t) => {
  const { issuer, get } = await setup(t);
  assert.equal((await get('/open')).status, 200);
  const none = await get('/jwt');
  assert.equal(none.status, 401);
  assert.deepEqual(none.json(), { message: 'Unauthorized' });

  const token = await issuer.sign({ sub: 'alice', aud: 'client-a', scope: 'pets/read' });
  const ok = await get('/jwt', { authorization: `Bearer ${token}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.json()['authorizer']['jwt']['claims']['sub'], 'alice');

  const noScope = await get('/admin', { authorization: `Bearer ${token}` });
  assert.equal(noScope.status, 403);
  assert.deepEqual(noScope.json(), { message: 'Forbidden' });
  const admin = await issuer.sign({ sub: 'root', aud: 'client-a', scope: 'pets/read pets/admin' });
  assert.equal((await get('/admin', { authorization: `Bearer ${admin}` })).status, 200);

  const wrongAudience = await issuer.sign({ sub: 'eve', aud: 'client-b' });
  assert.equal((await get('/jwt', { authorization: `Bearer ${wrongAudience}` })).status, 401);
});

test('native Lambda REQUEST route: identity required, simple responses, results cached until a flush', async (t) => {
  const { gw, get, calls } = await setup(t);
  const missing = await get('/lambda');
  assert.equal(missing.status, 401);
  assert.equal(calls(), 0, 'a missing identity source never invokes the authorizer');

  const ok = await get('/lambda', { 'x-token': 'good' });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json()['authorizer'], { lambda: { user: 'u-good' } });
  const denied = await get('/lambda', { 'x-token': 'bad' });
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.json(), { message: 'Forbidden' });
  assert.equal(calls(), 2);

  assert.equal((await get('/lambda', { 'x-token': 'good' })).status, 200);
  assert.equal((await get('/lambda', { 'x-token': 'bad' })).status, 403);
  assert.equal(calls(), 2, 'both results came from the cache');

  // ResetAuthorizersCache for the stage, as the admin port serves it.
  const routes = authorizerCacheAdminRoutes({ project: () => gw.gateway.project, cache: gw.gateway.adminState.authorizerCache });
  const reset = routes.find((r) => r.method === 'DELETE' && r.path.test('/v2/apis/x/stages/y/cache/authorizers'));
  assert.ok(reset);
  const url = new URL('http://admin/v2/apis/nativeauth/stages/$default/cache/authorizers');
  const reply = await reset.handle(reset.path.exec(url.pathname) as RegExpExecArray, url, undefined as never);
  assert.equal(reply.status, 204);
  assert.equal((await get('/lambda', { 'x-token': 'good' })).status, 200);
  assert.equal(calls(), 3, 'the flush made the next request invoke the authorizer again');
});

test('native AWS_IAM route: SigV4-signed by the AWS SDK signer → 200 with the caller; unsigned → 403', async (t) => {
  const { gw, get } = await setup(t);
  const url = new URL(gw.base);
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/iam', query: {}, headers: { host: url.host } });
  const ok = await get('/iam', signed.headers);
  assert.equal(ok.status, 200);
  assert.equal(ok.json()['authorizer']['iam']['accessKey'], KEY.accessKeyId);
  assert.equal((await get('/iam')).status, 403);
});

test('native route authorization: each mistake is a load error at its file:line and JSON path', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': y`
      functions:
        h: { handler: h.handler }
      apis:
        - name: api
          type: HTTP
          authorizers:
            lam: { type: REQUEST, function: h, payloadFormatVersion: "2.0" }
            mixed: { type: REQUEST, function: h, payloadFormatVersion: "2.0", issuer: "https://x" }
            nojwt: { type: JWT, audience: [ a ] }
          routes:
            "GET /a": { function: h, authorizer: nope }
            "GET /b": { function: h, authorizer: lam, authorizationScopes: [ s ] }
            "GET /c": { function: h, authorizer: { function: h } }
            "GET /d": { function: h, authorizer: lam, authorizationType: AWS_IAM }
            "GET /e": { function: h, authorizationType: JWT }
            "GET /f": { function: h, authorizationScopes: [ s ] }
        - name: ws
          type: WEBSOCKET
          routes:
            $connect: { function: h, authorizer: lam }
    `,
  });
  assertError(errors, 'portico.yaml:8', "$.apis[0].authorizers.mixed.issuer", /"issuer" is for JWT authorizers; this one is REQUEST/);
  assertError(errors, 'portico.yaml:9', '$.apis[0].authorizers.nojwt', /a JWT authorizer needs "issuer"/);
  assertError(errors, 'portico.yaml:11', "$.apis[0].routes['GET /a'].authorizer", /authorizer "nope" is not defined in the API's authorizers: \(defined: lam\)/);
  assertError(errors, 'portico.yaml:12', "$.apis[0].routes['GET /b'].authorizationScopes", /scopes apply to JWT authorizers only/);
  assertError(errors, 'portico.yaml:13', "$.apis[0].routes['GET /c'].authorizer", /names one of the API's authorizers: \(a string\); the object form is for a WebSocket \$connect route/);
  assertError(errors, 'portico.yaml:14', "$.apis[0].routes['GET /d'].authorizationType", /a REQUEST authorizer, so the route's authorizationType is CUSTOM, not AWS_IAM/);
  assertError(errors, 'portico.yaml:15', "$.apis[0].routes['GET /e'].authorizationType", /authorizationType JWT needs authorizer/);
  assertError(errors, 'portico.yaml:16', "$.apis[0].routes['GET /f'].authorizationScopes", /need a JWT authorizer/);
  assertError(errors, 'portico.yaml:20', '$.apis[1].routes.$connect.authorizer', /a WebSocket authorizer is an object/);
  assert.equal(errors.length, 9, errors.map((e) => e.message).join('\n'));
});
