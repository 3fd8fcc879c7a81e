/**
 * Two `portico serve --redis redis+cluster://…` processes on a real three-master Redis Cluster
 * share state as they do on one Redis: a usage-plan quota admits exactly its limit over both
 * nodes under concurrent load, and a PostToConnection sent to one node reaches the WebSocket
 * client held by the other (through the holder's sharded pub/sub inbox).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { WebSocket } from 'ws';
import { ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { writeProject } from '../../helpers/gateway.ts';
import { startRedisCluster } from '../../helpers/redis.ts';
import { startNode } from './nodes.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;
const REST = `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /metered:
    get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;
const QUOTA = 40;
const KEY = 'cluster-key-0123456789abcdef';
const PROJECT = `
functions:
  whoami: { handler: chat.whoami }
apis:
  - { name: pets, type: REST, apiId: pets1, openapi: api.yaml, stages: [{ name: prod }] }
  - name: chat
    type: WEBSOCKET
    apiId: chat1
    stage: dev
    routes:
      whoami: { function: whoami, routeResponse: true }
apiKeys:
  - { name: client, value: ${KEY} }
usagePlans:
  - { name: metered, apiStages: [{ api: pets, stage: prod }], quota: { limit: ${QUOTA}, period: DAY }, apiKeys: [client] }
`;
const HANDLERS = `export const whoami = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n`;

test('two gateway processes on a Redis Cluster share a usage-plan quota exactly and relay @connections posts', async (t) => {
  const cluster = await startRedisCluster(t);
  const dir = writeProject(t, { 'portico.yaml': PROJECT, 'api.yaml': REST, 'chat.mjs': HANDLERS });
  const [a, b] = await Promise.all([1, 2].map(() => startNode(t, dir, ['--redis', cluster.url])));
  assert.ok(a && b);

  await t.test(`a quota of ${QUOTA} admits exactly ${QUOTA} of ${QUOTA * 3} concurrent requests spread over both nodes`, async () => {
    const dispatcher = new Agent({ connections: 64 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: QUOTA * 3 }, async (_, i) => {
          const res = await request(`${(i % 2 ? a : b).base}/_aws/execute-api/pets1/prod/metered`, { headers: { 'x-api-key': KEY }, dispatcher });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      assert.equal(statuses.filter((s) => s === 200).length, QUOTA);
      assert.equal(statuses.filter((s) => s === 429).length, QUOTA * 2);
    } finally {
      await dispatcher.close();
    }
  });

  await t.test('a post sent to node B reaches the WebSocket client on node A; GetConnection on B sees it', async (t2) => {
    const ws = new WebSocket(`${a.base.replace('http', 'ws')}/_aws/execute-api/chat1/dev`);
    t2.after(() => ws.terminate());
    await once(ws, 'open');
    const reply = once(ws, 'message') as Promise<[Buffer]>;
    ws.send('{"action":"whoami"}');
    const id = (await reply)[0].toString();
    const viaB = new ApiGatewayManagementApiClient({ endpoint: `${b.base}/_aws/execute-api/chat1/dev`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    t2.after(() => viaB.destroy());
    const received = once(ws, 'message') as Promise<[Buffer]>;
    await viaB.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'hello from B' }));
    assert.equal((await received)[0].toString(), 'hello from B');
    const info = await viaB.send(new GetConnectionCommand({ ConnectionId: id }));
    assert.equal(info.Identity?.SourceIp, '127.0.0.1');
  });

  await t.test('both nodes ran on the cluster and none logged a store failure', () => {
    for (const node of [a, b]) {
      const logs = node.logs();
      assert.ok(logs.some((l) => l['msg'] === 'shared state in redis'), node.lines.join('\n'));
      assert.ok(!logs.some((l) => l['code'] === 'PORTICO_ERR_REDIS_UNAVAILABLE' || String(l['msg']).includes('store failed')), node.lines.join('\n'));
    }
  });
});
