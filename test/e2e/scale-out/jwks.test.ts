/**
 * JWKS shared through Redis: gateways on one real redis-server, an HTTP API with a JWT
 * authorizer and a local OpenID issuer that counts its JWKS fetches. The keys one node fetched
 * are found by the others without a fetch (a rotated kid too); with Redis stopped every node
 * keeps validating from its own cache and a cold node fetches from the issuer.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startGateway, writeProject, type TestGateway } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';
import { startIssuer, type TestIssuer } from '../../helpers/oidc-issuer.ts';

const ARN = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations';

const files = (issuer: string): Record<string, string> => ({
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - { name: api, apiId: sharedjwks, type: HTTP, openapi: api.yaml }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /me:
    get:
      security: [ { jwt: [] } ]
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN}", payloadFormatVersion: "2.0" }
components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: { issuer: "${issuer}", audience: [ "client-a" ] }
`,
  'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.authorizer.jwt.claims.sub });`,
});

/** A gateway node on the shared Redis (logs captured). */
const node = (t: test.TestContext, dir: string, redis: string): Promise<TestGateway> => startGateway(t, dir, { redis });

/** GET /me with a token of `sub`; resolves the status. */
async function me(n: TestGateway, issuer: TestIssuer, sub: string): Promise<number> {
  const token = await issuer.sign({ sub, aud: 'client-a' });
  const res = await request(`${n.base}/me`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.body.text();
  if (res.statusCode === 200) assert.equal(text, sub);
  return res.statusCode;
}

test('keys fetched by node A are used by node B; a rotated kid fetched by B is found by A through Redis', async (t) => {
  const redis = await startRedis(t);
  const issuer = await startIssuer(t);
  const dir = writeProject(t, files(issuer.url));
  const a = await node(t, dir, redis.url);
  const b = await node(t, dir, redis.url);

  assert.equal(await me(a, issuer, 'alice'), 200);
  assert.equal(issuer.jwksFetches(), 1);
  assert.equal(await me(b, issuer, 'bob'), 200);
  assert.equal(issuer.jwksFetches(), 1, 'B took the keys A fetched from Redis');
  assert.equal(await me(a, issuer, 'alice'), 200);
  assert.equal(await me(b, issuer, 'bob'), 200);
  assert.equal(issuer.jwksFetches(), 1);

  // Each node looks for an unknown kid at most once per 10 s (its own limit, not shared), and
  // both just loaded their keys: wait that out once, then rotate.
  await sleep(10_100);
  await issuer.rotate();
  assert.equal(await me(b, issuer, 'carol'), 200);
  assert.equal(issuer.jwksFetches(), 2, 'B fetched the new key set once');
  // Exactly no fetch by A: the new kid is in the set B wrote to Redis.
  assert.equal(await me(a, issuer, 'dave'), 200);
  assert.equal(issuer.jwksFetches(), 2, 'A found the new kid through Redis');
});

test('with Redis stopped each node validates from its own cache, and a cold node fetches from the issuer', async (t) => {
  const redis = await startRedis(t);
  const issuer = await startIssuer(t);
  const dir = writeProject(t, files(issuer.url));
  const a = await node(t, dir, redis.url);
  const b = await node(t, dir, redis.url);
  const cold = await node(t, dir, redis.url);
  assert.equal(await me(a, issuer, 'alice'), 200);
  assert.equal(await me(b, issuer, 'bob'), 200);
  assert.equal(issuer.jwksFetches(), 1);

  await redis.kill();
  for (let i = 0; i < 5; i++) {
    assert.equal(await me(a, issuer, `a${i}`), 200);
    assert.equal(await me(b, issuer, `b${i}`), 200);
  }
  assert.equal(issuer.jwksFetches(), 1, 'warm nodes never needed Redis nor the issuer');
  // The cold node's shared read fails at once (a miss): it fetches, and keeps its copy.
  assert.equal(await me(cold, issuer, 'carol'), 200);
  assert.equal(await me(cold, issuer, 'carol'), 200);
  assert.equal(issuer.jwksFetches(), 2);
  // The outage is logged once by the node's Redis connection, not per token check; no JWKS warning.
  const outages = cold.logs.filter((l) => l['code'] === 'PORTICO_ERR_REDIS_UNAVAILABLE').length;
  assert.equal(outages, 1);
  assert.equal(cold.logs.filter((l) => l['code'] === 'PORTICO_ERR_AUTHORIZER_JWKS').length, 0);
});
