/**
 * Every state contract (rate limits, quotas, the authorizer cache, the stage cache, the
 * connection registry) against the Redis stores on a real three-master Redis Cluster, plus what
 * only a cluster has: keys spread over the masters, multi-key scripts on one slot, a flush that
 * scans every master, and node inboxes on sharded pub/sub. One cluster for the whole file.
 * https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisRateLimitStore } from '../../src/state/rate-limit/redis.ts';
import { RedisQuotaStore } from '../../src/state/quota/redis.ts';
import { RedisConnectionRegistry } from '../../src/state/connections/redis.ts';
import { RedisAuthorizerCache } from '../../src/state/authorizer-cache/redis.ts';
import { RedisResponseCache } from '../../src/state/response-cache/redis.ts';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis.ts';
import { rateLimitStoreContract } from './rate-limit-store.ts';
import { quotaStoreContract } from './quota-store.ts';
import { authorizerCacheContract } from './authorizer-cache.ts';
import { responseCacheContract } from './response-cache.ts';
import { RecordingConnection, connectionInfo, connectionRegistryContract } from './connection-registry.ts';

let cluster: TestRedisCluster;
before(async () => {
  cluster = await startRedisCluster();
});
after(() => cluster.stop());

/** A connection to the test cluster, waiting until it is ready. */
async function connection(): Promise<RedisConnection> {
  const redis = new RedisConnection({ url: cluster.url });
  assert.ok(await redis.waitReady(5000), 'the cluster is reachable');
  return redis;
}

rateLimitStoreContract('redis cluster', async () => new RedisRateLimitStore(await connection()));
quotaStoreContract('redis cluster', async () => new RedisQuotaStore(await connection()));
authorizerCacheContract('redis cluster', async () => new RedisAuthorizerCache(await connection()));
responseCacheContract('redis cluster', async () => new RedisResponseCache(await connection()));
connectionRegistryContract('redis cluster', async () => {
  const registry = new RedisConnectionRegistry({ redis: await connection(), nodeId: randomUUID() });
  assert.ok(await registry.ready());
  return registry;
});

/** A connection kept for looking at what the stores wrote; released after the test. */
async function inspect(t: TestContext): Promise<RedisConnection> {
  const raw = await connection();
  raw.acquire();
  t.after(() => raw.release());
  return raw;
}

/** Plain clients to each master, for what one server holds. */
function masters(t: TestContext): Redis[] {
  const clients = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1' }));
  t.after(() => Promise.all(clients.map((c) => c.quit())));
  return clients;
}

/** The hash slot of `key` (CLUSTER KEYSLOT). */
const slot = (client: Redis, key: string): Promise<number> => client.cluster('KEYSLOT', key) as Promise<number>;

describe('Redis stores on a cluster: what only a cluster has', () => {
  test('the connection is a cluster of three masters, ready, and knows when they started', async (t) => {
    const raw = await inspect(t);
    assert.equal(raw.isCluster, true);
    assert.equal(raw.masters().length, 3);
    assert.equal(await raw.ready(), true);
    const startedAt = await raw.startedAt();
    assert.ok(startedAt > Date.now() - 600_000 && startedAt <= Date.now(), `startedAt ${startedAt}`);
  });

  test('buckets of different keys spread over every master; the keys are named as on one server', async (t) => {
    const raw = await inspect(t);
    const store = new RedisRateLimitStore(raw);
    t.after(() => store.close());
    const prefix = randomUUID();
    const keys = Array.from({ length: 60 }, (_, i) => `${prefix}:GET /pets/{id}:${i}`);
    for (const key of keys) assert.equal(await store.take(key, { rate: 1, burst: 5 }), true);
    const held = await Promise.all(masters(t).map(async (m) => (await m.keys(`portico:rl:{${prefix}*`)).length));
    assert.equal(held.reduce((a, b) => a + b, 0), 60);
    assert.ok(held.every((n) => n > 0), `keys per master: ${held.join(', ')}`);
    assert.equal(raw.key('rl', keys[0] ?? ''), `portico:rl:{${prefix}:GET /pets/%7Bid%7D:0}`);
  });

  test('a quota counter and its daily usage record share a slot; three clients admit exactly the limit', async (t) => {
    const [m] = masters(t) as [Redis];
    const stores = await Promise.all([1, 2, 3].map(async () => new RedisQuotaStore(await connection())));
    t.after(() => Promise.all(stores.map((s) => s.close())));
    const raw = await inspect(t);
    const key = `quota:plan:${randomUUID()}`;
    assert.equal(await slot(m, raw.key('quota', key)), await slot(m, `${raw.key('usage', key)}:2024-02-29`));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (stores[i % 3] as RedisQuotaStore).consume(key, 23, 0, 86_400_000, '2024-02-29')));
    assert.equal(results.filter((r) => r.allowed).length, 23);
    const usage = await (stores[0] as RedisQuotaStore).usage(key, ['2024-02-28', '2024-02-29']);
    assert.deepEqual([...usage], [['2024-02-29', { used: 23, remaining: 0 }]]);
  });

  test("a stage cache's counter and entries share a slot; an entry set through one client is read and flushed through another", async (t) => {
    const raw = await inspect(t);
    const a = new RedisResponseCache(await connection());
    const b = new RedisResponseCache(await connection());
    t.after(() => Promise.all([a.close(), b.close()]));
    const ns = `${randomUUID()}/prod`;
    const value = { statusCode: 200, headers: [['Content-Type', 'application/octet-stream']] as [string, string][], body: Buffer.from([0, 255, 1, 254]) };
    await a.set(ns, 'GET /pets', value, { ttlSeconds: 30 });
    assert.deepEqual(await b.get(ns, 'GET /pets'), value);
    const counter = raw.key('rc', ns);
    const holders = await Promise.all(masters(t).map((m) => m.keys(`${counter.replace(/[{}]/g, '\\$&')}:*`)));
    assert.equal(holders.flat().length, 1, 'one entry');
    const [m] = masters(t) as [Redis];
    assert.equal(await slot(m, holders.flat()[0] ?? ''), await slot(m, counter));
    await b.flush(ns);
    assert.equal(await a.get(ns, 'GET /pets'), undefined);
  });

  test('an authorizer-cache flush scans every master and deletes only its prefix', async (t) => {
    const store = new RedisAuthorizerCache(await connection());
    t.after(() => store.close());
    const api = randomUUID().slice(0, 8);
    await Promise.all(Array.from({ length: 600 }, (_, i) => store.set(`authz:${api}/prod/${i}`, i, 300)));
    await store.set(`authz:${api}/prod2/x`, 'other stage', 300);
    const held = await Promise.all(masters(t).map(async (m) => (await m.keys(`portico:authz:{authz:${api}/prod/*`)).length));
    assert.ok(held.every((n) => n > 0), `keys per master: ${held.join(', ')}`);
    assert.equal(await store.flush(`authz:${api}/prod/`), 600);
    assert.equal(await store.get(`authz:${api}/prod/7`), undefined);
    assert.equal(await store.get(`authz:${api}/prod2/x`), 'other stage');
  });
});

