/**
 * What only the Redis quota store has for daily usage: the record shares the counter's hash tag
 * (one script, one Cluster slot) and expires 90 days after its last request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RedisConnection } from '../../src/state/redis/connection.ts';
import { RedisQuotaStore } from '../../src/state/quota/redis.ts';
import { startRedis } from '../helpers/redis.ts';

test('a usage record shares the counter hash tag and lives 90 days', async (t) => {
  const server = await startRedis(t);
  const raw = new RedisConnection({ url: server.url });
  assert.ok(await raw.waitReady(5000));
  raw.acquire();
  t.after(() => raw.release());
  const store = new RedisQuotaStore(raw);
  t.after(() => store.close());
  const key = `quota:plan1:${randomUUID()}`;
  assert.deepEqual(await store.consume(key, 10, 0, 86_400_000, '2024-02-29'), { allowed: true, remaining: 9 });
  const usageKey = `${raw.key('usage', key)}:2024-02-29`;
  const tag = (k: string): string | undefined => /\{([^}]*)\}/.exec(k)?.[1];
  assert.equal(tag(usageKey), tag(raw.key('quota', key)));
  assert.deepEqual(await raw.client.hgetall(usageKey), { u: '1', r: '9' });
  const ttl = await raw.client.pttl(usageKey);
  assert.ok(ttl > 89 * 86_400_000 && ttl <= 90 * 86_400_000, `ttl ${ttl}`);
});
