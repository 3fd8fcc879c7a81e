/**
 * Messages end to end: route selection, one-way and two-way routes, the MESSAGE event, the
 * error frames, and the three integration types (Lambda in worker threads, HTTP, MOCK).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { serveFiles } from '../../helpers/gateway.ts';
import { open, RECORD_JS, startSink, type Json, type Sink } from './helpers.ts';

const ID16 = /^[A-Za-z0-9+/]{15}=$/;

/** A backend for the HTTP integration: answers `relayed:{method}:{body}`. */
async function startBackend(t: TestContext): Promise<{ url: string; seen: { method: string; body: string; headers: Json }[] }> {
  const seen: { method: string; body: string; headers: Json }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', body, headers: req.headers });
      res.end(`relayed:${req.method}:${body}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/relay`, seen };
}

function project(sink: Sink, backend: string): Record<string, string> {
  const env = `environment: { SINK: "${sink.url}" }`;
  return {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler, ${env} }
  send: { handler: fns/send.handler, ${env} }
apis:
  - name: chat
    apiId: chatapi
    type: WEBSOCKET
    stage: dev
    routeSelectionExpression: $request.body.action
    routes:
      $default: { function: echo, routeResponse: true }
      sendmessage: { function: send }
      ping: { mock: '{"pong":true}', routeResponse: true }
      quiet: { mock: '{"never":"sent"}' }
      relay: { http: "${backend}", routeResponse: true }
  - name: nested
    apiId: nestedapi
    type: WEBSOCKET
    stage: dev
    routeSelectionExpression: \${request.body.meta.kind}/\${request.body.meta.op}
    routes:
      chat/join: { mock: "joined", routeResponse: true }
`,
    'fns/echo.mjs': `${RECORD_JS}
export const handler = async (event) => {
  await record('echo', event);
  if (event.body === 'crash') throw new Error('boom');
  if (event.body === 'exit') process.exit(3);
  if (event.body === 'empty') return { statusCode: 200, body: '' };
  if (event.body === 'object') return { statusCode: 200, body: { an: 'object' } };
  return { statusCode: 200, body: 'echo:' + event.body };
};`,
    'fns/send.mjs': `${RECORD_JS}
export const handler = async (event) => { await record('send', event); return { statusCode: 200, body: 'one-way: never sent' }; };`,
  };
}

test('WebSocket messages', async (t) => {
  const sink = await startSink(t);
  const backend = await startBackend(t);
  const gw = await serveFiles(t, project(sink, backend.url));
  const base = `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api`;
  /** The access-log line of a message, once written (the reply, if any, went out before it). */
  const accessLine = async (requestId: string): Promise<Json> => {
    for (;;) {
      const line = gw.logs.find((l) => l['requestId'] === requestId && l['eventType'] === 'MESSAGE');
      if (line) return line;
      await new Promise((r) => setImmediate(r));
    }
  };

  await t.test('a non-JSON message goes to $default; two-way: the Lambda body comes back', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('plain text');
    assert.equal(await client.next(), 'echo:plain text');
    const { event } = await sink.waitFor((r) => r.fn === 'echo' && r.event['body'] === 'plain text');
    assert.equal(event.requestContext.routeKey, '$default');
    client.ws.close();
  });

  await t.test('MESSAGE event field for field', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`, { headers: { 'User-Agent': 'msg-agent' } });
    client.ws.send('{"action":"nothing-matches","n":1}');
    await client.next();
    const { event } = await sink.waitFor((r) => r.fn === 'echo' && r.event['body'] === '{"action":"nothing-matches","n":1}');
    assert.deepEqual(Object.keys(event), ['requestContext', 'body', 'isBase64Encoded']);
    assert.equal(event.isBase64Encoded, false);
    const rc = event.requestContext;
    assert.deepEqual(Object.keys(rc), ['routeKey', 'messageId', 'eventType', 'extendedRequestId', 'requestTime', 'messageDirection', 'stage', 'connectedAt', 'requestTimeEpoch', 'identity', 'requestId', 'domainName', 'connectionId', 'apiId']);
    assert.equal(rc.routeKey, '$default');
    assert.equal(rc.eventType, 'MESSAGE');
    assert.equal(rc.messageDirection, 'IN');
    assert.equal(rc.stage, 'dev');
    assert.equal(rc.apiId, 'chatapi');
    // The Host as sent, port included (so https://${domainName}/${stage} reaches portico).
    assert.match(String(rc.domainName), /^127\.0\.0\.1:\d+$/);
    assert.match(rc.messageId as string, ID16);
    assert.match(rc.requestId as string, ID16);
    assert.match(rc.connectionId, ID16);
    assert.equal(rc.extendedRequestId, rc.requestId);
    assert.ok((rc.requestTimeEpoch as number) >= (rc.connectedAt as number));
    assert.deepEqual(rc.identity, { userAgent: 'msg-agent', sourceIp: '127.0.0.1' });
    client.ws.close();
  });

  await t.test('a custom route is one-way without routeResponse: its result is never sent', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('{"action":"sendmessage","text":"hi"}');
    const { event } = await sink.waitFor((r) => r.fn === 'send' && r.event['body'] === '{"action":"sendmessage","text":"hi"}');
    assert.equal(event.requestContext.routeKey, 'sendmessage');
    await accessLine(event.requestContext['requestId'] as string);
    // Had the one-way route answered, its frame would have been written before this one's.
    client.ws.send('{"action":"ping"}');
    assert.equal(await client.next(), '{"pong":true}');
    client.ws.close();
  });

  await t.test('MOCK: two-way sends responseBody, one-way sends nothing', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('{"action":"quiet"}');
    client.ws.send('{"action":"ping"}');
    assert.equal(await client.next(), '{"pong":true}');
    client.ws.send('{"action":"ping"}');
    assert.equal(await client.next(), '{"pong":true}');
    client.ws.close();
  });

  await t.test('HTTP integration: the message is POSTed, the response body is the reply', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('{"action":"relay","x":1}');
    assert.equal(await client.next(), 'relayed:POST:{"action":"relay","x":1}');
    assert.equal(backend.seen.at(-1)?.body, '{"action":"relay","x":1}');
    client.ws.close();
  });

  await t.test('route selection on a nested path template; exact match only', async (t) => {
    const client = await open(t, `${base}/nestedapi/dev`);
    client.ws.send('{"meta":{"kind":"chat","op":"join"}}');
    assert.equal(await client.next(), 'joined');
    client.ws.close();
  });

  await t.test('no matching route and no $default: the Forbidden error frame, exactly as AWS writes it', async (t) => {
    const client = await open(t, `${base}/nestedapi/dev`);
    client.ws.send('{"meta":{"kind":"chat","op":"JOIN"}}');
    const frame = (await client.next()) as string;
    const m = /^\{"message": "Forbidden", "connectionId":"([A-Za-z0-9+/]{15}=)", "requestId":"([A-Za-z0-9+/]{15}=)"\}$/.exec(frame);
    assert.ok(m, frame);
    client.ws.send('not json either');
    assert.match((await client.next()) as string, /^\{"message": "Forbidden", /);
    // The connection stays open.
    client.ws.send('{"meta":{"kind":"chat","op":"join"}}');
    assert.equal(await client.next(), 'joined');
    client.ws.close();
  });

  await t.test('a crashing handler: the Internal server error frame, and the connection stays usable', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('crash');
    const frame = (await client.next()) as string;
    assert.match(frame, /^\{"message": "Internal server error", "connectionId":"[A-Za-z0-9+/]{15}=", "requestId":"[A-Za-z0-9+/]{15}="\}$/);
    client.ws.send('exit');
    assert.match((await client.next()) as string, /"Internal server error"/, 'a worker that exits too');
    client.ws.send('still there');
    assert.equal(await client.next(), 'echo:still there');
    assert.ok(gw.logs.some((l) => l['code'] === 'PORTICO_ERR_WS_INTEGRATION' && l['errorMessage'] === 'boom'));
    client.ws.close();
  });

  await t.test('an empty body sends no frame; a non-string body is sent as JSON', async (t) => {
    const client = await open(t, `${base}/chatapi/dev`);
    client.ws.send('empty');
    const { event } = await sink.waitFor((r) => r.fn === 'echo' && r.event['body'] === 'empty');
    await accessLine(event.requestContext['requestId'] as string);
    client.ws.send('object');
    assert.equal(await client.next(), '{"an":"object"}');
    client.ws.close();
  });
});
