import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MemoryConnectionRegistry } from '../../src/state/connections/memory.ts';
import { RecordingConnection, connectionInfo, connectionRegistryContract } from './connection-registry.ts';

connectionRegistryContract('memory', () => Promise.resolve(new MemoryConnectionRegistry()));

// Memory-only behaviour: the contract can't see the size, the log line or what close() keeps.
describe('MemoryConnectionRegistry', () => {
  test('size counts registered connections; disconnect and remove lower it', async () => {
    const registry = new MemoryConnectionRegistry();
    const a = connectionInfo();
    const b = connectionInfo();
    await registry.add(a, new RecordingConnection());
    await registry.add(b, new RecordingConnection());
    assert.equal(registry.size, 2);
    await registry.disconnect(a.connectionId);
    await registry.remove(b.connectionId);
    assert.equal(registry.size, 0);
  });

  test('a refused send is logged with PORTICO_ERR_WS_SEND_FAILED', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    const registry = new MemoryConnectionRegistry({ logger: pino({ base: null }, sink) });
    const info = connectionInfo();
    const socket = new RecordingConnection();
    socket.failWith = new Error('closing');
    await registry.add(info, socket);
    assert.equal(await registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
    assert.equal(lines[0]?.['code'], 'PORTICO_ERR_WS_SEND_FAILED');
    assert.equal(lines[0]?.['connectionId'], info.connectionId);
  });

  test('a refusal with PORTICO_ERR_WS_GONE (the connection is closing) is gone without a log line', async () => {
    const lines: unknown[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const registry = new MemoryConnectionRegistry({ logger: pino({ base: null }, sink) });
    const info = connectionInfo();
    const socket = new RecordingConnection();
    socket.failWith = Object.assign(new Error('gone'), { code: 'PORTICO_ERR_WS_GONE' });
    await registry.add(info, socket);
    assert.equal(await registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
    assert.equal(lines.length, 0);
  });

  test('disconnect sends the reason "Connection Closed Normally"', async () => {
    const registry = new MemoryConnectionRegistry();
    const info = connectionInfo();
    const socket = new RecordingConnection();
    await registry.add(info, socket);
    await registry.disconnect(info.connectionId);
    assert.deepEqual(socket.closes, [{ code: 1000, reason: 'Connection Closed Normally' }]);
  });

  test('close forgets every record without closing any socket', async () => {
    const registry = new MemoryConnectionRegistry();
    const info = connectionInfo();
    const socket = new RecordingConnection();
    await registry.add(info, socket);
    await registry.close();
    assert.equal(registry.size, 0);
    assert.equal(socket.closes.length, 0);
  });

  test('a record returned by get is not changed by a later touch', async () => {
    const registry = new MemoryConnectionRegistry();
    const info = connectionInfo();
    await registry.add(info, new RecordingConnection());
    const before = await registry.get(info.connectionId);
    await registry.touch(info.connectionId, info.lastActiveAt + 1000);
    assert.equal(before?.lastActiveAt, info.lastActiveAt);
  });
});
