import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { GatewayError } from '../errors/index.ts';
import type { GatewayRequest, GatewayResponse } from '../pipeline/types.ts';
import { MemoryConnectionRegistry } from '../state/connections/memory.ts';
import type { ConnectionRegistry } from '../state/connections/types.ts';
import { makeContext } from '../../test/helpers/context.ts';
import { RecordingConnection, connectionInfo } from '../../test/contract/connection-registry.ts';
import { MAX_POST_BYTES, createConnectionsApi } from './connections-api.ts';

const API_ID = 'a1b2c3d4e5';
const ID = 'L0SM9cOFvHcCIhw=';
const NOW = Date.UTC(2024, 0, 20, 11, 55, 0, 453);

/** A request as the edge hands it over; `path` raw, as sent. */
function request(method: string, path: string, body?: Buffer | string): GatewayRequest {
  return makeContext({ method, path, ...(body === undefined ? {} : { body }) }).request;
}

function header(response: GatewayResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

function bodyJson(response: GatewayResponse): unknown {
  assert.equal(typeof response.body, 'string');
  return JSON.parse(response.body as string);
}

/** An API with stages dev and prod, one connection `ID` on dev, and captured log lines. */
async function setup(registry: ConnectionRegistry = new MemoryConnectionRegistry()) {
  const socket = new RecordingConnection();
  await registry.add(
    connectionInfo({ connectionId: ID, apiId: API_ID, stage: 'dev', connectedAt: Date.UTC(2024, 0, 20, 11, 54, 57, 419), lastActiveAt: Date.UTC(2024, 0, 20, 11, 54, 58, 0), sourceIp: '49.105.91.154', userAgent: 'wscat/5' }),
    socket,
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const api = createConnectionsApi({ registry, logger: pino({ base: null }, sink), stages: new Set(['dev', 'prod']), apiId: API_ID, clock: () => NOW });
  return { api, registry, socket, logs };
}

describe('PostToConnection', () => {
  test('sends UTF-8 data as a text frame and answers 200 with an empty body', async () => {
    const { api, socket } = await setup();
    const res = await api(request('POST', `/dev/@connections/${encodeURIComponent(ID)}`, '{"message":"hi ✓"}'));
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, null);
    assert.equal(header(res, 'content-type'), undefined);
    assert.match(header(res, 'x-amzn-RequestId') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(socket.sent, [{ data: Buffer.from('{"message":"hi ✓"}'), binary: false }]);
  });

  test('sends bytes that are not UTF-8 as a binary frame', async () => {
    const { api, socket } = await setup();
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80]);
    assert.equal((await api(request('POST', '/dev/@connections/L0SM9cOFvHcCIhw%3D', bytes))).statusCode, 200);
    assert.deepEqual(socket.sent, [{ data: bytes, binary: true }]);
  });

  test('accepts @ sent as %40 and a percent-encoded id (%3D or %3d); the resource name is case-sensitive', async () => {
    const { api, socket } = await setup();
    assert.equal((await api(request('POST', '/dev/%40connections/L0SM9cOFvHcCIhw%3D', 'a'))).statusCode, 200);
    assert.equal((await api(request('POST', '/dev/%40Connections/L0SM9cOFvHcCIhw%3d', 'b'))).statusCode, 404);
    assert.equal((await api(request('POST', '/dev/%40connections/L0SM9cOFvHcCIhw=', 'c'))).statusCode, 200);
    assert.deepEqual(socket.sent.map((m) => m.data.toString()), ['a', 'c']);
  });

  test('accepts exactly 131072 bytes; one more is 413 PayloadTooLargeException and nothing is sent', async () => {
    const { api, socket } = await setup();
    assert.equal((await api(request('POST', `/dev/@connections/${ID}`, Buffer.alloc(MAX_POST_BYTES, 'a')))).statusCode, 200);
    const res = await api(request('POST', `/dev/@connections/${ID}`, Buffer.alloc(MAX_POST_BYTES + 1, 'a')));
    assert.equal(res.statusCode, 413);
    assert.equal(header(res, 'x-amzn-ErrorType'), 'PayloadTooLargeException');
    assert.equal(header(res, 'content-type'), 'application/json');
    assert.equal(typeof (bodyJson(res) as { message: unknown }).message, 'string');
    assert.equal(socket.sent.length, 1);
  });

  test("a body past the gateway's 10 MB limit (REQUEST_TOO_LARGE from the body) is 413 PayloadTooLargeException", async () => {
    const { api, socket } = await setup();
    const base = request('POST', `/dev/@connections/${ID}`);
    const body = { ...base.body, read: () => Promise.reject(new GatewayError('REQUEST_TOO_LARGE')) };
    const res = await api({ ...base, body });
    assert.equal(res.statusCode, 413);
    assert.equal(header(res, 'x-amzn-ErrorType'), 'PayloadTooLargeException');
    assert.equal(socket.sent.length, 0);
  });

  test('an unknown connection is 410 GoneException with an empty body', async () => {
    const { api } = await setup();
    const res = await api(request('POST', '/dev/@connections/nope%3D', 'x'));
    assert.equal(res.statusCode, 410);
    assert.equal(header(res, 'x-amzn-ErrorType'), 'GoneException');
    assert.equal(res.body, null);
    assert.equal(header(res, 'content-type'), undefined);
    assert.ok(header(res, 'x-amzn-RequestId'));
  });

  test('a socket that refuses the message (closing) is 410 GoneException', async () => {
    const { api, socket } = await setup();
    socket.failWith = new Error('WebSocket is not open: readyState 2 (CLOSING)');
    assert.equal((await api(request('POST', `/dev/@connections/${ID}`, 'x'))).statusCode, 410);
  });

  test('a post records lastActiveAt', async () => {
    const { api, registry } = await setup();
    await api(request('POST', `/dev/@connections/${ID}`, 'x'));
    assert.equal((await registry.get(ID))?.lastActiveAt, NOW);
  });
});

