import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { JwksCache, parseJwks } from './jwks.ts';
import { bearerToken, checkAudience, checkTimes, claimString, JwtError, tokenScopes, verifyJwtSignature, type JwtClaims } from './jwt.ts';

/** A local OpenID issuer: discovery + JWKS, with knobs for the failure cases. */
interface Issuer {
  readonly url: string;
  keys: JWK[];
  jwksFetches: number;
  delayMs: number;
  padBytes: number;
}

async function startIssuer(t: { after: (fn: () => unknown) => void }): Promise<Issuer> {
  const state = { url: '', keys: [] as JWK[], jwksFetches: 0, delayMs: 0, padBytes: 0 };
  const server: Server = createServer((req, res) => {
    const send = (body: unknown): void => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      }, state.delayMs);
    };
    if (req.url === '/.well-known/openid-configuration') return send({ issuer: state.url, jwks_uri: `${state.url}/jwks` });
    if (req.url === '/jwks') {
      state.jwksFetches++;
      return send({ keys: state.keys, ...(state.padBytes > 0 ? { pad: 'x'.repeat(state.padBytes) } : {}) });
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return state;
}

interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

async function rsaKey(kid: string, alg = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const NOW = Math.floor(Date.now() / 1000);

function sign(key: KeyPair, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid as string, ...header }).sign(key.privateKey);
}

async function verify(issuer: Issuer, token: string, cache = new JwksCache({ issuer: issuer.url })): Promise<JwtClaims> {
  return verifyJwtSignature(token, { keysFor: (iss) => (iss === issuer.url ? cache : undefined) });
}

async function rejects(p: Promise<unknown>, description: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof JwtError && description.test(err.description));
}

test('a token signed by the issuer\'s key verifies and returns its claims', async (t) => {
  const issuer = await startIssuer(t);
  const key = await rsaKey('k1');
  issuer.keys = [key.jwk];
  const claims = await verify(issuer, await sign(key, { iss: issuer.url, sub: 'alice', exp: NOW + 60 }));
  assert.equal(claims['sub'], 'alice');
});

test('a token from another issuer is refused before any key is fetched', async (t) => {
  const issuer = await startIssuer(t);
  const key = await rsaKey('k1');
  issuer.keys = [key.jwk];
  await rejects(verify(issuer, await sign(key, { iss: 'https://evil.example', exp: NOW + 60 })), /valid issuer/);
  assert.equal(issuer.jwksFetches, 0);
});

test('alg none and HS256 signed with the public key as secret are refused', async (t) => {
  const issuer = await startIssuer(t);
  const key = await rsaKey('k1');
  issuer.keys = [key.jwk];
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = b64({ iss: issuer.url, exp: NOW + 60 });
  await rejects(verify(issuer, `${b64({ alg: 'none', kid: 'k1' })}.${body}.`), /signing method none/);
  // The classic key-confusion attack: HMAC with the PEM of the RSA public key as the secret.
  const pem = await exportSPKI(key.publicKey);
  const head = b64({ alg: 'HS256', kid: 'k1' });
  const mac = createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url');
  await rejects(verify(issuer, `${head}.${body}.${mac}`), /signing method HS256/);
});

test('a key pinned to RS256 does not verify a PS256 token, and a bad signature fails', async (t) => {
  const issuer = await startIssuer(t);
  const key = await rsaKey('k1');
  issuer.keys = [key.jwk];
  // The same RSA key, used for PS256.
  const pss = await importJWK(await exportJWK(key.privateKey), 'PS256');
  const ps = await new SignJWT({ iss: issuer.url, exp: NOW + 60 }).setProtectedHeader({ alg: 'PS256', kid: 'k1' }).sign(pss);
  await rejects(verify(issuer, ps), /does not match the key/);
  const other = await rsaKey('k1');
  await rejects(verify(issuer, await sign(other, { iss: issuer.url, exp: NOW + 60 })), /signature is invalid/);
});

