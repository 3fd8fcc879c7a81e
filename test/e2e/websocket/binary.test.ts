/**
 * Binary messages when an API opts in (`limits.acceptBinaryMessages`, not AWS's behaviour):
 * the MESSAGE event carries base64 with `isBase64Encoded: true`. Wired by hand (node:http +
 * CompiledWebSocketApi + a real worker-thread runtime), as the project file has no key for it yet.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AWS_WEBSOCKET_LIMITS, type FunctionConfig, type WebSocketApi } from '../../../src/model/index.ts';
import { createLambdaRuntime } from '../../../src/lambda/pool.ts';
import { MemoryConnectionRegistry } from '../../../src/state/connections/memory.ts';
import { MemoryQuotaStore } from '../../../src/state/quota/memory.ts';
import { MemoryRateLimitStore } from '../../../src/state/rate-limit/memory.ts';
import { CompiledWebSocketApi } from '../../../src/websocket/websocket-api.ts';
import { writeProject } from '../../helpers/gateway.ts';
import { open } from './helpers.ts';

test('binary messages, when the API accepts them', async (t) => {
  const dir = writeProject(t, {
    'echo.mjs': `export const handler = async (event) => event.body === 'AQID'
      ? { statusCode: 200, body: Buffer.from([9, 8, 7]).toString('base64'), isBase64Encoded: true }
      : { statusCode: 200, body: JSON.stringify({ body: event.body, isBase64Encoded: event.isBase64Encoded }) };`,
  });
  const fn: FunctionConfig = {
    name: 'echo', handler: 'echo.handler', modulePath: join(dir, 'echo.mjs'), exportName: 'handler', timeout: 3, memorySize: 128,
    environment: {}, reservedConcurrency: 2, maxQueue: 10, region: 'us-east-1', accountId: '123456789012',
  };
  const logger = pino({ enabled: false });
  const runtime = createLambdaRuntime({ functions: { echo: fn }, logger });
  const api: WebSocketApi = {
    apiId: 'binapi',
    name: 'bin',
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: '$request.body.action',
    routes: [{
      routeId: 'r1', routeKey: '$default', twoWay: true, source: 'test',
      integration: { integrationId: 'i1', integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:echo', functionName: 'echo', payloadFormatVersion: '1.0', timeoutInMillis: 29_000, source: 'test' },
    }],
    stages: [{ stageName: 'dev', stageVariables: {}, defaultRouteSettings: {}, routeSettings: {} }],
    limits: { ...AWS_WEBSOCKET_LIMITS, acceptBinaryMessages: true },
    source: 'test',
  };
  const compiled = new CompiledWebSocketApi(api, {
    runtime, rateLimits: new MemoryRateLimitStore(), quotas: new MemoryQuotaStore(), access: { apiKeys: [], usagePlans: [], createdAtMs: 0 }, connections: new MemoryConnectionRegistry(), accountId: '123456789012', region: 'us-east-1', nodeId: 'n1', logger, accessLog: logger,
  });
  const server = createServer();
  server.on('upgrade', (req, socket, head: Buffer) => compiled.upgrade(req, socket, head, req.url ?? '/'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    await compiled.close();
    await runtime.close();
    server.close();
  });
  const client = await open(t, `ws://127.0.0.1:${(server.address() as AddressInfo).port}/dev`);

  await t.test('a binary message reaches the function as base64 with isBase64Encoded true', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80]);
    client.ws.send(bytes);
    assert.deepEqual(JSON.parse((await client.next()) as string), { body: bytes.toString('base64'), isBase64Encoded: true });
  });

  await t.test('a text message is still text', async () => {
    client.ws.send('{"x":1}');
    assert.deepEqual(JSON.parse((await client.next()) as string), { body: '{"x":1}', isBase64Encoded: false });
  });

  await t.test('a result with isBase64Encoded true is sent as a binary frame', async () => {
    client.ws.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(await client.next(), Buffer.from([9, 8, 7]));
  });
});
