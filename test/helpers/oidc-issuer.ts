/**
 * A local OpenID issuer for authorizer tests: `/.well-known/openid-configuration` and
 * `/.well-known/jwks.json` on 127.0.0.1, RSA keys and tokens made with jose.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface TestIssuer {
  /** `http://127.0.0.1:{port}` plus `path` (a Cognito-like `/us-east-1_ABC`). */
  readonly url: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: () => number;
  /** Signs a token with the issuer's key (`iss` defaults to the issuer, `exp` to in 5 minutes). */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /**
   * Key rotation: adds a new key (kid `test-key-2`, `test-key-3`, …) to the JWKS, keeping the
   * old ones, and signs with it from now on. Resolves the new kid.
   */
  rotate(): Promise<string>;
}

/** Starts an issuer; closed after the test. */
export async function startIssuer(t: TestContext, path = ''): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const jwks: JWK[] = [jwk];
  let signing = { key: privateKey, kid: 'test-key' };
  let url = '';
  let fetches = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === `${path}/.well-known/openid-configuration`) return res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json` }));
    if (req.url === `${path}/.well-known/jwks.json`) {
      fetches++;
      return res.end(JSON.stringify({ keys: jwks }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url,
    jwksFetches: () => fetches,
    sign: (claims, header = {}) => signWith(signing.key, { iss: url, exp: Math.floor(Date.now() / 1000) + 300, ...claims }, { kid: signing.kid, ...header }),
    async rotate() {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const kid = `test-key-${jwks.length + 1}`;
      jwks.push({ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' });
      signing = { key: pair.privateKey, kid };
      return kid;
    },
  };
}

function signWith(key: CryptoKey, claims: Record<string, unknown>, header: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(key);
}
