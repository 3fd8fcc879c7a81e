/**
 * `trustedProxies`, end to end through real sockets. The test client connects from 127.0.0.1,
 * so with `trustedProxies: [127.0.0.1/32]` it plays the load balancer: its X-Forwarded-For
 * names the client, which becomes `sourceIp` in HTTP API, REST and WebSocket events, in
 * `aws:SourceIp` of a REST resource policy, in GetConnection and in the access log. Without the
 * setting the same requests keep 127.0.0.1 (docs/security.md).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles, type TestGateway } from '../../helpers/gateway.ts';
import { open } from '../websocket/helpers.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

// Allows only 203.0.113.0/24: the forwarded client, never the test's own 127.0.0.1.
const POLICY = `{ Version: "2012-10-17", Statement: [ { Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } } } ] }`;

const files = (trusted: string): Record<string, string> => ({
  'portico.yaml': `${trusted}
functions:
  echo: { handler: fns/echo.handler }
  ws: { handler: fns/ws.handler }
apis:
  - { name: web, apiId: webapi, type: HTTP, routes: { "GET /ip": { function: echo } } }
  - { name: pets, apiId: restapi, type: REST, openapi: rest.yaml, stage: prod }
  - name: chat
    apiId: chatapi
    type: WEBSOCKET
    stage: dev
    routes:
      $default: { function: ws, routeResponse: true }
`,
  'rest.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
x-amazon-apigateway-policy: ${POLICY}
paths:
  /ip:
    get: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('echo')}" } }
`,
  // Both payload shapes: HTTP API v2 (lower-case headers) and REST v1 (client casing).
  'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({
  ip: event.requestContext.http ? event.requestContext.http.sourceIp : event.requestContext.identity.sourceIp,
  xff: event.headers['x-forwarded-for'] ?? event.headers['X-Forwarded-For'],
}) });`,
  'fns/ws.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ id: event.requestContext.connectionId, ip: event.requestContext.identity.sourceIp }) });`,
});

const TRUSTED = 'trustedProxies: ["127.0.0.1/32"]';

async function get(gw: TestGateway, path: string, xff?: string): Promise<{ status: number; body: { ip?: string; xff?: string } }> {
  const res = await request(`${gw.base}${path}`, { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  const text = await res.body.text();
  return { status: res.statusCode, body: res.statusCode === 200 ? (JSON.parse(text) as { ip: string; xff: string }) : {} };
}

/** A WebSocket client's MESSAGE event identity, then GetConnection's, through `headers`. */
async function wsIdentity(t: TestContext, gw: TestGateway, headers: Record<string, string>): Promise<{ message: string; connection: string }> {
  const client = await open(t, `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api/chatapi/dev`, { headers });
  client.ws.send('hi');
  const { id, ip } = JSON.parse(String(await client.next())) as { id: string; ip: string };
  const res = await request(`${gw.base}/_aws/execute-api/chatapi/dev/@connections/${encodeURIComponent(id)}`);
  const info = (await res.body.json()) as { identity: { sourceIp: string } };
  client.ws.close();
  return { message: ip, connection: info.identity.sourceIp };
}

test('behind a trusted proxy, X-Forwarded-For names the client everywhere', async (t) => {
  const gw = await serveFiles(t, files(TRUSTED));

  await t.test('HTTP API event: sourceIp is the forwarded client; the chain gets the proxy appended', async () => {
    assert.deepEqual((await get(gw, '/_aws/execute-api/webapi/ip', '203.0.113.7')).body, { ip: '203.0.113.7', xff: '203.0.113.7, 127.0.0.1' });
    // A client-written entry on the left never wins over what the proxy appended.
    assert.deepEqual((await get(gw, '/_aws/execute-api/webapi/ip', '198.51.100.1, 203.0.113.7')).body, { ip: '203.0.113.7', xff: '198.51.100.1, 203.0.113.7, 127.0.0.1' });
    // Trusted hops are skipped; no header or a malformed one: the TCP peer.
    assert.equal((await get(gw, '/_aws/execute-api/webapi/ip', '203.0.113.7, 127.0.0.1')).body.ip, '203.0.113.7');
    assert.equal((await get(gw, '/_aws/execute-api/webapi/ip')).body.ip, '127.0.0.1');
    assert.equal((await get(gw, '/_aws/execute-api/webapi/ip', '203.0.113.7, not-an-ip')).body.ip, '127.0.0.1');
  });

  await t.test('REST: the resource policy sees the forwarded client as aws:SourceIp', async () => {
    assert.deepEqual(await get(gw, '/_aws/execute-api/restapi/prod/ip', '203.0.113.7'), { status: 200, body: { ip: '203.0.113.7', xff: '203.0.113.7, 127.0.0.1' } });
    assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip', '203.0.113.7, 198.51.100.1')).status, 403, 'the rightmost untrusted entry is the client');
    assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip', '198.51.100.1, 203.0.113.7')).status, 200);
    assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip')).status, 403);
  });

  await t.test('the access log records the forwarded client', () => {
    const ips = gw.logs.filter((l) => l['log'] === 'access' && typeof l['ip'] === 'string').map((l) => l['ip']);
    assert.ok(ips.includes('203.0.113.7'), JSON.stringify(ips));
  });

  await t.test('WebSocket: a connection through the proxy records the forwarded client (events and GetConnection)', async (t) => {
    assert.deepEqual(await wsIdentity(t, gw, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' }), { message: '203.0.113.7', connection: '203.0.113.7' });
  });
});

test('without trustedProxies the same requests keep the TCP peer', async (t) => {
  const gw = await serveFiles(t, files(''));
  assert.deepEqual((await get(gw, '/_aws/execute-api/webapi/ip', '203.0.113.7')).body, { ip: '127.0.0.1', xff: '203.0.113.7, 127.0.0.1' });
  assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip', '203.0.113.7')).status, 403);
  assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip', '198.51.100.1, 203.0.113.7')).status, 403);
  assert.deepEqual(await wsIdentity(t, gw, { 'X-Forwarded-For': '203.0.113.7' }), { message: '127.0.0.1', connection: '127.0.0.1' });
});

test('a peer outside the trusted ranges is never believed', async (t) => {
  const gw = await serveFiles(t, files('trustedProxies: ["10.0.0.0/8", "::1"]'));
  assert.equal((await get(gw, '/_aws/execute-api/webapi/ip', '203.0.113.7')).body.ip, '127.0.0.1');
  assert.equal((await get(gw, '/_aws/execute-api/restapi/prod/ip', '203.0.113.7')).status, 403);
});
