/**
 * Hostile JWTs against an HTTP API JWT authorizer and a REST Cognito user-pool authorizer:
 * a real issuer serving its JWKS over HTTP, tokens made with jose, real sockets, and a recorder
 * integration that must never run for a refused token.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, type JWK } from 'jose';
import { startIssuer, type TestIssuer } from '../helpers/oidc-issuer.ts';
import { assertRefused, lambdaUri, rawExchange, send, serve, type Served } from './helpers.ts';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
/** AWS's `www-authenticate` for a refused token (DG:http-api-troubleshooting-jwt). */
const invalid = (description: string): string => `Bearer scope="" error="invalid_token" error_description="${description}"`;
const UNAUTHORIZED = '{"message":"Unauthorized"}';

/** An HTTP API with a JWT authorizer (audience client-a) on /me and /admin (scope pets/admin). */
async function httpApi(t: TestContext, issuer: TestIssuer): Promise<Served> {
  const integration = `x-amazon-apigateway-integration: { type: aws_proxy, uri: "${lambdaUri('recorder')}", payloadFormatVersion: "2.0" }`;
  return serve(t, {
    'portico.yaml': 'functions:\n  recorder: { handler: fns/recorder.handler }\napis:\n  - { name: api, type: HTTP, openapi: api.yaml }\n',
    'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /me:
    get: { security: [ { jwt: [] } ], ${integration} }
  /admin:
    get: { security: [ { jwt: [ "pets/admin" ] } ], ${integration} }
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
  });
}

/** The issuer's public key as a JWK (what an attacker can download). */
async function publicJwk(issuer: TestIssuer): Promise<JWK> {
  const res = await fetch(`${issuer.url}/.well-known/jwks.json`);
  const { keys } = (await res.json()) as { keys: JWK[] };
  return keys[0] as JWK;
}

/** `HS256` tokens whose HMAC secret is the issuer's public key, as JWK JSON and as PEM bytes. */
async function hmacWithPublicKey(issuer: TestIssuer, claims: Record<string, unknown>): Promise<string[]> {
  const jwk = await publicJwk(issuer);
  const pem = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const secrets = [Buffer.from(JSON.stringify(jwk)), Buffer.from(pem)];
  return Promise.all(secrets.map((s) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'test-key' }).sign(new Uint8Array(s))));
}

