/**
 * REST Cognito user pool authorizers end to end: a local issuer standing in for the user pool
 * (portico.yaml `cognito.issuers`), tokens signed with jose, real sockets and real workers.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';
import { startIssuer } from '../../helpers/oidc-issuer.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200", responseTemplates: { application/json: '{"email":"$context.authorizer.claims.email"}' } } } }`;
const POOL = 'us-east-1_AbC123';
/** Until rest-api.ts calls createCognitoPhase for COGNITO_USER_POOLS methods; remove then. */

async function setup(t: TestContext) {
  const issuer = await startIssuer(t, `/${POOL}`);
  const gw = await serveFiles(t, {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - { name: pets, type: REST, openapi: api.yaml, stage: prod }
cognito:
  issuers: { ${POOL}: "${issuer.url}" }
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /me:
    get: { security: [ { pool: [] } ], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('echo')}" } }
  /mail:
    get: { security: [ { pool: [] } ], x-amazon-apigateway-integration: ${MOCK} }
  /scoped:
    get: { security: [ { pool: [ "pets/read" ] } ], x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer: { type: cognito_user_pools, providerARNs: [ "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${POOL}" ] }
`,
    'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });`,
  });
  const get = async (path: string, token?: string) => {
    const res = await request(`${gw.base}/prod${path}`, { headers: token === undefined ? {} : { authorization: token } });
    const text = await res.body.text();
    return { status: res.statusCode, text };
  };
  const idToken = (claims: Record<string, unknown> = {}): Promise<string> => issuer.sign({ token_use: 'id', aud: 'app-client', sub: 'u-1', email: 'a@example.com', 'cognito:groups': ['admins'], ...claims });
  const accessToken = (scope: string): Promise<string> => issuer.sign({ token_use: 'access', client_id: 'app-client', sub: 'u-1', scope });
  return { issuer, get, idToken, accessToken };
}

test('Cognito: an ID token passes and its claims reach the event and $context as strings', async (t) => {
  const { get, idToken } = await setup(t);
  const res = await get('/me', await idToken());
  assert.equal(res.status, 200);
  const claims = (JSON.parse(res.text) as { requestContext: { authorizer: { claims: Record<string, unknown> } } }).requestContext.authorizer.claims;
  assert.equal(claims['sub'], 'u-1');
  assert.equal(claims['email'], 'a@example.com');
  assert.equal(typeof claims['exp'], 'string');
  const mail = await get('/mail', await idToken());
  assert.equal(mail.text, '{"email":"a@example.com"}');
});

test('Cognito: missing, expired, forged or other-pool tokens are 401 Unauthorized', async (t) => {
  const { get, idToken, issuer } = await setup(t);
  for (const token of [undefined, '', 'garbage', await idToken({ exp: Math.floor(Date.now() / 1000) - 1 }), await idToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })]) {
    const res = await get('/me', token);
    assert.equal(res.status, 401, String(token));
    assert.equal(res.text, '{"message":"Unauthorized"}');
  }
  const good = await idToken();
  const [h, , s] = good.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: issuer.url, token_use: 'id', sub: 'root', exp: 9999999999 })).toString('base64url')}.${s}`;
  assert.equal((await get('/me', forged)).status, 401);
});

test('Cognito: methods with scopes take an access token with one of them; ID tokens elsewhere', async (t) => {
  const { get, idToken, accessToken } = await setup(t);
  assert.equal((await get('/scoped', await accessToken('pets/read pets/write'))).status, 200);
  assert.equal((await get('/scoped', await accessToken('pets/write'))).status, 401);
  assert.equal((await get('/scoped', await idToken())).status, 401);
  assert.equal((await get('/me', await accessToken('pets/read'))).status, 401);
});
