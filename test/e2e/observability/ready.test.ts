/**
 * GET /ready on the admin port: 200 while the configured Redis answers, 503 once a real
 * redis-server is killed, 200 again after it restarts; 503 while the gateway shuts down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';
import { scrape, value } from './prometheus.ts';

async function ready(adminPort: number): Promise<{ status: number; body: unknown }> {
  const res = await request(`http://127.0.0.1:${adminPort}/ready`);
  return { status: res.statusCode, body: await res.body.json() };
}

/** Polls /ready until it answers `status` (Redis state changes are seen within about a second). */
async function until(adminPort: number, status: number): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await ready(adminPort);
    if (r.status === status || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('/ready follows the shared-state Redis: 503 when it dies, 200 once it is back', async (t) => {
  const redis = await startRedis(t);
  const gw = await serveFiles(t, {
    'portico.yaml': `
admin: { port: 0 }
state: { redis: "${redis.url}" }
functions:
  ok: { handler: fns.ok }
apis:
  - name: pets
    type: HTTP
    throttling: { rateLimit: 1000, burstLimit: 1000 }
    routes:
      "GET /ok": { function: ok }
`,
    'fns.mjs': 'export const ok = async () => ({ ok: true });',
  });
  const admin = gw.gateway.adminPort as number;
  assert.deepEqual(await ready(admin), { status: 200, body: { status: 'ready' } });
  const ok = async (): Promise<number> => {
    const res = await request(`${gw.base}/ok`);
    await res.body.dump();
    return res.statusCode;
  };
  assert.equal(await ok(), 200);
  let { samples } = await scrape(admin);
  assert.equal(value(samples, 'portico_redis_connected', {}), 1);

  await redis.kill();
  assert.deepEqual(await until(admin, 503), { status: 503, body: { status: 'not ready', reason: 'redis unreachable' } });
  // Liveness is not readiness: the process still answers.
  assert.equal((await request(`http://127.0.0.1:${admin}/health`)).statusCode, 200);
  ({ samples } = await scrape(admin));
  assert.equal(value(samples, 'portico_redis_connected', {}), 0);
  assert.equal(value(samples, 'portico_redis_outages_total', {}), 1);
  // failMode open (the default): throttled requests pass, and each is counted.
  assert.equal(value(samples, 'portico_state_fail_open_total', { api: 'pets', stage: '$default' }), undefined);
  for (let i = 0; i < 3; i++) assert.equal(await ok(), 200);
  ({ samples } = await scrape(admin));
  assert.equal(value(samples, 'portico_state_fail_open_total', { api: 'pets', stage: '$default' }), 3);

  await redis.restart();
  assert.deepEqual(await until(admin, 200), { status: 200, body: { status: 'ready' } });
});

test('/ready answers 503 while the gateway drains for shutdown', async (t) => {
  const gw = await serveFiles(t, {
    'portico.yaml': `
admin: { port: 0 }
functions:
  slow: { handler: fns.slow }
apis:
  - name: pets
    type: HTTP
    routes:
      "GET /slow": { function: slow }
`,
    'fns.mjs': 'export const slow = async () => { await new Promise((r) => setTimeout(r, 800)); return { ok: true }; };',
  });
  const admin = gw.gateway.adminPort as number;
  assert.equal((await ready(admin)).status, 200, 'ready without Redis: nothing to wait for');
  const inflight = request(`${gw.base}/slow`);
  await new Promise((r) => setTimeout(r, 200));
  const closing = gw.gateway.close();
  assert.deepEqual(await ready(admin), { status: 503, body: { status: 'not ready', reason: 'shutting down' } });
  assert.equal((await inflight).statusCode, 200, 'the in-flight request still finishes');
  await closing;
});
