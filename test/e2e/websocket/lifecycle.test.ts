/**
 * How connections end, end to end: the client's close, the idle timeout, the maximum
 * duration, the frame and message limits, binary frames, DeleteConnection and shutdown, each
 * followed by exactly one `$disconnect` carrying the close code and reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';
import { open, RECORD_JS, startSink, type Recorded, type Sink } from './helpers.ts';

function project(sink: Sink): Record<string, string> {
  const env = `environment: { SINK: "${sink.url}" }`;
  const routes = `
    routes:
      $connect: { function: connect }
      $disconnect: { function: disconnect }
      $default: { function: echo, routeResponse: true }`;
  return {
    'portico.yaml': `
functions:
  connect: { handler: fns/connect.handler, ${env} }
  disconnect: { handler: fns/disconnect.handler, ${env} }
  echo: { handler: fns/echo.handler }
apis:
  - name: life
    apiId: lifeapi
    type: WEBSOCKET
    stage: dev${routes}
  - name: idle
    apiId: idleapi
    type: WEBSOCKET
    stage: dev
    limits: { idleTimeoutSeconds: 0.3 }${routes}
  - name: short
    apiId: shortapi
    type: WEBSOCKET
    stage: dev
    limits: { maxConnectionSeconds: 0.3 }${routes}
`,
    'fns/connect.mjs': `${RECORD_JS}
export const handler = async (event) => { await record('connect', event); return { statusCode: 200 }; };`,
    'fns/disconnect.mjs': `${RECORD_JS}
export const handler = async (event) => { await record('disconnect', event); return { statusCode: 200, body: 'never sent' }; };`,
    'fns/echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: 'echo:' + event.body.length });`,
  };
}

/** The connection id a client got, from its `$connect` event (clients are told apart by a query). */
async function connectionIdOf(sink: Sink, tag: string): Promise<string> {
  const { event } = await sink.waitFor((r) => r.fn === 'connect' && (r.event.queryStringParameters as { tag?: string } | undefined)?.tag === tag);
  return event.requestContext.connectionId;
}
const disconnectOf = (sink: Sink, id: string): Promise<Recorded> => sink.waitFor((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === id);

test('how connections end', async (t) => {
  const sink = await startSink(t);
  const gw = await serveFiles(t, project(sink));
  const base = `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api`;
  const http = `http://127.0.0.1:${gw.gateway.port}/_aws/execute-api`;

  await t.test("the client's close: $disconnect gets its code and reason; DISCONNECT event field for field", async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=bye`, { headers: { 'User-Agent': 'life-agent' } });
    const id = await connectionIdOf(sink, 'bye');
    client.ws.close(4000, 'bye now');
    await client.closed;
    const { event } = await disconnectOf(sink, id);
    const rc = event.requestContext;
    assert.deepEqual(Object.keys(event), ['headers', 'multiValueHeaders', 'requestContext', 'isBase64Encoded']);
    assert.deepEqual(event.headers, { Host: `127.0.0.1:${gw.gateway.port}`, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    assert.deepEqual(Object.keys(rc), ['routeKey', 'disconnectStatusCode', 'eventType', 'extendedRequestId', 'requestTime', 'messageDirection', 'disconnectReason', 'stage', 'connectedAt', 'requestTimeEpoch', 'identity', 'requestId', 'domainName', 'connectionId', 'apiId']);
    assert.equal(rc.routeKey, '$disconnect');
    assert.equal(rc.eventType, 'DISCONNECT');
    assert.equal(rc.disconnectStatusCode, 4000);
    assert.equal(rc.disconnectReason, 'bye now');
    assert.deepEqual(rc.identity, { userAgent: 'life-agent', sourceIp: '127.0.0.1' });
    assert.equal(event.isBase64Encoded, false);
  });

  await t.test('a connection lost without a close frame: $disconnect with 1006', async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=lost`);
    const id = await connectionIdOf(sink, 'lost');
    client.ws.terminate();
    const { event } = await disconnectOf(sink, id);
    assert.equal(event.requestContext['disconnectStatusCode'], 1006);
    assert.equal(event.requestContext['disconnectReason'], '');
  });

  await t.test('idle timeout: the server closes with 1001, even while the client pings', async (t) => {
    const client = await open(t, `${base}/idleapi/dev?tag=idle`);
    const id = await connectionIdOf(sink, 'idle');
    // AWS doesn't count pings as activity (pingResetsIdle: false); they are answered all the same.
    const pings = setInterval(() => client.ws.ping(), 50);
    let pongs = 0;
    client.ws.on('pong', () => pongs++);
    const closed = await client.closed;
    clearInterval(pings);
    assert.deepEqual(closed, { code: 1001, reason: 'Going away' });
    assert.ok(pongs > 0, 'pings are answered with pongs');
    const { event } = await disconnectOf(sink, id);
    assert.equal(event.requestContext['disconnectStatusCode'], 1001);
    assert.equal(event.requestContext['disconnectReason'], 'Going away');
  });

  await t.test('maximum connection duration: closed with 1001 however busy the connection is', async (t) => {
    const client = await open(t, `${base}/shortapi/dev?tag=short`);
    const id = await connectionIdOf(sink, 'short');
    const chatter = setInterval(() => client.ws.send('x'), 30);
    const closed = await client.closed;
    clearInterval(chatter);
    assert.equal(closed.code, 1001);
    assert.equal((await disconnectOf(sink, id)).event.requestContext['disconnectStatusCode'], 1001);
  });

  await t.test('a frame over 32 KB closes with 1009', async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=frame`);
    const id = await connectionIdOf(sink, 'frame');
    client.ws.send('a'.repeat(32 * 1024 + 1));
    assert.equal((await client.closed).code, 1009);
    assert.equal((await disconnectOf(sink, id)).event.requestContext['disconnectStatusCode'], 1009);
  });

  await t.test('a 128 KB message in 32 KB frames is accepted; one more byte closes with 1009', async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=message`);
    const id = await connectionIdOf(sink, 'message');
    const frame = 'b'.repeat(32 * 1024);
    for (let i = 0; i < 4; i++) client.ws.send(frame, { fin: i === 3 });
    assert.equal(await client.next(), `echo:${128 * 1024}`);
    for (let i = 0; i < 4; i++) client.ws.send(frame, { fin: false });
    client.ws.send('b', { fin: true });
    assert.equal((await client.closed).code, 1009);
    assert.equal((await disconnectOf(sink, id)).event.requestContext['disconnectStatusCode'], 1009);
  });

  await t.test('a binary frame closes with 1003, as AWS does', async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=binary`);
    const id = await connectionIdOf(sink, 'binary');
    client.ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await client.closed).code, 1003);
    assert.equal((await disconnectOf(sink, id)).event.requestContext['disconnectStatusCode'], 1003);
  });

  await t.test('@connections: PostToConnection reaches the client; DeleteConnection closes it (1000)', async (t) => {
    const client = await open(t, `${base}/lifeapi/dev?tag=managed`);
    const id = await connectionIdOf(sink, 'managed');
    const url = `${http}/lifeapi/dev/@connections/${encodeURIComponent(id)}`;
    const post = await request(url, { method: 'POST', body: 'pushed' });
    await post.body.dump();
    assert.equal(post.statusCode, 200);
    assert.equal(await client.next(), 'pushed');
    const del = await request(url, { method: 'DELETE' });
    await del.body.dump();
    assert.equal(del.statusCode, 204);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    const { event } = await disconnectOf(sink, id);
    assert.equal(event.requestContext['disconnectStatusCode'], 1000);
    assert.equal(event.requestContext['disconnectReason'], closed.reason);
    const gone = await request(url, { method: 'POST', body: 'late' });
    await gone.body.dump();
    assert.equal(gone.statusCode, 410);
  });
});

test('shutdown: clients get 1001, every $disconnect runs once before close() resolves', async (t) => {
  const sink = await startSink(t);
  const gw = await serveFiles(t, project(sink));
  const base = `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api`;
  const a = await open(t, `${base}/lifeapi/dev?tag=a`);
  const b = await open(t, `${base}/idleapi/dev?tag=b`);
  const c = await open(t, `${base}/lifeapi/dev?tag=c`);
  const ids = await Promise.all(['a', 'b', 'c'].map((tag) => connectionIdOf(sink, tag)));
  // One leaves on its own first: its $disconnect must not run a second time at shutdown.
  c.ws.close(1000);
  await disconnectOf(sink, ids[2] as string);

  await gw.gateway.close(2000);
  assert.deepEqual(await a.closed, { code: 1001, reason: 'Going away' });
  assert.deepEqual(await b.closed, { code: 1001, reason: 'Going away' });
  for (const id of ids) {
    const records = sink.records.filter((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === id);
    assert.equal(records.length, 1, `one $disconnect for ${id}`);
  }
  const [da, db] = [ids[0], ids[1]].map((id) => sink.records.find((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === id));
  assert.equal(da?.event.requestContext['disconnectStatusCode'], 1001);
  assert.equal(db?.event.requestContext['disconnectReason'], 'Going away');
});
