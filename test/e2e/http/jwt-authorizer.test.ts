/**
 * HTTP API JWT authorizers end to end: a local OpenID issuer, tokens signed with jose, a real
 * HTTP client against a started gateway, real workers echoing the event they got.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';
import { startIssuer } from '../../helpers/oidc-issuer.ts';


/** Parsed events, indexed freely by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only JSON access
type Loose = Record<string, any>;

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const echo = (v: string): string => `{ type: aws_proxy, uri: "${ARN('echo')}", payloadFormatVersion: "${v}" }`;

async function setup(t: Parameters<typeof startIssuer>[0]) {
  const issuer = await startIssuer(t);
  const gw = await serveFiles(t, {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - { name: api, type: HTTP, openapi: api.yaml }
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /open:
    get: { x-amazon-apigateway-integration: ${echo('2.0')} }
  /me:
    get:
      security: [ { jwt: [] } ]
      x-amazon-apigateway-integration: ${echo('2.0')}
  /me1:
    get:
      security: [ { jwt: [] } ]
      x-amazon-apigateway-integration: ${echo('1.0')}
  /admin:
    get:
      security: [ { jwt: [ "pets/admin", "pets/root" ] } ]
      x-amazon-apigateway-integration: ${echo('2.0')}
  /mapped:
    get:
      security: [ { jwt: [] } ]
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: "${ARN('echo')}"
        payloadFormatVersion: "2.0"
        requestParameters: { "overwrite:header.x-sub": "$context.authorizer.claims.sub" }
components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: { issuer: "${issuer.url}", audience: [ "client-a" ] }
`,
    'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });`,
  });
  const get = async (path: string, token?: string) => {
    const res = await request(`${gw.base}${path}`, { headers: token === undefined ? {} : { authorization: token } });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Loose };
  };
  return { issuer, gw, get };
}

test('JWT authorizer: a valid token reaches the integration with its claims as strings', async (t) => {
  const { issuer, get } = await setup(t);
  const token = await issuer.sign({ sub: 'alice', aud: 'client-a', groups: ['a', 'b'], n: 7 });
  const res = await get('/me', `Bearer ${token}`);
  assert.equal(res.status, 200);
  const jwt = res.json()['requestContext']['authorizer']['jwt'];
  assert.equal(jwt.claims.sub, 'alice');
  assert.equal(jwt.claims.groups, '[a b]');
  assert.equal(jwt.claims.n, '7');
  assert.equal(typeof jwt.claims.exp, 'string');
  assert.equal(jwt.scopes, null);
  // A bare token (no Bearer) is accepted too.
  assert.equal((await get('/me', token)).status, 200);
  // Unprotected routes stay open.
  assert.equal((await get('/open')).status, 200);
});

test('JWT authorizer: payload 1.0 events get {claims, scopes}; $context.authorizer.claims.* maps', async (t) => {
  const { issuer, get } = await setup(t);
  const token = await issuer.sign({ sub: 'bob', client_id: 'client-a' });
  const v1 = (await get('/me1', `Bearer ${token}`)).json();
  assert.equal(v1['version'], '1.0');
  assert.equal(v1['requestContext']['authorizer']['claims']['sub'], 'bob');
  assert.equal(v1['requestContext']['authorizer']['scopes'], null);
  const mapped = (await get('/mapped', `Bearer ${token}`)).json();
  assert.equal(mapped['headers']['x-sub'], 'bob');
});

test('JWT authorizer: missing, forged, expired and wrong-audience tokens get 401 with www-authenticate', async (t) => {
  const { issuer, get } = await setup(t);
  const missing = await get('/me');
  assert.equal(missing.status, 401);
  assert.equal(missing.text, '{"message":"Unauthorized"}');
  assert.match(String(missing.headers['www-authenticate']), /^Bearer scope="" error="invalid_token" error_description="/);
  const wrongAud = await get('/me', `Bearer ${await issuer.sign({ aud: 'someone-else' })}`);
  assert.equal(wrongAud.status, 401);
  assert.equal(wrongAud.headers['www-authenticate'], 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"');
  const expired = await get('/me', `Bearer ${await issuer.sign({ aud: 'client-a', exp: Math.floor(Date.now() / 1000) - 10 })}`);
  assert.equal(expired.status, 401);
  assert.match(String(expired.headers['www-authenticate']), /expired/);
  const good = await issuer.sign({ aud: 'client-a', sub: 'alice' });
  const [h, , s] = good.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: issuer.url, aud: 'client-a', sub: 'admin', exp: 9999999999 })).toString('base64url')}.${s}`;
  assert.equal((await get('/me', `Bearer ${forged}`)).status, 401);
  assert.equal((await get('/me', 'Bearer not-a-jwt')).status, 401);
});

test('JWT authorizer: route scopes need one matching scope (scope or scp), else 403 insufficient_scope', async (t) => {
  const { issuer, get } = await setup(t);
  const reader = await issuer.sign({ aud: 'client-a', scope: 'pets/read' });
  const denied = await get('/admin', `Bearer ${reader}`);
  assert.equal(denied.status, 403);
  assert.equal(denied.text, '{"message":"Forbidden"}');
  assert.match(String(denied.headers['www-authenticate']), /error="insufficient_scope"/);
  const admin = await get('/admin', `Bearer ${await issuer.sign({ aud: 'client-a', scope: 'pets/read pets/admin' })}`);
  assert.equal(admin.status, 200);
  assert.deepEqual(admin.json()['requestContext']['authorizer']['jwt']['scopes'], ['pets/read', 'pets/admin']);
  assert.equal((await get('/admin', `Bearer ${await issuer.sign({ aud: 'client-a', scp: ['pets/root'] })}`)).status, 200);
});
