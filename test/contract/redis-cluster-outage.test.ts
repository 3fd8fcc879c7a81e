/**
 * One master of a Redis Cluster dies (SIGKILL, no replica to take over): calls on its slots fail
 * within about a second, calls on the other masters' slots keep working, and the outage is
 * logged once however the two alternate. A cluster of its own, since it is broken on purpose.
 * https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisRateLimitStore } from '../../src/state/rate-limit/redis.ts';
import { startRedisCluster } from '../helpers/redis.ts';

test('a dead master fails the calls on its slots fast, the others keep working, and the outage is logged once', async (t) => {
  const cluster = await startRedisCluster(t);
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const redis = new RedisConnection({ url: cluster.url, logger: pino({ base: null }, sink) });
  assert.ok(await redis.waitReady(5000));
  const store = new RedisRateLimitStore(redis);
  t.after(() => store.close());

  // One key per master: CLUSTER KEYSLOT + the slot ranges of CLUSTER SLOTS tell who owns which.
  const victim = cluster.ports[0] as number;
  const probe = new Redis({ port: victim, host: '127.0.0.1' });
  const ranges = await probe.cluster('SLOTS');
  const ownerPort = async (key: string): Promise<number> => {
    const slot = (await probe.cluster('KEYSLOT', redis.key('rl', key))) as number;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range?.[2]?.[1] ?? -1;
  };
  const keyOn = new Map<number, string>();
  while (keyOn.size < 3) {
    const key = randomUUID();
    keyOn.set(await ownerPort(key), key);
  }
  probe.disconnect();
  const limit = { rate: 1000, burst: 1000 };
  for (const key of keyOn.values()) assert.equal(await store.take(key, limit), true);

  await cluster.kill(0);
  const dead = keyOn.get(victim) as string;
  const alive = [...keyOn].filter(([port]) => port !== victim).map(([, key]) => key);
  for (let i = 0; i < 3; i++) {
    const start = Date.now();
    await assert.rejects(store.take(dead, limit));
    // Retried 100 ms apart a few times (a failover could be under way), then failed.
    const ms = Date.now() - start;
    t.diagnostic(`a call on the dead master's slots failed after ${ms} ms`);
    assert.ok(ms < 2500, `failed after ${ms} ms`);
    for (const key of alive) assert.equal(await store.take(key, limit), true);
  }
  assert.equal(await redis.ready(), false, 'not ready while a master is missing');
  assert.equal(redis.stats.outages, 1);
  assert.equal(lines.filter((l) => l['code'] === 'PORTICO_ERR_REDIS_UNAVAILABLE').length, 1);
  assert.ok(!lines.some((l) => String(l['msg']).startsWith('redis reachable again')), 'a success on another master does not end the outage');
});
