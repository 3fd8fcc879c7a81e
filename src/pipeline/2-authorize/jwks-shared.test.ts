/**
 * The shared JWKS layer on the memory store: two JwksCache instances stand for two nodes on
 * one store, against a local issuer that counts its JWKS fetches. (The same on a real Redis
 * with two gateways: test/e2e/scale-out/jwks.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { MemoryAuthorizerCache } from '../../state/authorizer-cache/memory.ts';
import type { JsonValue } from '../../state/authorizer-cache/types.ts';
import { JwksCache, jwksSourceId, type JwksSource } from './jwks.ts';
import { SharedJwks, sharedJwksKey } from './jwks-shared.ts';

const HOUR = 3600_000;

interface Issuer {
  readonly source: JwksSource;
  readonly keys: JWK[];
  fetches: number;
}

async function startIssuer(t: test.TestContext): Promise<Issuer> {
  const state: { source: JwksSource; keys: JWK[]; fetches: number } = { source: { issuer: '' }, keys: [await rsaJwk('k1')], fetches: 0 };
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ jwks_uri: `${url}/jwks` }));
    if (req.url === '/jwks') {
      state.fetches++;
      return res.end(JSON.stringify({ keys: state.keys }));
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.source = { issuer: url };
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return state;
}

async function rsaJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
}

/** Two "nodes" on one memory store, with one clock the test moves. */
function nodes(issuer: Issuer) {
  const clock = { now: 1_000_000 };
  const now = (): number => clock.now;
  const store = new MemoryAuthorizerCache({ now });
  const options = { now, shared: new SharedJwks(store) };
  return { clock, store, a: new JwksCache(issuer.source, options), b: new JwksCache(issuer.source, options) };
}

test('a cold node uses the keys another node fetched: one fetch for both', async (t) => {
  const issuer = await startIssuer(t);
  const { a, b } = nodes(issuer);
  assert.equal((await a.key('k1'))?.kid, 'k1');
  assert.equal(issuer.fetches, 1);
  assert.equal((await b.key('k1'))?.kid, 'k1');
  assert.equal(issuer.fetches, 1);
  // B's local copy answers from now on, and the shared copy holds only public members.
  assert.deepEqual(Object.keys((await b.key('k1'))?.jwk ?? {}).sort(), ['alg', 'e', 'kty', 'n']);
});

test('a rotated kid fetched by one node is found by the other through the store', async (t) => {
  const issuer = await startIssuer(t);
  const { clock, a, b } = nodes(issuer);
  await a.key('k1');
  await b.key('k1');
  issuer.keys.push(await rsaJwk('k2'));
  // Within the per-node refetch limit (10 s) an unknown kid is not looked up anywhere.
  assert.equal(await b.key('k2'), undefined);
  assert.equal(issuer.fetches, 1);
  clock.now += 10_000;
  assert.equal((await b.key('k2'))?.kid, 'k2');
  assert.equal(issuer.fetches, 2);
  assert.equal((await a.key('k2'))?.kid, 'k2');
  assert.equal(issuer.fetches, 2);
});

test('a shared set without the wanted kid sends a cold node to the issuer', async (t) => {
  const issuer = await startIssuer(t);
  const { a, b } = nodes(issuer);
  await a.key('k1');
  issuer.keys.push(await rsaJwk('k2'));
  assert.equal((await b.key('k2'))?.kid, 'k2');
  assert.equal(issuer.fetches, 2);
  // An unknown kid on a cold node costs one fetch, no more, as without the store.
  const c = nodes(issuer).a;
  assert.equal(await c.key('forged'), undefined);
  assert.equal(await c.key('forged-2'), undefined);
  assert.equal(issuer.fetches, 3);
});

test('shared keys expire two hours after their fetch, not after they were read', async (t) => {
  const issuer = await startIssuer(t);
  const { clock, a, b } = nodes(issuer);
  await a.key('k1');
  clock.now += HOUR;
  await b.key('k1');
  assert.equal(issuer.fetches, 1);
  clock.now += HOUR;
  // The fetch is 2 h old: both the local and the shared copy are stale.
  await b.key('k1');
  assert.equal(issuer.fetches, 2);
  await a.key('k1');
  assert.equal(issuer.fetches, 2);
});

