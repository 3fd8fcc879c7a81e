/**
 * The @connections API driven by the real AWS SDK v3 client over a real socket: a node:http
 * server routes every request through the edge adapter to createConnectionsApi, and a
 * recording LocalConnection stands in for the client's WebSocket. What the SDK sends and how it
 * parses our answers (dates, error names, status codes) is what handlers will see. The last
 * test runs the same calls against a real gateway serving a WebSocket API, with a `ws` client.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { toGatewayRequest, writeResponse } from '../../../src/server/node-adapter.ts';
import { MemoryConnectionRegistry } from '../../../src/state/connections/memory.ts';
import { createConnectionsApi } from '../../../src/websocket/connections-api.ts';
import { RecordingConnection, connectionInfo } from '../../contract/connection-registry.ts';
import { serveFiles } from '../../helpers/gateway.ts';

// The SDK warns once on Node 20 that releases after January 2027 will need Node 22: test noise.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const API_ID = 'a1b2c3d4e5';
const ID = 'L0SM9cOFvHcCIhw=';
const CONNECTED_AT = Date.UTC(2024, 0, 20, 11, 54, 57, 419);

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

/** Serves the @connections API of one API (stage `dev`) with one live connection `ID`. */
async function serve(t: TestContext, stage = 'dev') {
  const registry = new MemoryConnectionRegistry();
  const socket = new RecordingConnection();
  await registry.add(
    connectionInfo({ connectionId: ID, apiId: API_ID, stage: 'dev', connectedAt: CONNECTED_AT, lastActiveAt: CONNECTED_AT, sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0 (test)' }),
    socket,
  );
  const api = createConnectionsApi({ registry, logger: pino({ enabled: false }), stages: new Set(['dev']), apiId: API_ID });
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    void api(toGatewayRequest(req)).then((response) => {
      // As the gateway does: a 413 may leave body bytes unread, so the connection can't be reused.
      if (response.statusCode === 413) res.shouldKeepAlive = false;
      writeResponse(res, response, (err) => assert.fail(err));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${port}/${stage}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  t.after(() => {
    client.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { client, socket, registry, seen };
}

/** Runs `fn`, expecting it to reject; returns the error. */
async function rejection(fn: () => Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { $metadata: { httpStatusCode?: number } };
  }
  return assert.fail('expected a rejection');
}

describe('@connections through @aws-sdk/client-apigatewaymanagementapi', () => {
  test('PostToConnection with a string reaches the socket as a text frame; the SDK signs for execute-api and encodes = as %3D', async (t) => {
    const { client, socket, seen } = await serve(t);
    const out = await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: '{"message":"hello"}' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(socket.sent, [{ data: Buffer.from('{"message":"hello"}'), binary: false }]);
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.url, '/dev/@connections/L0SM9cOFvHcCIhw%3D');
    assert.match(seen[0]?.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=x\/\d{8}\/us-east-1\/execute-api\/aws4_request/);
  });

  test('PostToConnection with a Uint8Array keeps the bytes: UTF-8 as text, anything else as binary', async (t) => {
    const { client, socket } = await serve(t);
    await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: new TextEncoder().encode('héllo') }));
    await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: new Uint8Array([0, 1, 0xfe, 0xff]) }));
    assert.deepEqual(socket.sent, [
      { data: Buffer.from('héllo'), binary: false },
      { data: Buffer.from([0, 1, 0xfe, 0xff]), binary: true },
    ]);
  });

  test('GetConnection is parsed by the SDK: ConnectedAt and LastActiveAt are Dates, Identity has SourceIp and UserAgent', async (t) => {
    const { client } = await serve(t);
    const out = await client.send(new GetConnectionCommand({ ConnectionId: ID }));
    assert.ok(out.ConnectedAt instanceof Date);
    assert.equal(out.ConnectedAt.getTime(), CONNECTED_AT);
    assert.ok(out.LastActiveAt instanceof Date);
    assert.deepEqual(out.Identity, { SourceIp: '203.0.113.9', UserAgent: 'Mozilla/5.0 (test)' });
  });

  test('a post moves LastActiveAt forward', async (t) => {
    const { client } = await serve(t);
    await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'x' }));
    const out = await client.send(new GetConnectionCommand({ ConnectionId: ID }));
    assert.ok((out.LastActiveAt?.getTime() ?? 0) > CONNECTED_AT);
  });

  test('DeleteConnection answers 204, closes the socket with 1000, and the connection is then gone', async (t) => {
    const { client, socket } = await serve(t);
    const out = await client.send(new DeleteConnectionCommand({ ConnectionId: ID }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    assert.deepEqual(socket.closes.map((c) => c.code), [1000]);
    const err = await rejection(() => client.send(new GetConnectionCommand({ ConnectionId: ID })));
    assert.equal(err.name, 'GoneException');
  });

  const unknown = 'R0oXAdfD0kwCH6w=';
  const calls: [op: string, call: (client: ApiGatewayManagementApiClient) => Promise<unknown>][] = [
    ['PostToConnection', (client) => client.send(new PostToConnectionCommand({ ConnectionId: unknown, Data: 'x' }))],
    ['GetConnection', (client) => client.send(new GetConnectionCommand({ ConnectionId: unknown }))],
    ['DeleteConnection', (client) => client.send(new DeleteConnectionCommand({ ConnectionId: unknown }))],
  ];
  for (const [op, call] of calls) {
    test(`${op} on an unknown id rejects with GoneException, status 410`, async (t) => {
      const { client } = await serve(t);
      const err = await rejection(() => call(client));
      assert.ok(err instanceof GoneException);
      assert.equal(err.name, 'GoneException');
      assert.equal(err.$metadata.httpStatusCode, 410);
    });
  }

  test('PostToConnection of 128 KB passes; one byte more rejects with PayloadTooLargeException, status 413', async (t) => {
    const { client, socket } = await serve(t);
    await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'a'.repeat(131_072) }));
    const err = await rejection(() => client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'a'.repeat(131_073) })));
    assert.ok(err instanceof PayloadTooLargeException);
    assert.equal(err.$metadata.httpStatusCode, 413);
    assert.equal(socket.sent.length, 1);
    // The client still works afterwards (a new connection).
    await client.send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'after' }));
    assert.equal(socket.sent.length, 2);
  });

  test('an endpoint with a stage the API does not have rejects with ForbiddenException, status 403', async (t) => {
    const { client } = await serve(t, 'prod');
    const err = await rejection(() => client.send(new GetConnectionCommand({ ConnectionId: ID })));
    assert.ok(err instanceof ForbiddenException);
    assert.equal(err.$metadata.httpStatusCode, 403);
  });
});

