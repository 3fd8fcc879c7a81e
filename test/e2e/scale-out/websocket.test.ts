/**
 * @connections across nodes: three gateways (in-process, each with its own Redis stores and
 * node id, as three processes would have) on one redis-server. A client connected to node A is
 * reached by PostToConnection, GetConnection and DeleteConnection sent to nodes B and C with
 * the real `@aws-sdk/client-apigatewaymanagementapi`, and `$disconnect` on A clears the record
 * for every node.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
import { once } from 'node:events';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { loadProject } from '../../../src/config/load-project.ts';
import { Gateway } from '../../../src/server/gateway.ts';
import { writeProject } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';
import { RECORD_JS, startSink } from '../websocket/helpers.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const PROJECT = (sink: string): string => `
functions:
  whoami: { handler: chat.whoami }
  bye: { handler: chat.bye, environment: { SINK: "${sink}" } }
apis:
  - name: chat
    type: WEBSOCKET
    apiId: chat1
    stage: dev
    routes:
      whoami: { function: whoami, routeResponse: true }
      $disconnect: { function: bye }
`;
const HANDLERS = `${RECORD_JS}
export const whoami = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });
export const bye = async (event) => { await record('bye', event); return { statusCode: 200 }; };
`;

/** Three gateways on one Redis; closed after the test. */
async function cluster(t: TestContext, url: string, dir: string): Promise<Gateway[]> {
  const gateways = await Promise.all([1, 2, 3].map(() => Gateway.start(loadProject(dir), { port: 0, redis: url, logger: pino({ enabled: false }) })));
  t.after(() => Promise.all(gateways.map((g) => g.close(2000))));
  return gateways;
}

/** An SDK client for the @connections API of `gateway`'s stage `dev`. */
function management(t: TestContext, gateway: Gateway): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${gateway.port}/dev`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.after(() => client.destroy());
  return client;
}

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected a rejection');
}

/** Opens a client on `gateway` and asks it for its connection id. */
async function connect(t: TestContext, gateway: Gateway): Promise<{ ws: WebSocket; id: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/dev`, { headers: { 'user-agent': 'scale-out-client/1.0' } });
  t.after(() => ws.terminate());
  await once(ws, 'open');
  const reply = once(ws, 'message') as Promise<[Buffer]>;
  ws.send('{"action":"whoami"}');
  return { ws, id: (await reply)[0].toString() };
}

