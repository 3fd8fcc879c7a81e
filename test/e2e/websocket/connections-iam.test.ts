/**
 * SigV4 on the @connections API, driven by the real AWS SDK v3 client over real sockets: with
 * credentials configured, a call signed with a known key is served and anything else is 403
 * with AWS's exception name; without credentials, unsigned calls are still accepted.
 * The first suite serves createConnectionsApi from a node:http server (as connections-sdk.test.ts
 * does); the last test goes through a real gateway started from portico.yaml.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { toGatewayRequest, writeResponse } from '../../../src/server/node-adapter.ts';
import { MemoryConnectionRegistry } from '../../../src/state/connections/memory.ts';
import { createConnectionsApi } from '../../../src/websocket/connections-api.ts';
import type { SigV4Options } from '../../../src/pipeline/2-authorize/sigv4.ts';
import { RecordingConnection, connectionInfo } from '../../contract/connection-registry.ts';
import { serveFiles } from '../../helpers/gateway.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const API_ID = 'ws1iam';
const ID = 'L0SM9cOFvHcCIhw=';
const KEY = { accessKeyId: 'AKIAPORTICOTEST00001', secretAccessKey: 'test-secret-access-key' };

/** Serves the @connections API of one API (stage `dev`, one live connection `ID`); `sigv4` as given. */
async function serve(t: TestContext, sigv4: SigV4Options | undefined) {
  const registry = new MemoryConnectionRegistry();
  const socket = new RecordingConnection();
  await registry.add(connectionInfo({ connectionId: ID, apiId: API_ID, stage: 'dev' }), socket);
  const api = createConnectionsApi({ registry, logger: pino({ enabled: false }), stages: new Set(['dev']), apiId: API_ID, ...(sigv4 ? { sigv4 } : {}) });
  const server = createServer((req, res) => {
    void api(toGatewayRequest(req)).then((response) => writeResponse(res, response, (err) => assert.fail(err)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev`;
  const clients: ApiGatewayManagementApiClient[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
    server.closeAllConnections();
    server.close();
  });
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') => {
    const c = new ApiGatewayManagementApiClient({ endpoint, region, credentials });
    clients.push(c);
    return c;
  };
  return { client, socket, endpoint };
}

type SdkError = Error & { $metadata: { httpStatusCode?: number }; message: string };

async function rejection(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  return assert.fail('expected a rejection');
}

/** The next message on `ws` (rejects after 5 s rather than hang the run). */
function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d.toString()));
    setTimeout(() => reject(new Error('no message within 5 s')), 5000).unref();
  });
}

const SIGV4: SigV4Options = { credentials: [KEY], region: 'us-east-1', accountId: '123456789012', apiId: API_ID };

describe('@connections with credentials configured', () => {
  test('a PostToConnection signed with a configured key is delivered (200)', async (t) => {
    const { client, socket } = await serve(t, SIGV4);
    const out = await client(KEY).send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'signed hello' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(socket.sent, [{ data: Buffer.from('signed hello'), binary: false }]);
    const info = await client(KEY).send(new GetConnectionCommand({ ConnectionId: ID }));
    assert.ok(info.ConnectedAt instanceof Date);
  });

  test('a wrong secret is 403 InvalidSignatureException and nothing is delivered', async (t) => {
    const { client, socket } = await serve(t, SIGV4);
    const err = await rejection(client({ ...KEY, secretAccessKey: 'wrong' }).send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'x' })));
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.equal(err.name, 'InvalidSignatureException');
    assert.match(err.message, /^The request signature we calculated does not match the signature you provided/);
    assert.deepEqual(socket.sent, []);
  });

  test('an unknown key is 403 UnrecognizedClientException; a foreign region is refused too', async (t) => {
    const { client } = await serve(t, SIGV4);
    const unknown = await rejection(client({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }).send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'x' })));
    assert.equal(unknown.$metadata.httpStatusCode, 403);
    assert.equal(unknown.name, 'UnrecognizedClientException');
    assert.equal(unknown.message, 'The security token included in the request is invalid.');
    const region = await rejection(client(KEY, 'eu-west-1').send(new PostToConnectionCommand({ ConnectionId: ID, Data: 'x' })));
    assert.equal(region.name, 'InvalidSignatureException');
    assert.match(region.message, /^Credential should be scoped to a valid region, not 'eu-west-1'\./);
  });

  test('an unsigned call is 403 Missing Authentication Token', async (t) => {
    const { endpoint, socket } = await serve(t, SIGV4);
    const res = await fetch(`${endpoint}/@connections/${encodeURIComponent(ID)}`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await res.json(), { message: 'Missing Authentication Token' });
    assert.deepEqual(socket.sent, []);
  });
});

describe('@connections without credentials', () => {
  test('unsigned calls are accepted as before', async (t) => {
    const { endpoint, socket } = await serve(t, { ...SIGV4, credentials: [] });
    const res = await fetch(`${endpoint}/@connections/${encodeURIComponent(ID)}`, { method: 'POST', body: 'unsigned' });
    assert.equal(res.status, 200);
    assert.deepEqual(socket.sent, [{ data: Buffer.from('unsigned'), binary: false }]);
  });
});

describe('@connections through a gateway started from portico.yaml', () => {
  test('credentials in portico.yaml make the gateway require a valid signature', async (t) => {
    const { base } = await serveFiles(t, {
      'portico.yaml': [
        'credentials:',
        `  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }`,
        'functions:',
        '  whoami: { handler: handlers/chat.whoami }',
        'apis:',
        '  - { name: chat, type: WEBSOCKET, apiId: chatiam, stage: dev, routes: { whoami: { function: whoami, routeResponse: true } } }',
      ].join('\n'),
      'handlers/chat.mjs': 'export const whoami = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n',
    });
    const ws = new WebSocket(`${base.replace('http', 'ws')}/dev`);
    t.after(() => ws.terminate());
    await once(ws, 'open');
    const reply = nextMessage(ws);
    ws.send('{"action":"whoami"}');
    const connectionId = await reply;
    const endpoint = `${base}/_aws/execute-api/chatiam/dev`;
    const good = new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials: KEY });
    const bad = new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials: { ...KEY, secretAccessKey: 'nope' } });
    t.after(() => {
      good.destroy();
      bad.destroy();
    });
    const pushed = nextMessage(ws);
    assert.equal((await good.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'from the server' }))).$metadata.httpStatusCode, 200);
    assert.equal(await pushed, 'from the server');
    const err = await rejection(bad.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x' })));
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.equal(err.name, 'InvalidSignatureException');
  });
});