test('an entry a gateway would not have written is dropped and the issuer fetched', async (t) => {
  const issuer = await startIssuer(t);
  const key = sharedJwksKey(jwksSourceId(issuer.source));
  const good = (await rsaJwk('k1')) as Record<string, JsonValue>;
  const entry = (over: Record<string, JsonValue>, keys: JsonValue[] = [{ kty: 'RSA', kid: 'k1', n: good['n'] ?? '', e: good['e'] ?? '', alg: 'RS256' }]): JsonValue => ({ v: 1, source: jwksSourceId(issuer.source), fetchedAt: 1_000_000, jwks: { keys }, ...over });
  const bad: [string, JsonValue][] = [
    ['not an object', 'x'],
    ['another version', entry({ v: 2 })],
    ['another source', entry({ source: 'issuer https://attacker.example' })],
    ['no fetch time', entry({ fetchedAt: 'now' })],
    ['a fetch time far ahead', entry({ fetchedAt: 1_000_000 + HOUR })],
    ['no keys list', entry({ jwks: { keys: 'k1' } })],
    ['an HMAC key', entry({}, [{ kty: 'oct', kid: 'k1', k: 'c2VjcmV0' }])],
    ['a non-RSA alg', entry({}, [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', alg: 'HS256' }])],
    ['an encryption key', entry({}, [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', use: 'enc' }])],
    ['a key beside a bad one', entry({}, [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }, { kty: 'EC', kid: 'k0' }])],
    ['over the size limit', entry({}, [{ kty: 'RSA', kid: 'k1', n: 'A'.repeat(150_001), e: 'AQAB' }])],
  ];
  for (const [why, value] of bad) {
    const { store, a } = nodes(issuer);
    await store.set(key, value, 3600);
    const before = issuer.fetches;
    const got = await a.key('k1');
    assert.equal(issuer.fetches, before + 1, why);
    // The fetched key, never the planted one; and the store now holds the fetched set.
    assert.equal(got?.jwk.n, issuer.keys[0]?.n, why);
    assert.equal(((await store.get(key)) as { source: string }).source, jwksSourceId(issuer.source), why);
  }
});

test('a well-formed entry is used as is (the format a gateway writes)', async (t) => {
  const issuer = await startIssuer(t);
  const { store, a } = nodes(issuer);
  const jwk = issuer.keys[0] as Record<string, JsonValue>;
  await store.set(sharedJwksKey(jwksSourceId(issuer.source)), { v: 1, source: jwksSourceId(issuer.source), fetchedAt: 1_000_000 - 60_000, jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: jwk['n'] ?? '', e: jwk['e'] ?? '' }] } }, 3600);
  assert.equal((await a.key('k1'))?.jwk.n, jwk['n']);
  assert.equal(issuer.fetches, 0);
});

test('a shared set older than the local one is never used: a kid the issuer dropped stays dropped', async (t) => {
  const issuer = await startIssuer(t);
  const { clock, store, a } = nodes(issuer);
  await a.key('k1');
  const k1 = issuer.keys[0] as Record<string, JsonValue>;
  const gone = (await rsaJwk('gone')) as Record<string, JsonValue>;
  const rsa = (kid: string, k: Record<string, JsonValue>): JsonValue => ({ kty: 'RSA', kid, n: k['n'] ?? '', e: k['e'] ?? '' });
  // An older set (a write that lost a race, say) that still holds a key since removed.
  await store.set(sharedJwksKey(jwksSourceId(issuer.source)), { v: 1, source: jwksSourceId(issuer.source), fetchedAt: clock.now - 1000, jwks: { keys: [rsa('k1', k1), rsa('gone', gone)] } }, 3600);
  clock.now += 10_000;
  assert.equal(await a.key('gone'), undefined);
  assert.equal(issuer.fetches, 2);
});
