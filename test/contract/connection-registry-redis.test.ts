/**
 * The Redis connection registry across nodes, on a real redis-server: registries with their
 * own clients and node ids stand for gateway processes. What the single-registry contract
 * can't show: a call reaching node B for a socket held by node A, dead nodes, Redis restarts.
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisConnectionRegistry } from '../../src/state/connections/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { RecordingConnection, connectionInfo } from './connection-registry.ts';

let server: TestRedis;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

/** A node: its own client, node id and registry; closed after the test. */
async function node(t: TestContext, options: { url?: string; ttlMs?: number; relayTimeoutMs?: number } = {}): Promise<{ registry: RedisConnectionRegistry; redis: RedisConnection; nodeId: string }> {
  const redis = new RedisConnection({ url: options.url ?? server.url });
  const nodeId = randomUUID();
  const registry = new RedisConnectionRegistry({ redis, nodeId, ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}), ...(options.relayTimeoutMs ? { relayTimeoutMs: options.relayTimeoutMs } : {}) });
  assert.ok(await redis.waitReady(5000));
  assert.ok(await registry.ready());
  t.after(() => registry.close());
  return { registry, redis, nodeId };
}

/** A raw client for looking at and forging shared state. */
function raw(t: TestContext, url = server.url): Redis {
  const client = new Redis(url);
  t.after(() => client.quit());
  return client;
}

const waitFor = async (what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('RedisConnectionRegistry across nodes', () => {
  test("a post sent through node B reaches the socket held by node A, in call order, as 'sent'", async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo({ nodeId: a.nodeId });
    const socket = new RecordingConnection();
    await a.registry.add(info, socket);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => b.registry.send(info.connectionId, Buffer.from(String(i)), i === 19)));
    assert.ok(results.every((r) => r === 'sent'));
    assert.deepEqual(socket.sent.map((m) => m.data.toString()), Array.from({ length: 20 }, (_, i) => String(i)));
    assert.equal(socket.sent[19]?.binary, true);
  });

  test('node B reads the record node A added; a touch through B shows on both', async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo({ nodeId: a.nodeId });
    await a.registry.add(info, new RecordingConnection());
    assert.deepEqual(await b.registry.get(info.connectionId), info);
    await b.registry.touch(info.connectionId, info.lastActiveAt + 7000);
    assert.equal((await b.registry.get(info.connectionId))?.lastActiveAt, info.lastActiveAt + 7000);
    assert.equal((await a.registry.get(info.connectionId))?.lastActiveAt, info.lastActiveAt + 7000);
  });

  test("a delete through node B closes A's socket with 1000, and the connection is gone everywhere", async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo({ nodeId: a.nodeId });
    const socket = new RecordingConnection();
    await a.registry.add(info, socket);
    assert.equal(await b.registry.disconnect(info.connectionId), 'closed');
    assert.deepEqual(socket.closes, [{ code: 1000, reason: 'Connection Closed Normally' }]);
    assert.equal(await b.registry.get(info.connectionId), undefined);
    assert.equal(await a.registry.get(info.connectionId), undefined);
    assert.equal(await b.registry.send(info.connectionId, Buffer.from('late'), false), 'gone');
    assert.equal(await b.registry.disconnect(info.connectionId), 'gone');
  });

  test("a socket on A refusing a relayed post (closing) is 'gone' for B", async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo({ nodeId: a.nodeId });
    const socket = new RecordingConnection();
    socket.failWith = Object.assign(new Error('gone'), { code: 'PORTICO_ERR_WS_GONE' });
    await a.registry.add(info, socket);
    assert.equal(await b.registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
  });

  test('a closed node leaves nothing behind: its records are deleted', async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo();
    await a.registry.add(info, new RecordingConnection());
    await a.registry.close();
    assert.equal(await b.registry.get(info.connectionId), undefined);
    assert.equal(await raw(t).exists(a.redis.key('conn', info.connectionId)), 0);
  });

  test('a record of a dead node (no inbox subscriber) is gone at once for get, send and delete, and expires', async (t) => {
    const b = await node(t);
    const client = raw(t);
    const info = connectionInfo();
    const key = b.redis.key('conn', info.connectionId);
    // What a node that crashed leaves: a record, refreshed no more, whose inbox nobody reads.
    await client.hset(key, { ...info, via: 'crashed-node' });
    await client.pexpire(key, 300);
    assert.equal(await b.registry.get(info.connectionId), undefined);
    assert.equal(await b.registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
    assert.equal(await b.registry.disconnect(info.connectionId), 'gone');
    await waitFor('the record expires', async () => (await client.exists(key)) === 0);
  });

  test('records carry the TTL; the heartbeat refreshes them and restores them after Redis lost everything', async (t) => {
    const a = await node(t, { ttlMs: 600 });
    const client = raw(t);
    const info = connectionInfo();
    await a.registry.add(info, new RecordingConnection());
    const key = a.redis.key('conn', info.connectionId);
    const ttl = await client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 600, `ttl ${ttl}`);
    // Longer than the TTL: the heartbeat (every 200 ms) keeps it.
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(await client.exists(key), 1);
    await client.del(key);
    await waitFor('the heartbeat restores the record', async () => (await client.exists(key)) === 1);
    assert.equal(await client.hget(key, 'via'), a.nodeId);
  });

  test('a holding node that never answers makes the call reject (a 500, not a 410)', async (t) => {
    const b = await node(t, { relayTimeoutMs: 200 });
    const client = raw(t);
    const mute = raw(t);
    const info = connectionInfo();
    // A node whose inbox is subscribed but that never answers.
    await mute.subscribe(b.redis.key('node', 'mute-node'));
    await client.hset(b.redis.key('conn', info.connectionId), { ...info, via: 'mute-node' });
    await assert.rejects(b.registry.send(info.connectionId, Buffer.from('x'), false), { code: 'PORTICO_ERR_WS_RELAY_TIMEOUT' });
    assert.deepEqual(await b.registry.get(info.connectionId), info);
  });

  test("Redis down: a node's own connections keep working, other nodes' reject; after a restart the records come back", async (t) => {
    const own = await startRedis(t);
    const a = await node(t, { url: own.url, ttlMs: 900 });
    const b = await node(t, { url: own.url });
    const info = connectionInfo({ nodeId: a.nodeId });
    const socket = new RecordingConnection();
    await a.registry.add(info, socket);

    await own.kill();
    assert.equal(await a.registry.send(info.connectionId, Buffer.from('local'), false), 'sent');
    assert.deepEqual(await a.registry.get(info.connectionId), info);
    await a.registry.touch(info.connectionId, info.lastActiveAt + 1);
    assert.equal(await a.registry.ready(), false);
    await assert.rejects(b.registry.get(info.connectionId));
    await assert.rejects(b.registry.send(info.connectionId, Buffer.from('remote'), false));

    // Restarted empty: A rewrites its records as soon as it reconnects, and re-subscribes.
    await own.restart();
    // Recovery waits on ioredis's reconnect backoff (up to 1 s per attempt) of two connections
    // and re-subscription; on a loaded CI machine that can take several seconds.
    await waitFor('node B sees the record again', async () => (await b.registry.get(info.connectionId).catch(() => undefined)) !== undefined, 15_000);
    await waitFor('a relayed post is delivered again', async () => (await b.registry.send(info.connectionId, Buffer.from('remote'), false).catch(() => 'error')) === 'sent', 15_000);
    assert.deepEqual(socket.sent.map((m) => m.data.toString()), ['local', 'remote']);
  });
});