describe('HTTP API JWT authorizer under attack', () => {
  test('every forged, stale or misdirected token is 401 with www-authenticate; the integration never runs', async (t) => {
    const issuer = await startIssuer(t);
    const gw = await httpApi(t, issuer);
    const good = { iss: issuer.url, aud: 'client-a', sub: 'alice', exp: now() + 300 };
    const attacker = await startIssuer(t);
    const signed = await issuer.sign({ aud: 'client-a', sub: 'alice' });
    const [h, , s] = signed.split('.');
    const [hs256Jwk, hs256Pem] = await hmacWithPublicKey(issuer, good);
    const cases: [string, string | string[] | undefined, string][] = [
      ['alg=none', `Bearer ${b64({ alg: 'none', kid: 'test-key' })}.${b64(good)}.`, "the token's signing method none is not supported"],
      ['HS256 keyed with the public JWK', `Bearer ${hs256Jwk}`, "the token's signing method HS256 is not supported"],
      ['HS256 keyed with the public PEM', `Bearer ${hs256Pem}`, "the token's signing method HS256 is not supported"],
      ['expired a second ago (exp has no leeway)', `Bearer ${await issuer.sign({ aud: 'client-a', exp: now() - 1 })}`, 'the token has expired'],
      ['no exp at all', `Bearer ${await issuer.sign({ aud: 'client-a', exp: undefined })}`, 'the token has no valid expiry (exp)'],
      ['nbf a minute ahead (beyond the 5 s leeway)', `Bearer ${await issuer.sign({ aud: 'client-a', nbf: now() + 60 })}`, 'the token is not valid yet'],
      ['iat a minute ahead', `Bearer ${await issuer.sign({ aud: 'client-a', iat: now() + 60 })}`, 'the token was issued in the future'],
      ['another issuer', `Bearer ${await attacker.sign({ aud: 'client-a' })}`, 'the token does not have a valid issuer'],
      ["another issuer's key claiming our iss and kid", `Bearer ${await attacker.sign({ iss: issuer.url, aud: 'client-a' })}`, 'the token signature is invalid'],
      ["jku/jwk headers pointing at the attacker's keys", `Bearer ${await attacker.sign({ iss: issuer.url, aud: 'client-a' }, { jku: `${attacker.url}/.well-known/jwks.json`, jwk: await publicJwk(attacker) })}`, 'the token signature is invalid'],
      ['wrong audience', `Bearer ${await issuer.sign({ aud: 'client-b' })}`, 'the token does not have a valid audience'],
      ['wrong client_id (access token without aud)', `Bearer ${await issuer.sign({ client_id: 'client-b' })}`, 'the token does not have a valid audience'],
      ['right client_id but wrong aud (aud wins)', `Bearer ${await issuer.sign({ aud: 'client-b', client_id: 'client-a' })}`, 'the token does not have a valid audience'],
      ["tampered payload (another payload's signature)", `Bearer ${h}.${b64({ ...good, sub: 'admin' })}.${s}`, 'the token signature is invalid'],
      ['token in another header', undefined, 'the token is missing'],
      ['Basic scheme instead of Bearer', `Basic ${signed}`, 'the token is malformed'],
      ['two Authorization headers', ['authorization', `Bearer ${signed}`, 'authorization', `Bearer ${signed}`], 'the token is malformed'],
      ['two tokens in one header', `Bearer ${signed} ${signed}`, 'the token is malformed'],
      ['12 KB of garbage', `Bearer ${'a'.repeat(12_000)}`, 'the token is malformed'],
    ];
    for (const [name, auth, description] of cases) {
      const headers = Array.isArray(auth) ? auth : auth === undefined ? { 'x-token': `Bearer ${signed}` } : { authorization: auth };
      const res = await send(gw.base, '/me', { headers });
      assert.equal(res.headers['www-authenticate'], invalid(description), name);
      assertRefused(gw, 0, res, 401, UNAUTHORIZED);
    }
    // The genuine token, bare or with Bearer, is served: the refusals above were about the tokens.
    assert.equal((await send(gw.base, '/me', { headers: { authorization: `Bearer ${signed}` } })).status, 200);
    assert.equal((await send(gw.base, '/me', { headers: { authorization: signed } })).status, 200);
    assert.equal(gw.invocations(), 2);
    // Keys are only ever taken from the configured issuer: the attacker's JWKS was fetched once, by this test itself.
    assert.equal(attacker.jwksFetches(), 1);
  });

  test('clock edges: exp 2 s ahead and nbf/iat 3 s ahead (inside the 5 s leeway) pass', async (t) => {
    const issuer = await startIssuer(t);
    const gw = await httpApi(t, issuer);
    for (const claims of [{ exp: now() + 2 }, { nbf: now() + 3 }, { iat: now() + 3 }]) {
      const res = await send(gw.base, '/me', { headers: { authorization: `Bearer ${await issuer.sign({ aud: 'client-a', ...claims })}` } });
      assert.equal(res.status, 200, JSON.stringify(claims));
    }
    assert.equal(gw.invocations(), 3);
  });

  test('a valid token without the route scope is 403 insufficient_scope', async (t) => {
    const issuer = await startIssuer(t);
    const gw = await httpApi(t, issuer);
    for (const claims of [{ scope: 'pets/read' }, { scp: ['pets/read'] }, {}, { scope: 'pets/admin2 xpets/admin' }]) {
      const res = await send(gw.base, '/admin', { headers: { authorization: `Bearer ${await issuer.sign({ aud: 'client-a', ...claims })}` } });
      assertRefused(gw, 0, res, 403, '{"message":"Forbidden"}', {
        'www-authenticate': 'Bearer scope="pets/admin" error="insufficient_scope" error_description="the token does not have the required scope"',
      });
    }
  });

  test('a burst of 50 unknown kids fetches the JWKS once', async (t) => {
    const issuer = await startIssuer(t);
    const gw = await httpApi(t, issuer);
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => issuer.sign({ aud: 'client-a' }, { kid: `forged-${i}` })));
    const replies = await Promise.all(tokens.map((tok) => send(gw.base, '/me', { headers: { authorization: `Bearer ${tok}` } })));
    for (const res of replies) {
      assert.equal(res.headers['www-authenticate'], invalid("no signing key matches the token's key id"));
      assertRefused(gw, 0, res, 401, UNAUTHORIZED);
    }
    assert.equal(issuer.jwksFetches(), 1);
    // The key set fetched then still serves genuine tokens, without another fetch.
    assert.equal((await send(gw.base, '/me', { headers: { authorization: `Bearer ${await issuer.sign({ aud: 'client-a' })}` } })).status, 200);
    assert.equal(issuer.jwksFetches(), 1);
  });

  test('a header over 16 KB is refused by the HTTP parser with 431, and the gateway stays up', async (t) => {
    const issuer = await startIssuer(t);
    const gw = await httpApi(t, issuer);
    const raw = await rawExchange(gw.gateway.port, `GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal(gw.invocations(), 0);
    assert.equal((await send(gw.base, '/me', { headers: { authorization: await issuer.sign({ aud: 'client-a' }) } })).status, 200);
  });
});

describe('REST Cognito authorizer under attack', () => {
  test('forged, stale, wrong-use and wrong-pool tokens are 401 UnauthorizedException; the integration never runs', async (t) => {
    const pool = 'us-east-1_Sec1';
    const issuer = await startIssuer(t, `/${pool}`);
    const other = await startIssuer(t, `/${pool}`);
    const integration = `x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" }`;
    const gw = await serve(t, {
      'portico.yaml': `functions:\n  recorder: { handler: fns/recorder.handler }\napis:\n  - { name: pets, type: REST, openapi: api.yaml, stage: prod }\ncognito:\n  issuers: { ${pool}: "${issuer.url}" }\n`,
      'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /me:
    get: { security: [ { pool: [] } ], ${integration} }
  /scoped:
    get: { security: [ { pool: [ "pets/read" ] } ], ${integration} }
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer: { type: cognito_user_pools, providerARNs: [ "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${pool}" ] }
`,
    });
    const id = (claims: Record<string, unknown> = {}): Promise<string> => issuer.sign({ token_use: 'id', aud: 'app', sub: 'u-1', ...claims });
    const access = (claims: Record<string, unknown> = {}): Promise<string> => issuer.sign({ token_use: 'access', client_id: 'app', sub: 'u-1', scope: 'pets/read', ...claims });
    const good = await id();
    const [h, , s] = good.split('.');
    const [hsJwk, hsPem] = await hmacWithPublicKey(issuer, { iss: issuer.url, token_use: 'id', sub: 'root', exp: now() + 300 });
    const cases: [string, string, string | undefined][] = [
      ['alg=none', '/me', `${b64({ alg: 'none', kid: 'test-key' })}.${b64({ iss: issuer.url, token_use: 'id', exp: now() + 300 })}.`],
      ['HS256 keyed with the public JWK', '/me', hsJwk],
      ['HS256 keyed with the public PEM', '/me', hsPem],
      ['expired', '/me', await id({ exp: now() - 1 })],
      ['not yet valid', '/me', await id({ nbf: now() + 60 })],
      ['another pool', '/me', await id({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })],
      ["another issuer's key under our iss and kid", '/me', await other.sign({ iss: issuer.url, token_use: 'id' })],
      ['tampered payload', '/me', `${h}.${b64({ iss: issuer.url, token_use: 'id', sub: 'root', exp: now() + 300 })}.${s}`],
      ['an access token where an ID token is required', '/me', await access()],
      ['an ID token where scopes are required', '/scoped', await id()],
      ['an access token without the scope', '/scoped', await access({ scope: 'pets/write' })],
      ['unknown kid', '/me', await issuer.sign({ token_use: 'id' }, { kid: 'nope' })],
      ['no token', '/me', undefined],
    ];
    for (const [name, path, token] of cases) {
      const res = await send(gw.base, `/prod${path}`, { headers: token === undefined ? {} : { authorization: token } });
      assert.equal(res.headers['x-amzn-errortype'], 'UnauthorizedException', name);
      assertRefused(gw, 0, res, 401, UNAUTHORIZED);
    }
    assert.equal((await send(gw.base, '/prod/me', { headers: { authorization: good } })).status, 200);
    assert.equal((await send(gw.base, '/prod/scoped', { headers: { authorization: await access() } })).status, 200);
    assert.equal(gw.invocations(), 2);
  });
});