describe('GetConnection', () => {
  test('answers 200 with connectedAt, identity and lastActiveAt as ISO-8601 with milliseconds', async () => {
    const { api } = await setup();
    const res = await api(request('GET', '/dev/@connections/L0SM9cOFvHcCIhw%3D'));
    assert.equal(res.statusCode, 200);
    assert.equal(header(res, 'content-type'), 'application/json');
    assert.ok(header(res, 'x-amzn-RequestId'));
    assert.equal(
      res.body,
      '{"connectedAt":"2024-01-20T11:54:57.419Z","identity":{"sourceIp":"49.105.91.154","userAgent":"wscat/5"},"lastActiveAt":"2024-01-20T11:54:58.000Z"}',
    );
  });

  test('an unknown connection is 410 GoneException', async () => {
    const { api } = await setup();
    const res = await api(request('GET', '/dev/@connections/unknown'));
    assert.equal(res.statusCode, 410);
    assert.equal(header(res, 'x-amzn-ErrorType'), 'GoneException');
  });

  test("another stage's or another API's connection is gone on this endpoint", async () => {
    const { api, registry } = await setup();
    assert.equal((await api(request('GET', `/prod/@connections/${ID}`))).statusCode, 410);
    await registry.add(connectionInfo({ connectionId: 'other=', apiId: 'zzzzzzzzzz', stage: 'dev' }), new RecordingConnection());
    assert.equal((await api(request('GET', '/dev/@connections/other='))).statusCode, 410);
    assert.equal((await api(request('POST', '/dev/@connections/other=', 'x'))).statusCode, 410);
    assert.equal((await api(request('DELETE', '/dev/@connections/other='))).statusCode, 410);
  });
});