test('an unknown kid refetches the keys (rotation), at most once per refresh interval', async (t) => {
  const issuer = await startIssuer(t);
  const old = await rsaKey('old');
  const rotated = await rsaKey('new');
  issuer.keys = [old.jwk];
  let now = 1_000_000;
  const cache = new JwksCache({ issuer: issuer.url }, { minRefreshMs: 10_000, now: () => now });
  await verify(issuer, await sign(old, { iss: issuer.url, exp: NOW + 60 }), cache);
  assert.equal(issuer.jwksFetches, 1);
  issuer.keys = [old.jwk, rotated.jwk];
  // Within the interval a new kid does not cause a fetch: forged kids cannot hammer the issuer.
  await rejects(verify(issuer, await sign(rotated, { iss: issuer.url, exp: NOW + 60 }), cache), /no signing key/);
  assert.equal(issuer.jwksFetches, 1);
  now += 10_000;
  const claims = await verify(issuer, await sign(rotated, { iss: issuer.url, sub: 'bob', exp: NOW + 60 }), cache);
  assert.equal(claims['sub'], 'bob');
  assert.equal(issuer.jwksFetches, 2);
  // A known kid uses the cache.
  await verify(issuer, await sign(old, { iss: issuer.url, exp: NOW + 60 }), cache);
  assert.equal(issuer.jwksFetches, 2);
});

test('an oversized JWKS and a slow issuer are failures, not hangs', async (t) => {
  const issuer = await startIssuer(t);
  const key = await rsaKey('k1');
  issuer.keys = [key.jwk];
  issuer.padBytes = 150_001;
  const token = await sign(key, { iss: issuer.url, exp: NOW + 60 });
  await rejects(verify(issuer, token), /could not be retrieved/);
  issuer.padBytes = 0;
  issuer.delayMs = 500;
  await rejects(verify(issuer, token, new JwksCache({ issuer: issuer.url }, { timeoutMs: 100 })), /could not be retrieved/);
});

test('parseJwks keeps RSA signing keys only, and only their public members', () => {
  const keys = parseJwks({
    keys: [
      { kty: 'RSA', kid: 'a', n: 'n', e: 'AQAB', d: 'secret' },
      { kty: 'RSA', kid: 'enc', n: 'n', e: 'AQAB', use: 'enc' },
      { kty: 'EC', kid: 'ec', crv: 'P-256', x: 'x', y: 'y' },
      { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
      { kty: 'RSA', kid: 'hs', n: 'n', e: 'AQAB', alg: 'HS256' },
    ],
  });
  assert.deepEqual([...keys.keys()], ['a']);
  assert.deepEqual(keys.get('a')?.jwk, { kty: 'RSA', n: 'n', e: 'AQAB' });
});

test('exp is required and strict; nbf and iat allow 5 s of skew', () => {
  assert.throws(() => checkTimes({}, NOW), /no valid expiry/);
  assert.throws(() => checkTimes({ exp: NOW }, NOW), /expired/);
  checkTimes({ exp: NOW + 1, nbf: NOW + 5, iat: NOW + 5 }, NOW);
  assert.throws(() => checkTimes({ exp: NOW + 60, nbf: NOW + 6 }, NOW), /not valid yet/);
  assert.throws(() => checkTimes({ exp: NOW + 60, iat: NOW + 6 }, NOW), /issued in the future/);
  assert.throws(() => checkTimes({ exp: String(NOW + 60) }, NOW), /no valid expiry/);
});

test('aud, or client_id only when there is no aud, must be an accepted audience', () => {
  checkAudience({ aud: 'api' }, ['api']);
  checkAudience({ aud: ['x', 'api'] }, ['api']);
  checkAudience({ client_id: 'api' }, ['api']);
  assert.throws(() => checkAudience({ aud: 'other', client_id: 'api' }, ['api']), /the token does not have a valid audience/);
  assert.throws(() => checkAudience({}, ['api']), /valid audience/);
});

test('scopes come from scope (space-separated) or scp; tokens may be bare or Bearer', () => {
  assert.deepEqual(tokenScopes({ scope: 'a b  c' }), ['a', 'b', 'c']);
  assert.deepEqual(tokenScopes({ scp: ['x', 'y'] }), ['x', 'y']);
  assert.deepEqual(tokenScopes({}), []);
  assert.equal(bearerToken('Bearer abc'), 'abc');
  assert.equal(bearerToken('bearer  abc'), 'abc');
  assert.equal(bearerToken('abc'), 'abc');
});

test('claims are stringified as HTTP APIs show them', () => {
  assert.equal(claimString(1787996002), '1787996002');
  assert.equal(claimString(true), 'true');
  assert.equal(claimString(['a', 'b', 'c']), '[a b c]');
  assert.equal(claimString('x'), 'x');
});