/** A gateway node's registry on the cluster: its own connection and node id; closed after the test. */
async function node(t: TestContext, options: { relayTimeoutMs?: number } = {}): Promise<{ registry: RedisConnectionRegistry; redis: RedisConnection; nodeId: string }> {
  const redis = await connection();
  const nodeId = randomUUID();
  const registry = new RedisConnectionRegistry({ redis, nodeId, ...(options.relayTimeoutMs ? { relayTimeoutMs: options.relayTimeoutMs } : {}) });
  assert.ok(await registry.ready());
  t.after(() => registry.close());
  return { registry, redis, nodeId };
}

describe('RedisConnectionRegistry across nodes on a cluster (sharded pub/sub inboxes)', () => {
  test("posts sent through node B reach the socket held by node A, in call order, as 'sent'", async (t) => {
    const a = await node(t);
    const b = await node(t);
    const info = connectionInfo({ nodeId: a.nodeId });
    const socket = new RecordingConnection();
    await a.registry.add(info, socket);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => b.registry.send(info.connectionId, Buffer.from(String(i)), false)));
    assert.ok(results.every((r) => r === 'sent'));
    assert.deepEqual(socket.sent.map((m) => m.data.toString()), Array.from({ length: 20 }, (_, i) => String(i)));
    assert.deepEqual(await b.registry.get(info.connectionId), info);
    assert.equal(await b.registry.disconnect(info.connectionId), 'closed');
    assert.equal(await b.registry.get(info.connectionId), undefined);
  });

  test('every inbox is seen listening whichever master owns its slot', async (t) => {
    const b = await node(t);
    const others = await Promise.all(Array.from({ length: 6 }, () => node(t)));
    const [m] = masters(t) as [Redis];
    const slots = await Promise.all(others.map((o) => slot(m, o.redis.key('node', o.nodeId))));
    assert.ok(new Set(slots).size > 1, 'inboxes on several slots');
    for (const o of others) {
      const info = connectionInfo({ nodeId: o.nodeId });
      await o.registry.add(info, new RecordingConnection());
      assert.deepEqual(await b.registry.get(info.connectionId), info);
      assert.equal(await b.registry.send(info.connectionId, Buffer.from('x'), false), 'sent');
    }
  });

  test('a record of a dead node (no inbox subscriber on any master) is gone at once', async (t) => {
    const b = await node(t);
    const raw = await inspect(t);
    const info = connectionInfo();
    const key = raw.key('conn', info.connectionId);
    await raw.client.hset(key, { ...info, via: 'crashed-node' });
    await raw.client.pexpire(key, 5000);
    assert.equal(await b.registry.get(info.connectionId), undefined);
    assert.equal(await b.registry.send(info.connectionId, Buffer.from('x'), false), 'gone');
    assert.equal(await b.registry.disconnect(info.connectionId), 'gone');
  });

  test('a holding node that is subscribed but never answers makes the call reject (a 500, not a 410)', async (t) => {
    const b = await node(t, { relayTimeoutMs: 200 });
    const raw = await inspect(t);
    const mute = raw.createClient({ enableOfflineQueue: true, maxRetriesPerRequest: null }, { shardedSubscribers: true });
    t.after(() => mute.quit());
    await mute.ssubscribe(raw.key('node', 'mute-node'));
    const info = connectionInfo();
    await raw.client.hset(raw.key('conn', info.connectionId), { ...info, via: 'mute-node' });
    await assert.rejects(b.registry.send(info.connectionId, Buffer.from('x'), false), { code: 'PORTICO_ERR_WS_RELAY_TIMEOUT' });
    assert.deepEqual(await b.registry.get(info.connectionId), info);
  });
});
