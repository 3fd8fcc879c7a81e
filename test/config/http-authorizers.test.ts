/**
 * HTTP API authorizers in OpenAPI (spec §13.1–13.2): what loads into the model, and what is
 * refused because nothing could enforce it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARN, HANDLER, httpApi, load, loadErrors } from './helpers.ts';

const PROJECT = `
functions:
  f: { handler: f.handler }
  auth: { handler: auth.handler }
apis:
  - { name: api, type: HTTP, openapi: api.yaml }
`;
const INT = `x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }`;

const files = (paths: string, schemes: string): Record<string, string> => ({
  'portico.yaml': PROJECT,
  'f.mjs': HANDLER,
  'auth.mjs': HANDLER,
  'api.yaml': `openapi: 3.0.1\ninfo: { title: api, version: "1" }\npaths:\n${paths}\ncomponents:\n  securitySchemes:\n${schemes}\n`,
});

const JWT = `    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer: { type: jwt, jwtConfiguration: { issuer: "https://issuer.example", audience: [ "a", "b" ] } }`;
const LAMBDA = `    lam:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN('auth')}", authorizerPayloadFormatVersion: "2.0", enableSimpleResponses: true, identitySource: "$request.header.X-Id, $context.routeKey", authorizerResultTtlInSeconds: 60 }
    iam: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    plain: { type: http, scheme: bearer }`;

test('jwt and request authorizers load, and routes name them with their scopes', (t) => {
  const { project } = load(t, files(`  /a:\n    get: { security: [ { jwt: [ "read" ] } ], ${INT} }\n  /b:\n    get: { security: [ { lam: [] } ], ${INT} }\n  /c:\n    get: { ${INT} }`, `${JWT}\n${LAMBDA}`));
  const api = httpApi(project);
  assert.deepEqual(api.authorizers?.['jwt'], { authorizerId: 'jwt', name: 'jwt', authorizerType: 'JWT', identitySource: ['$request.header.Authorization'], jwtConfiguration: { issuer: 'https://issuer.example', audience: ['a', 'b'] }, source: api.authorizers?.['jwt']?.source });
  const lam = api.authorizers?.['lam'];
  assert.equal(lam?.authorizerType, 'REQUEST');
  assert.deepEqual(lam?.identitySource, ['$request.header.X-Id', '$context.routeKey']);
  const byKey = Object.fromEntries(api.routes.map((r) => [r.routeKey, r]));
  assert.equal(byKey['GET /a']?.authorizationType, 'JWT');
  assert.deepEqual(byKey['GET /a']?.authorizationScopes, ['read']);
  assert.equal(byKey['GET /b']?.authorizationType, 'CUSTOM');
  assert.equal(byKey['GET /b']?.authorizerId, 'lam');
  assert.equal(byKey['GET /c']?.authorizationType, 'NONE');
});

test('requirements nothing would enforce are errors, never open routes', (t) => {
  const errors = loadErrors(t, files(`  /p:\n    get: { security: [ { plain: [] } ], ${INT} }\n  /s:\n    get: { security: [ { lam: [ "x" ] } ], ${INT} }\n  /two:\n    get: { security: [ { lam: [] }, { jwt: [] } ], ${INT} }`, `${JWT}\n${LAMBDA}`));
  const reasons = errors.map((e) => e.reason).join('\n');
  assert.match(reasons, /"plain" has no x-amazon-apigateway-authorizer/);
  assert.match(reasons, /scopes apply to JWT authorizers only/);
  assert.match(reasons, /a route has one authorizer/);
  assert.equal(errors.length, 3);
});

test('an awsSigv4 requirement makes an AWS_IAM route', (t) => {
  const { project } = load(t, files(`  /i:\n    get: { security: [ { iam: [] } ], ${INT} }`, LAMBDA));
  assert.equal(httpApi(project).routes[0]?.authorizationType, 'AWS_IAM');
});

test('bad authorizer definitions are located errors', (t) => {
  const schemes = `    j1: { type: oauth2, x-amazon-apigateway-authorizer: { type: jwt, jwtConfiguration: { issuer: "not a url", audience: [ "a" ] } } }
    j2: { type: oauth2, x-amazon-apigateway-authorizer: { type: jwt, jwtConfiguration: { issuer: "https://i.example", audience: [] } } }
    r1: { type: apiKey, name: x, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN('nope')}", authorizerPayloadFormatVersion: "2.0" } }
    r2: { type: apiKey, name: x, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN('auth')}", authorizerPayloadFormatVersion: "1.0", enableSimpleResponses: true } }
    r3: { type: apiKey, name: x, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN('auth')}", authorizerPayloadFormatVersion: "2.0", authorizerResultTtlInSeconds: 300 } }
    r4: { type: apiKey, name: x, in: header, x-amazon-apigateway-authorizer: { type: request, authorizerUri: "${ARN('auth')}", authorizerPayloadFormatVersion: "2.0", identitySource: "$request.path.id" } }
    t1: { type: apiKey, name: x, in: header, x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}" } }`;
  const reasons = loadErrors(t, files(`  /a:\n    get: { ${INT} }`, schemes)).map((e) => `${e.jsonPath}: ${e.reason}`);
  const expect = [/j1.*issuer must be an http\(s\) URL/, /j2.*audience must be a non-empty list/, /r1.*function "nope" is not defined/, /r2.*simple responses need authorizerPayloadFormatVersion "2.0"/, /r3.*needs at least one identity source/, /r4.*invalid identity source "\$request.path.id"/, /t1.*a REST API authorizer type/];
  for (const re of expect) assert.ok(reasons.some((r) => re.test(r)), `${re} in\n${reasons.join('\n')}`);
  assert.equal(reasons.length, expect.length);
});
