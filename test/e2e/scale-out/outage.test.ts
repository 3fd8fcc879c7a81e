/**
 * Redis killed and restarted under load, with two `portico serve` processes that name it in
 * portico.yaml (`state.redis`): one with `failMode: open`, one with `failMode: closed`. Neither
 * crashes, every request is answered (open: 200, unthrottled; closed: 503) without waiting on
 * the dead server, the outage is logged once, and limits are enforced again within seconds of
 * the restart. Kong's `fault_tolerant` flag is the model (style.md §7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writeProject } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';
import { alive, startNode, type GatewayNode } from './nodes.ts';

const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;
const API = `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /limited:
    get: { x-amazon-apigateway-integration: ${MOCK} }
  /metered:
    get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;
const KEY = 'outage-key-0123456789abcdef';
const project = (url: string, failMode: 'open' | 'closed'): string => `
state: { redis: "${url}", failMode: ${failMode} }
apis:
  - name: pets
    type: REST
    openapi: api.yaml
    stages:
      - name: prod
        # Never refuses under this load, but every request asks the store.
        throttling: { rateLimit: 10000, burstLimit: 5000 }
apiKeys:
  - { name: client, value: ${KEY} }
usagePlans:
  - { name: metered, apiStages: [{ api: pets, stage: prod }], quota: { limit: 5, period: DAY }, apiKeys: [client] }
`;

/** One GET; the status (0 for a connection error) and how long it took. */
async function get(node: GatewayNode, path: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  try {
    const res = await request(`${node.base}${path}`, { headers });
    await res.body.dump();
    return { status: res.statusCode, ms: performance.now() - start };
  } catch {
    return { status: 0, ms: performance.now() - start };
  }
}

/** Requests `node` in a loop (`workers` at a time) until `stop()`; resolves with every result. */
function load(node: GatewayNode, workers = 4): { stop: () => Promise<{ status: number; ms: number }[]> } {
  let running = true;
  const results: { status: number; ms: number }[] = [];
  const loops = Array.from({ length: workers }, async () => {
    while (running) results.push(await get(node, '/prod/limited'));
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

const statuses = (results: readonly { status: number }[]): Record<number, number> => results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

test('Redis killed and restarted mid-load: no crash, answers per failMode, recovery within seconds', async (t) => {
  const redis = await startRedis(t);
  const [open, closed] = await Promise.all(
    (['open', 'closed'] as const).map((mode) => startNode(t, writeProject(t, { 'portico.yaml': project(redis.url, mode), 'api.yaml': API }))),
  ) as [GatewayNode, GatewayNode];
  for (const node of [open, closed]) assert.equal((await get(node, '/prod/limited')).status, 200);

  // Under load on both nodes, Redis dies without a goodbye.
  let loads = [load(open), load(closed)];
  await new Promise((r) => setTimeout(r, 300));
  await redis.kill();
  await new Promise((r) => setTimeout(r, 100));
  // Requests in flight as it died were answered too, each per its node's mode.
  const [openAcross = [], closedAcross = []] = await Promise.all(loads.map((l) => l.stop()));
  assert.ok(openAcross.every((r) => r.status === 200), JSON.stringify(statuses(openAcross)));
  assert.ok(closedAcross.every((r) => r.status === 200 || r.status === 503), JSON.stringify(statuses(closedAcross)));
  loads = [load(open), load(closed)];
  await new Promise((r) => setTimeout(r, 1500));
  const [openDown = [], closedDown = []] = await Promise.all(loads.map((l) => l.stop()));
  const ms = [...openDown, ...closedDown].map((r) => r.ms).sort((x, y) => x - y);
  t.diagnostic(`Redis down: open node ${JSON.stringify(statuses(openDown))}, closed node ${JSON.stringify(statuses(closedDown))}; latency median ${Math.round(ms[ms.length >> 1] ?? 0)} ms, max ${Math.round(ms.at(-1) ?? 0)} ms`);
  assert.deepEqual(Object.keys(statuses(openDown)), ['200'], 'fail open: every request served');
  assert.deepEqual(Object.keys(statuses(closedDown)), ['503'], 'fail closed: every request answered 503');
  assert.ok(openDown.length > 20 && closedDown.length > 20, 'requests kept flowing');
  // Nothing waits for the dead server (commands fail at once, not after a timeout); the bound
  // is loose because the machine runs other tests meanwhile.
  assert.ok((ms[ms.length >> 1] ?? 0) < 250, 'median latency while Redis is down');
  // The quota fails the same way.
  assert.equal((await get(open, '/prod/metered', { 'x-api-key': KEY })).status, 200);
  assert.equal((await get(closed, '/prod/metered', { 'x-api-key': KEY })).status, 503);
  // What a client of the closed node reads: a retryable 503 saying so.
  const refused = await request(`${closed.base}/prod/limited`);
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.headers['x-amzn-errortype'], 'ServiceUnavailableException');
  assert.deepEqual(await refused.body.json(), { message: 'Service Unavailable' });

  // Redis comes back (empty): how long until the closed node serves again?
  const restarted = performance.now();
  await redis.restart();
  let recoveredMs = -1;
  while (performance.now() - restarted < 10_000) {
    if ((await get(closed, '/prod/limited')).status === 200) {
      recoveredMs = performance.now() - restarted;
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  t.diagnostic(`closed node serving again ${Math.round(recoveredMs)} ms after the restart began`);
  assert.ok(recoveredMs >= 0 && recoveredMs < 5000, `recovered in ${recoveredMs} ms`);
  // The open node answers 200 either way; wait until it says it is back on Redis (its own
  // reconnect backoff, up to 1 s) before counting the quota through it.
  const back = performance.now();
  while (!open.logs().some((l) => String(l['msg']).startsWith('redis reachable again')) && performance.now() - back < 5000) await new Promise((r) => setTimeout(r, 25));
  assert.equal((await get(open, '/prod/limited')).status, 200);

  // Limits are shared and enforced again: the quota of 5 (counted from 0: Redis restarted empty).
  const metered = await Promise.all(Array.from({ length: 8 }, (_, i) => get(i % 2 ? open : closed, '/prod/metered', { 'x-api-key': KEY })));
  assert.deepEqual(statuses(metered), { 200: 5, 429: 3 });

  for (const node of [open, closed]) {
    assert.ok(alive(node), `still running; stderr: ${node.stderr()}`);
    const logs = node.logs();
    const codes = logs.map((l) => l['code']);
    assert.equal(codes.filter((c) => c === 'PORTICO_ERR_REDIS_UNAVAILABLE').length, 1, 'the outage is logged once per node');
    assert.ok(logs.some((l) => String(l['msg']).startsWith('redis reachable again')));
    // The throttle phase logs its own failure once per outage, not once per request.
    assert.equal(logs.filter((l) => String(l['msg']).startsWith('PORTICO_ERR_RATE_LIMIT_STORE') && String(l['key']).endsWith(':prod:GET /limited')).length, 1);
    assert.ok(!/unhandled|uncaught/i.test(node.stderr()), node.stderr());
  }
});
