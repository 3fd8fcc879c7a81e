/** WebSocket API entries of portico.yaml: the model they load into, and their mistakes located. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../src/config/load-project.ts';
import type { WebSocketApi } from '../../src/model/index.ts';
import { writeProject } from '../helpers/gateway.ts';
import { assertError, loadErrors, y } from './helpers.ts';

const handler = 'export const handler = async () => ({ statusCode: 200 });';

test('a WebSocket API loads: routes, integrations, two-way routes, stage, limits', (t) => {
  const dir = writeProject(t, {
    'portico.yaml': y`
      functions:
        connect: { handler: h.handler }
        echo: { handler: h.handler }
      apis:
        - name: chat
          type: WEBSOCKET
          port: 3001
          stage: dev
          stageVariables: { room: lobby }
          routes:
            $connect: { function: connect }
            $disconnect: {}
            $default: { function: echo, routeResponse: true }
            ping: { mock: '{"pong":true}', routeResponse: true }
            relay: { http: "http://127.0.0.1:9000/relay", timeoutInMillis: 5000 }
          limits: { idleTimeoutSeconds: 0.5, maxMessageBytes: 1024 }
    `,
    'h.mjs': handler,
  });
  const api = loadProject(dir).apis[0] as WebSocketApi;
  assert.equal(api.protocolType, 'WEBSOCKET');
  assert.equal(api.routeSelectionExpression, '$request.body.action');
  assert.deepEqual(api.stages.map((s) => [s.stageName, s.stageVariables]), [['dev', { room: 'lobby' }]]);
  const byKey = Object.fromEntries(api.routes.map((r) => [r.routeKey, r]));
  assert.equal(byKey['$connect']?.integration?.integrationType, 'AWS_PROXY');
  assert.equal(byKey['$disconnect']?.integration, undefined);
  assert.equal(byKey['$default']?.twoWay, true);
  assert.deepEqual(byKey['ping']?.integration, { integrationId: 'ping', timeoutInMillis: 29000, source: byKey['ping']?.source, integrationType: 'MOCK', responseBody: '{"pong":true}' });
  assert.equal(byKey['relay']?.integration?.integrationType, 'HTTP_PROXY');
  assert.equal(byKey['relay']?.integration?.timeoutInMillis, 5000);
  assert.equal(api.limits.idleTimeoutMs, 500);
  assert.equal(api.limits.maxMessageBytes, 1024);
  assert.equal(api.limits.maxFrameBytes, 32 * 1024);
  assert.equal(api.limits.maxConnectionMs, 2 * 3600 * 1000);
});

test('WebSocket API mistakes are located', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': y`
      functions:
        f: { handler: h.handler }
      apis:
        - name: chat
          type: WEBSOCKET
          stage: $default
          cors: { allowOrigins: ["*"] }
          routes:
            $weird: { function: f }
            send: { function: missing }
            two: { function: f, mock: "x" }
            empty: {}
            $connect: { function: f, routeResponse: true }
            slow: { function: f, timeoutInMillis: 30000 }
            mapped: { function: f, requestParameters: { "append:header.x": "y" } }
    `,
    'h.mjs': handler,
  });
  assertError(errors, 'portico.yaml:6', '$.apis[0].stage', /no \$default stage/);
  assertError(errors, 'portico.yaml:7', '$.apis[0].cors', /not supported for WebSocket APIs/);
  assertError(errors, 'portico.yaml:9', '$.apis[0].routes.$weird', /custom route keys can't/);
  assertError(errors, 'portico.yaml:10', '$.apis[0].routes.send.function', /function "missing" is not defined/);
  assertError(errors, 'portico.yaml:11', '$.apis[0].routes.two', /one of "function", "http" or "mock", got "function" and "mock"/);
  assertError(errors, 'portico.yaml:12', '$.apis[0].routes.empty', /needs one of/);
  assertError(errors, 'portico.yaml:13', '$.apis[0].routes.$connect.routeResponse', /can not be a two-way route/);
  assertError(errors, 'portico.yaml:14', '$.apis[0].routes.slow.timeoutInMillis', /at most 29000/);
  assertError(errors, 'portico.yaml:15', '$.apis[0].routes.mapped.requestParameters', /not supported on WebSocket routes/);
  assert.equal(errors.length, 9);
});

test('WebSocket-only keys on an HTTP API are located', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': y`
      functions:
        f: { handler: h.handler }
      apis:
        - name: api
          type: HTTP
          routeSelectionExpression: $request.body.action
          routes:
            "GET /a": { function: f, routeResponse: true }
    `,
    'h.mjs': handler,
  });
  assertError(errors, 'portico.yaml:6', '$.apis[0].routeSelectionExpression', /only for WebSocket APIs/);
  assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /a'].routeResponse", /only for WebSocket API routes/);
  assert.equal(errors.length, 2);
});

test('a bad routeSelectionExpression is located at load', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': y`
      apis:
        - name: chat
          type: WEBSOCKET
          routeSelectionExpression: $request.header.x
          routes:
            $default: { mock: "hi" }
    `,
  });
  assertError(errors, 'portico.yaml:4', '$.apis[0].routeSelectionExpression', /unknown variable "\$request\.header\.x"/);
  assert.equal(errors.length, 1);
});
