/**
 * Three `portico serve --redis` processes on one redis-server enforce ONE set of limits:
 * a usage-plan quota of N admits exactly N requests spread over the nodes under concurrent
 * load, and a stage throttle admits exactly one bucket's burst. Without Redis each node would
 * admit its own N (3N in all).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { writeProject } from '../../helpers/gateway.ts';
import { startRedis } from '../../helpers/redis.ts';
import { startNode } from './nodes.ts';

const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;
const API = `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /metered:
    get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: ${MOCK} }
  /burst:
    get: { x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;
const QUOTA = 50;
const BURST = 12;
const KEY = 'scale-out-key-0123456789abcdef';
const PROJECT = `
apis:
  - name: pets
    type: REST
    openapi: api.yaml
    stages:
      - name: prod
        throttling: { routes: { "GET /burst": { rateLimit: 0.001, burstLimit: ${BURST} } } }
apiKeys:
  - { name: client, value: ${KEY} }
usagePlans:
  - { name: metered, apiStages: [{ api: pets, stage: prod }], quota: { limit: ${QUOTA}, period: DAY }, apiKeys: [client] }
`;

/** Sends `n` requests at once, round-robin over `bases`; returns the status of each. */
async function burst(bases: readonly string[], path: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  // Enough sockets that the requests really are in flight together on every node.
  const dispatcher = new Agent({ connections: 64 });
  try {
    return await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await request(`${bases[i % bases.length]}${path}`, { headers, dispatcher });
        await res.body.dump();
        return res.statusCode;
      }),
    );
  } finally {
    await dispatcher.close();
  }
}

const count = (statuses: readonly number[], status: number): number => statuses.filter((s) => s === status).length;

test('three gateway processes on one Redis share usage-plan quotas and stage throttles exactly', async (t) => {
  const redis = await startRedis(t);
  const dir = writeProject(t, { 'portico.yaml': PROJECT, 'api.yaml': API });
  const nodes = await Promise.all([1, 2, 3].map(() => startNode(t, dir, ['--redis', redis.url])));
  const bases = nodes.map((n) => n.base);
  assert.equal(new Set(bases).size, 3, 'three processes, three ports');

  await t.test(`a quota of ${QUOTA} admits exactly ${QUOTA} of ${QUOTA * 3} concurrent requests spread over the nodes`, async () => {
    const statuses = await burst(bases, '/prod/metered', QUOTA * 3, { 'x-api-key': KEY });
    assert.equal(count(statuses, 200), QUOTA);
    assert.equal(count(statuses, 429), QUOTA * 2);
    // Every node refuses from now on, whichever served the last admitted request.
    assert.deepEqual(await burst(bases, '/prod/metered', 3, { 'x-api-key': KEY }), [429, 429, 429]);
  });

  await t.test(`a stage throttle with burst ${BURST} admits exactly ${BURST} of 60 concurrent requests over the nodes`, async () => {
    const statuses = await burst(bases, '/prod/burst', 60);
    assert.equal(count(statuses, 200), BURST);
    assert.equal(count(statuses, 429), 60 - BURST);
  });

  await t.test('every node ran on Redis and none logged a store failure', () => {
    for (const node of nodes) {
      const logs = node.logs();
      assert.ok(logs.some((l) => l['msg'] === 'shared state in redis'), node.lines.join('\n'));
      assert.ok(!logs.some((l) => String(l['msg']).includes('store failed')), 'no fail-open');
    }
  });
});