describe('@connections on a gateway serving a WebSocket API, with a real ws client', () => {
  const files = {
    'portico.yaml': [
      'functions:',
      '  whoami: { handler: handlers/chat.whoami }',
      'apis:',
      '  - name: chat',
      '    type: WEBSOCKET',
      '    apiId: chat1',
      '    stage: dev',
      '    routes:',
      '      whoami: { function: whoami, routeResponse: true }',
    ].join('\n'),
    // A two-way route that tells the client its connection id.
    'handlers/chat.mjs': 'export const whoami = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n',
  };

  /** The next message on `ws`, with its frame type. */
  function nextMessage(ws: WebSocket): Promise<{ text: string; binary: boolean }> {
    return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ text: data.toString(), binary })));
  }

  test('a post through the SDK reaches the client, GET reads it, DELETE closes it with 1000', async (t) => {
    const { base } = await serveFiles(t, files);
    const ws = new WebSocket(`${base.replace('http', 'ws')}/dev`, { headers: { 'user-agent': 'chat-client/1.0' } });
    t.after(() => ws.terminate());
    await once(ws, 'open');
    const reply = nextMessage(ws);
    ws.send('{"action":"whoami"}');
    const connectionId = (await reply).text;
    assert.match(connectionId, /^[A-Za-z0-9+/]{15}=$/);

    // The path-style endpoint works on a shared port whatever else it serves.
    const client = new ApiGatewayManagementApiClient({ endpoint: `${base}/_aws/execute-api/chat1/dev`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    t.after(() => client.destroy());
    const pushed = nextMessage(ws);
    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"from":"server"}' }));
    assert.deepEqual(await pushed, { text: '{"from":"server"}', binary: false });

    const info = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    assert.equal(info.Identity?.SourceIp, '127.0.0.1');
    assert.equal(info.Identity?.UserAgent, 'chat-client/1.0');
    assert.ok(info.ConnectedAt instanceof Date);

    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    const [code] = await closed;
    assert.equal(code, 1000);
    const err = await rejection(() => client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })));
    assert.equal(err.name, 'GoneException');
  });
});

describe('a handler reaches @connections with the usual unchanged code', () => {
  // `https://${domainName}/${stage}` reaches portico: the event's domainName keeps the port and
  // the worker's loopback rewrite (lambda/loopback-https.ts) sends it over plain HTTP.

  test('the handler posts to its own connection through https://${domainName}/${stage}', async (t) => {
    const sdk = createRequire(import.meta.url).resolve('@aws-sdk/client-apigatewaymanagementapi');
    const { base } = await serveFiles(t, {
      'portico.yaml': [
        'functions:',
        // Credentials come from portico (placeholder keys on a machine without any).
        '  echo: { handler: handlers/echo.handler, environment: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } }',
        'apis:',
        '  - { name: chat, type: WEBSOCKET, apiId: chat2, stage: dev, routes: { $default: { function: echo } } }',
      ].join('\n'),
      'handlers/echo.cjs': [
        `const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require(${JSON.stringify(sdk)});`,
        'exports.handler = async (event) => {',
        '  const { domainName, stage, connectionId } = event.requestContext;',
        '  const client = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });',
        "  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'pushed by the handler' }));",
        '  return { statusCode: 200 };',
        '};',
      ].join('\n'),
    });
    const ws = new WebSocket(`${base.replace('http', 'ws')}/dev`);
    t.after(() => ws.terminate());
    await once(ws, 'open');
    const message = new Promise<string>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      setTimeout(() => reject(new Error('no message within 5 s')), 5000).unref();
    });
    ws.send('hello');
    assert.equal(await message, 'pushed by the handler');
  });
});