test('@connections calls on any node reach a client held by another node', async (t) => {
  const redis = await startRedis(t);
  const sink = await startSink(t);
  const dir = writeProject(t, { 'portico.yaml': PROJECT(sink.url), 'chat.mjs': HANDLERS });
  const [a, b, c] = (await cluster(t, redis.url, dir)) as [Gateway, Gateway, Gateway];
  const viaB = management(t, b);
  const viaC = management(t, c);

  await t.test('posts sent to nodes B and C reach the client on node A; sequential ones in order', async (t2) => {
    const { ws, id } = await connect(t2, a);
    const received: string[] = [];
    ws.on('message', (d: Buffer) => received.push(d.toString()));
    for (let i = 0; i < 5; i++) await viaB.send(new PostToConnectionCommand({ ConnectionId: id, Data: `m${i}` }));
    await Promise.all(Array.from({ length: 5 }, (_, i) => viaC.send(new PostToConnectionCommand({ ConnectionId: id, Data: `n${i}` }))));
    while (received.length < 10) await once(ws, 'message');
    assert.deepEqual(received.slice(0, 5), ['m0', 'm1', 'm2', 'm3', 'm4']);
    // Sent concurrently over several HTTP connections: all arrive, in no promised order.
    assert.deepEqual(received.slice(5).sort(), ['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  await t.test("GetConnection on node C returns the metadata of A's client", async (t2) => {
    const before = Date.now();
    const { id } = await connect(t2, a);
    const info = await viaC.send(new GetConnectionCommand({ ConnectionId: id }));
    assert.equal(info.Identity?.SourceIp, '127.0.0.1');
    assert.equal(info.Identity?.UserAgent, 'scale-out-client/1.0');
    assert.ok(info.ConnectedAt instanceof Date && info.ConnectedAt.getTime() >= before - 1000);
    assert.ok(info.LastActiveAt instanceof Date && info.LastActiveAt.getTime() >= info.ConnectedAt.getTime());
  });

  await t.test('DeleteConnection on node B closes the client on node A with 1000; every node then answers 410', async (t2) => {
    const { ws, id } = await connect(t2, a);
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    const out = await viaB.send(new DeleteConnectionCommand({ ConnectionId: id }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    assert.equal((await closed)[0], 1000);
    for (const client of [viaB, viaC, management(t2, a)]) {
      const err = await rejection(client.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' })));
      assert.equal(err.name, 'GoneException');
      assert.equal(err.$metadata?.httpStatusCode, 410);
    }
  });

  await t.test("a client that leaves: $disconnect runs on A and the record is gone for B and C", async (t2) => {
    const { ws, id } = await connect(t2, a);
    ws.close(1000, 'bye');
    const record = await sink.waitFor((r) => r.fn === 'bye' && r.event.requestContext.connectionId === id);
    assert.equal(record.event.requestContext.eventType, 'DISCONNECT');
    // The registry is cleared before $disconnect runs (connection.ts).
    assert.equal((await rejection(viaB.send(new GetConnectionCommand({ ConnectionId: id })))).name, 'GoneException');
    assert.equal((await rejection(viaC.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })))).name, 'GoneException');
  });

  await t.test('once every client has left (each subtest terminated its own), Redis holds no connection record', async () => {
    const raw = new Redis(redis.url);
    try {
      const deadline = Date.now() + 5000;
      let keys = await raw.keys('portico:conn:*');
      while (keys.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        keys = await raw.keys('portico:conn:*');
      }
      assert.deepEqual(keys, []);
    } finally {
      raw.disconnect();
    }
  });
});

/** A TCP relay to Redis that can refuse connections: keeps one node away from a restarted Redis. */
async function gatedRelay(t: TestContext, redisPort: number): Promise<{ url: string; open: boolean }> {
  const gate = { url: '', open: true };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!gate.open) return client.destroy();
    const upstream = tcpConnect(redisPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  gate.url = `redis://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}

test('after a Redis restart, a post for a live client whose node has not reconnected yet is answered 500, never 410, then delivered', async (t) => {
  const redis = await startRedis(t);
  const sink = await startSink(t);
  const dir = writeProject(t, { 'portico.yaml': PROJECT(sink.url), 'chat.mjs': HANDLERS });
  const gate = await gatedRelay(t, Number(new URL(redis.url).port));
  const start = (url: string): Promise<Gateway> => Gateway.start(loadProject(dir), { port: 0, redis: url, logger: pino({ enabled: false }) });
  const [a, b] = await Promise.all([start(gate.url), start(redis.url)]);
  t.after(() => Promise.all([a.close(2000), b.close(2000)]));
  const viaB = management(t, b);
  const { ws, id } = await connect(t, a);
  const received: string[] = [];
  ws.on('message', (d: Buffer) => received.push(d.toString()));
  await viaB.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'before' }));

  gate.open = false; // node A cannot reach Redis again until the gate opens
  await redis.kill();
  await redis.restart(); // empty: A's record and inbox subscription are gone
  for (let i = 0; i < 3; i++) {
    const err = await rejection(viaB.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'lost' })));
    assert.equal(err.$metadata?.httpStatusCode, 500, `try ${i}: ${err.name}`);
  }
  gate.open = true;
  const deadline = Date.now() + 15_000;
  let delivered = false;
  const statuses = new Set<number>();
  while (!delivered && Date.now() < deadline) {
    try {
      await viaB.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'after-restart' }));
      delivered = true;
    } catch (err) {
      statuses.add((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok(delivered, `never delivered; answers ${JSON.stringify([...statuses])}`);
  assert.ok(!statuses.has(410), `a live connection was answered 410`);
  while (!received.includes('after-restart')) await once(ws, 'message');
  assert.ok(!received.includes('lost'));
});
