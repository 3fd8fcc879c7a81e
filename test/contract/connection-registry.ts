/**
 * The contract every ConnectionRegistry passes (memory, and Redis in redis-stores.test.ts): one suite,
 * run once per implementation, as undici's `cacheStoreTests`.
 *
 * Connection ids are random per test and shaped like AWS's (`L0SM9cOFvHcCIhw=`, base64 with
 * `+`, `/` and `=`), so an implementation backed by a shared server can run the suite in a
 * dirty database and must not trip over those characters in its keys. Times start from a
 * realistic epoch value.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionInfo, ConnectionRegistry, LocalConnection } from '../../src/state/connections/types.ts';

const T0 = 1_700_000_000_000;

/** A LocalConnection that records what it was asked to do. Also used by the @connections tests. */
export class RecordingConnection implements LocalConnection {
  /** Every message handed over, in order. */
  readonly sent: { data: Buffer; binary: boolean }[] = [];
  /** Every close requested, in order. */
  readonly closes: { code: number; reason: string }[] = [];
  /** When set, `send` rejects with it (a socket in its closing handshake). */
  failWith: Error | undefined;

  send(data: Buffer, binary: boolean): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.sent.push({ data: Buffer.from(data), binary });
    return Promise.resolve();
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
}

/** A connection id in AWS's shape, with the base64 characters that need care in URLs and keys. */
export function connectionId(): string {
  return `${randomBytes(11).toString('base64').slice(0, 13)}+/=`;
}

/** A ConnectionInfo with realistic values; `overrides` win. */
export function connectionInfo(overrides: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    connectionId: connectionId(),
    apiId: 'a1b2c3d4e5',
    stage: 'dev',
    connectedAt: T0,
    lastActiveAt: T0,
    sourceIp: '192.0.2.7',
    userAgent: 'contract-test/1.0',
    nodeId: 'node-a',
    ...overrides,
  };
}

/**
 * Registers the ConnectionRegistry contract tests under `describe(name)`. `make` creates a
 * fresh registry; each test closes its own.
 */
export function connectionRegistryContract(name: string, make: () => Promise<ConnectionRegistry>): void {
  describe(`ConnectionRegistry contract: ${name}`, () => {
    async function setup(t: TestContext): Promise<ConnectionRegistry> {
      const registry = await make();
      t.after(() => registry.close());
      return registry;
    }

    /** Registers a fresh connection; returns its info and recording socket. */
    async function connect(registry: ConnectionRegistry, overrides: Partial<ConnectionInfo> = {}): Promise<{ info: ConnectionInfo; socket: RecordingConnection }> {
      const info = connectionInfo(overrides);
      const socket = new RecordingConnection();
      await registry.add(info, socket);
      return { info, socket };
    }

    test('get returns every field of the record that was added', async (t) => {
      const registry = await setup(t);
      const { info } = await connect(registry);
      assert.deepEqual(await registry.get(info.connectionId), info);
    });

    test('get of an id never added is undefined', async (t) => {
      const registry = await setup(t);
      assert.equal(await registry.get(connectionId()), undefined);
    });

    test("send hands the bytes and the frame type to the connection's socket and resolves 'sent'", async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      assert.equal(await registry.send(info.connectionId, Buffer.from('{"hi":1}'), false), 'sent');
      assert.equal(await registry.send(info.connectionId, Buffer.from([0xff, 0x00]), true), 'sent');
      assert.deepEqual(socket.sent, [
        { data: Buffer.from('{"hi":1}'), binary: false },
        { data: Buffer.from([0xff, 0x00]), binary: true },
      ]);
    });

    test("send to an unknown id resolves 'gone'", async (t) => {
      const registry = await setup(t);
      assert.equal(await registry.send(connectionId(), Buffer.from('x'), false), 'gone');
    });

    test('messages reach only the connection they are addressed to', async (t) => {
      const registry = await setup(t);
      const a = await connect(registry);
      const b = await connect(registry);
      await registry.send(a.info.connectionId, Buffer.from('for a'), false);
      assert.equal(a.socket.sent.length, 1);
      assert.equal(b.socket.sent.length, 0);
    });

    test('messages sent without waiting reach the socket in call order', async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => registry.send(info.connectionId, Buffer.from(String(i)), false)));
      assert.ok(results.every((r) => r === 'sent'));
      assert.deepEqual(socket.sent.map((m) => m.data.toString()), Array.from({ length: 20 }, (_, i) => String(i)));
    });

    test("a socket that refuses the message (closing) makes send resolve 'gone'", async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      socket.failWith = new Error('WebSocket is not open: readyState 2 (CLOSING)');
      assert.equal(await registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
    });

    test("after remove, get is undefined and send resolves 'gone'", async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      await registry.remove(info.connectionId);
      assert.equal(await registry.get(info.connectionId), undefined);
      assert.equal(await registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
      assert.equal(socket.sent.length, 0);
    });

    test('remove of an unknown id, or twice, is a no-op', async (t) => {
      const registry = await setup(t);
      const { info } = await connect(registry);
      await registry.remove(connectionId());
      await registry.remove(info.connectionId);
      await registry.remove(info.connectionId);
      assert.equal(await registry.get(info.connectionId), undefined);
    });

    test("disconnect closes the socket once with 1000 and resolves 'closed'", async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      assert.equal(await registry.disconnect(info.connectionId), 'closed');
      assert.equal(socket.closes.length, 1);
      assert.equal(socket.closes[0]?.code, 1000);
    });

    test("after disconnect the connection is gone at once: get undefined, send and disconnect 'gone'", async (t) => {
      const registry = await setup(t);
      const { info, socket } = await connect(registry);
      await registry.disconnect(info.connectionId);
      assert.equal(await registry.get(info.connectionId), undefined);
      assert.equal(await registry.send(info.connectionId, Buffer.from('late'), false), 'gone');
      assert.equal(await registry.disconnect(info.connectionId), 'gone');
      assert.equal(socket.sent.length, 0);
      assert.equal(socket.closes.length, 1);
      // The core removes the connection when its socket has closed: still fine.
      await registry.remove(info.connectionId);
    });

    test("disconnect of an unknown id resolves 'gone'", async (t) => {
      const registry = await setup(t);
      assert.equal(await registry.disconnect(connectionId()), 'gone');
    });

    test('touch moves lastActiveAt forward and leaves the other fields alone', async (t) => {
      const registry = await setup(t);
      const { info } = await connect(registry);
      await registry.touch(info.connectionId, T0 + 5000);
      assert.deepEqual(await registry.get(info.connectionId), { ...info, lastActiveAt: T0 + 5000 });
    });

    test('touch with an earlier time does not move lastActiveAt back', async (t) => {
      const registry = await setup(t);
      const { info } = await connect(registry);
      await registry.touch(info.connectionId, T0 + 5000);
      await registry.touch(info.connectionId, T0 + 1000);
      assert.equal((await registry.get(info.connectionId))?.lastActiveAt, T0 + 5000);
    });

    test('touch of an unknown id creates nothing', async (t) => {
      const registry = await setup(t);
      const id = connectionId();
      await registry.touch(id, T0);
      assert.equal(await registry.get(id), undefined);
    });

    test('close resolves', async () => {
      const registry = await make();
      await registry.close();
    });
  });
}