describe('DeleteConnection', () => {
  test('answers 204, closes the socket with 1000, and the connection is gone afterwards', async () => {
    const { api, socket } = await setup();
    const res = await api(request('DELETE', `/dev/@connections/${encodeURIComponent(ID)}`));
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, null);
    assert.ok(header(res, 'x-amzn-RequestId'));
    assert.deepEqual(socket.closes.map((c) => c.code), [1000]);
    assert.equal((await api(request('GET', `/dev/@connections/${ID}`))).statusCode, 410);
    assert.equal((await api(request('DELETE', `/dev/@connections/${ID}`))).statusCode, 410);
  });

  test('an unknown connection is 410 GoneException', async () => {
    const { api } = await setup();
    assert.equal((await api(request('DELETE', '/dev/@connections/unknown'))).statusCode, 410);
  });
});

describe('paths and methods that name no operation', () => {
  for (const path of ['/', '/@connections/abc', '/test/@connections/abc', '/Dev/@connections/abc', '/%E0%A4%A/@connections/abc']) {
    test(`${path}: no stage of this API → 403 ForbiddenException {"message":"Forbidden"}`, async () => {
      const { api } = await setup();
      const res = await api(request('POST', path, 'x'));
      assert.equal(res.statusCode, 403);
      assert.equal(header(res, 'x-amzn-ErrorType'), 'ForbiddenException');
      assert.deepEqual(bodyJson(res), { message: 'Forbidden' });
    });
  }

  const noRoute: [method: string, path: string, route: string][] = [
    ['POST', '/dev', ''],
    ['POST', '/dev/@connections', '@connections'],
    ['POST', '/dev/@connections/', '@connections/'],
    ['GET', '/dev/@connections/abc/extra', '@connections/abc/extra'],
    ['POST', '/dev/connections/abc', 'connections/abc'],
    ['PUT', '/dev/@connections/abc%3D', '@connections/abc='],
    ['PATCH', '/dev/%40connections/abc', '@connections/abc'],
  ];
  for (const [method, path, route] of noRoute) {
    test(`${method} ${path} → 404 NotFoundException "No method found matching route ${route} for http method ${method}."`, async () => {
      const { api, socket } = await setup();
      const res = await api(request(method, path, 'x'));
      assert.equal(res.statusCode, 404);
      assert.equal(header(res, 'x-amzn-ErrorType'), 'NotFoundException');
      assert.ok(header(res, 'x-amzn-RequestId'));
      assert.deepEqual(bodyJson(res), { message: `No method found matching route ${route} for http method ${method}.` });
      assert.equal(socket.sent.length, 0);
    });
  }

  test('the query string is ignored', async () => {
    const { api } = await setup();
    const base = request('GET', `/dev/@connections/${ID}`);
    assert.equal((await api({ ...base, rawQuery: 'x=1' })).statusCode, 200);
  });
});

describe('failures', () => {
  test('a registry that fails is answered 500 InternalServerErrorException and logged with PORTICO_ERR_WS_CONNECTIONS_INTERNAL', async () => {
    const broken = new MemoryConnectionRegistry();
    const { api, logs } = await setup(broken);
    broken.get = () => Promise.reject(new Error('redis down'));
    const res = await api(request('GET', `/dev/@connections/${ID}`));
    assert.equal(res.statusCode, 500);
    assert.equal(header(res, 'x-amzn-ErrorType'), 'InternalServerErrorException');
    assert.deepEqual(bodyJson(res), { message: 'Internal server error' });
    const line = logs.find((l) => l['code'] === 'PORTICO_ERR_WS_CONNECTIONS_INTERNAL');
    assert.ok(line);
    assert.equal(line['requestId'], header(res, 'x-amzn-RequestId'));
  });

  test('each response has its own request id', async () => {
    const { api } = await setup();
    const a = await api(request('GET', `/dev/@connections/${ID}`));
    const b = await api(request('GET', `/dev/@connections/${ID}`));
    assert.notEqual(header(a, 'x-amzn-RequestId'), header(b, 'x-amzn-RequestId'));
  });
});
