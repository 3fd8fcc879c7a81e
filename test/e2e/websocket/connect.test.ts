/**
 * The WebSocket handshake end to end: real `ws` clients against a started gateway, `$connect`
 * running in real worker threads while the handshake waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveFiles, type TestGateway } from '../../helpers/gateway.ts';
import { open, refusal, RECORD_JS, startSink, type Sink } from './helpers.ts';

const ID16 = /^[A-Za-z0-9+/]{15}=$/;

function project(sink: Sink): Record<string, string> {
  const env = `environment: { SINK: "${sink.url}" }`;
  return {
    'portico.yaml': `
functions:
  connect: { handler: fns/connect.handler, ${env} }
  disconnect: { handler: fns/disconnect.handler, ${env} }
  echo: { handler: fns/echo.handler }
  slow: { handler: fns/slow.handler }
apis:
  - name: chat
    apiId: chatapi
    type: WEBSOCKET
    stages: [{ name: dev, variables: { color: blue } }, { name: prod }]
    routes:
      $connect: { function: connect }
      $disconnect: { function: disconnect }
      $default: { function: echo, routeResponse: true }
  - name: open
    apiId: openapi1
    type: WEBSOCKET
    stage: dev
    routes:
      $default: { mock: "hi", routeResponse: true }
  - name: slow
    apiId: slowapi
    type: WEBSOCKET
    stage: dev
    routes:
      $connect: { function: slow, timeoutInMillis: 200 }
`,
    'fns/slow.mjs': `export const handler = () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 1500));`,
    'fns/connect.mjs': `${RECORD_JS}
export const handler = async (event) => {
  await record('connect', event);
  const q = event.queryStringParameters ?? {};
  if (q.crash) throw new Error('connect crashed');
  if (q.reject) return { statusCode: Number(q.reject), headers: { 'Content-Type': 'text/plain' }, body: 'nope' };
  if (q.status) return { statusCode: q.status };
  const offered = event.headers['Sec-WebSocket-Protocol'];
  if (offered && offered.split(',').map((p) => p.trim()).includes('chat.v2')) {
    return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'chat.v2' } };
  }
  return { statusCode: 200 };
};`,
    'fns/disconnect.mjs': `${RECORD_JS}
export const handler = async (event) => { await record('disconnect', event); return { statusCode: 200 }; };`,
    'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: event.body });`,
  };
}

test('WebSocket handshake and $connect', async (t) => {
  const sink = await startSink(t);
  const gw: TestGateway = await serveFiles(t, project(sink));
  const port = gw.gateway.port;
  const chat = `ws://127.0.0.1:${port}/_aws/execute-api/chatapi`;

  await t.test('accepts the upgrade when $connect answers 200, and the connection works', async (t) => {
    const client = await open(t, `${chat}/dev`);
    client.ws.send('hello');
    assert.equal(await client.next(), 'hello');
  });

  await t.test('CONNECT event: headers (with AWS additions), query, requestContext, field for field', async (t) => {
    const client = await open(t, `${chat}/dev?token=a%20b&room=1&room=2`, { headers: { 'User-Agent': 'e2e-agent', 'X-Custom': 'v1', 'X-Forwarded-For': '10.0.0.1' } });
    const { event } = await sink.waitFor((r) => r.fn === 'connect' && (r.event.queryStringParameters as { token?: string } | undefined)?.token === 'a b');
    const rc = event.requestContext;
    assert.deepEqual(Object.keys(event), ['headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'stageVariables', 'requestContext', 'isBase64Encoded']);
    assert.equal(event.isBase64Encoded, false);
    assert.deepEqual(event.queryStringParameters, { token: 'a b', room: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { token: ['a b'], room: ['1', '2'] });
    assert.deepEqual(event.stageVariables, { color: 'blue' });
    const headers = event.headers as Record<string, string>;
    assert.equal(headers['Host'], `127.0.0.1:${port}`);
    assert.equal(headers['Sec-WebSocket-Version'], '13');
    assert.match(headers['Sec-WebSocket-Key'] ?? '', /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(headers['User-Agent'], 'e2e-agent');
    assert.equal(headers['X-Custom'], 'v1');
    assert.equal(headers['X-Forwarded-For'], '10.0.0.1, 127.0.0.1');
    assert.equal(headers['X-Forwarded-Port'], String(port));
    assert.equal(headers['X-Forwarded-Proto'], 'http');
    assert.match(headers['X-Amzn-Trace-Id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    // Hop-by-hop headers describe the hop, as in AWS's captures.
    assert.equal(headers['Connection'], undefined);
    assert.equal(headers['Upgrade'], undefined);
    assert.deepEqual((event.multiValueHeaders as Record<string, string[]>)['X-Custom'], ['v1']);
    assert.deepEqual(Object.keys(rc), ['routeKey', 'eventType', 'extendedRequestId', 'requestTime', 'messageDirection', 'stage', 'connectedAt', 'requestTimeEpoch', 'identity', 'requestId', 'domainName', 'connectionId', 'apiId']);
    assert.equal(rc.routeKey, '$connect');
    assert.equal(rc.eventType, 'CONNECT');
    assert.equal(rc.messageDirection, 'IN');
    assert.equal(rc.stage, 'dev');
    assert.equal(rc.apiId, 'chatapi');
    // The Host as sent, port included (so https://${domainName}/${stage} reaches portico).
    assert.match(String(rc.domainName), /^127\.0\.0\.1:\d+$/);
    assert.match(rc.connectionId, ID16);
    assert.match(rc.requestId as string, ID16);
    assert.equal(rc.extendedRequestId, rc.requestId);
    assert.equal(typeof rc.connectedAt, 'number');
    assert.equal(typeof rc.requestTimeEpoch, 'number');
    assert.match(rc.requestTime as string, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.deepEqual(rc.identity, { userAgent: 'e2e-agent', sourceIp: '127.0.0.1' });
    client.ws.close();
  });

  await t.test('a $connect statusCode 401 rejects the handshake: the client sees 401 and the body', async (t) => {
    const refused = await refusal(open(t, `${chat}/dev?reject=401`));
    assert.equal(refused.status, 401);
    assert.equal(refused.body, 'nope');
    assert.equal(refused.headers['content-type'], 'text/plain');
  });

  await t.test('any non-2xx status rejects with that status; a numeric string status is a status', async (t) => {
    assert.equal((await refusal(open(t, `${chat}/dev?reject=403`))).status, 403);
    assert.equal((await refusal(open(t, `${chat}/dev?reject=500`))).status, 500);
    assert.equal((await refusal(open(t, `${chat}/dev?status=429`))).status, 429);
    const ok = await open(t, `${chat}/dev?status=204`);
    ok.ws.close();
  });

  await t.test('a crashing $connect rejects with 502 {"message":"Internal server error"}, and runs no $disconnect', async (t) => {
    const refused = await refusal(open(t, `${chat}/dev?crash=1`));
    assert.equal(refused.status, 502);
    assert.deepEqual(JSON.parse(refused.body), { message: 'Internal server error' });
    const { event } = await sink.waitFor((r) => r.fn === 'connect' && (r.event.queryStringParameters as { crash?: string } | undefined)?.crash === '1');
    const failed = gw.logs.find((l) => l['code'] === 'PORTICO_ERR_WS_INTEGRATION' && l['connectionId'] === event.requestContext.connectionId);
    assert.ok(failed, 'the function error is logged with its stable code');
    await gw.gateway.close(1000);
    assert.equal(sink.records.filter((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === event.requestContext.connectionId).length, 0);
  });
});

test('subprotocols, stages and APIs without $connect', async (t) => {
  const sink = await startSink(t);
  const gw = await serveFiles(t, project(sink));
  const chat = `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api/chatapi`;
  const other = `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api/openapi1`;

  await t.test('echoes the Sec-WebSocket-Protocol $connect returned in the 101', async (t) => {
    const client = await open(t, `${chat}/dev`, { protocols: ['chat.v1', 'chat.v2'] });
    assert.equal(client.protocol, 'chat.v2');
    client.ws.close();
  });

  await t.test('echoes none when $connect returns none (the client then fails the handshake, as browsers do)', async (t) => {
    await assert.rejects(open(t, `${chat}/dev`, { protocols: ['other'] }), /Server sent no subprotocol/);
  });

  await t.test('an unknown stage, a missing stage or a longer path is refused with 403 Forbidden', async (t) => {
    const connects = sink.records.filter((r) => r.fn === 'connect').length;
    for (const path of ['/nope', '/', '/dev/more', '/DEV', '/dev/']) {
      const refused = await refusal(open(t, `${chat}${path}`));
      assert.equal(refused.status, 403, path);
      assert.deepEqual(JSON.parse(refused.body), { message: 'Forbidden' }, path);
    }
    assert.equal(sink.records.filter((r) => r.fn === 'connect').length, connects, '$connect never ran');
  });

  await t.test('the other stage works, with its own (no) stage variables', async (t) => {
    const client = await open(t, `${chat}/prod`);
    const { event } = await sink.waitFor((r) => r.fn === 'connect' && r.event.requestContext['stage'] === 'prod');
    assert.equal('stageVariables' in event, false);
    client.ws.close();
  });

  await t.test('a $connect past its integration timeout rejects with 504', async (t) => {
    const refused = await refusal(open(t, `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api/slowapi/dev`));
    assert.equal(refused.status, 504);
    assert.deepEqual(JSON.parse(refused.body), { message: 'Endpoint request timed out' });
  });

  await t.test('an API without a $connect route accepts every connection on its stage', async (t) => {
    const client = await open(t, `${other}/dev`);
    client.ws.send('x');
    assert.equal(await client.next(), 'hi');
    client.ws.close();
  });
});
