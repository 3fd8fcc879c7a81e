/**
 * The admin port's /metrics through real sockets: REST, HTTP and WebSocket traffic (success,
 * 4xx, 5xx, a Lambda handler that throws), scraped over HTTP, exact counts and label sets.
 * Also /health, an unknown admin path, and that the API ports serve none of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'undici';
import WebSocket from 'ws';
import { serveFiles } from '../../helpers/gateway.ts';
import { scrape, value } from './prometheus.ts';
import { REST_AND_FUNCTIONS } from './fixtures.ts';


const files = {
  'portico.yaml': `
admin: { port: 0 }
functions:
  ok: { handler: fns.ok }
  boom: { handler: fns.boom }
apis:
  - name: shop
    apiId: shop000001
    type: REST
    openapi: rest.yaml
    stage: prod
  - name: pets
    apiId: pets000001
    type: HTTP
    routes:
      "GET /ok": { function: ok }
      "GET /boom": { function: boom }
  - name: chat
    apiId: chat000001
    type: WEBSOCKET
    stage: dev
    routes:
      $connect: { function: ok }
      send: { function: ok, routeResponse: true }
      fail: { function: boom }
`,
  ...REST_AND_FUNCTIONS,
};

test('GET /metrics counts AWS metrics per api, stage and route', async (t) => {
  const gw = await serveFiles(t, files);
  const admin = gw.gateway.adminPort;
  assert.ok(admin !== undefined && admin > 0, 'the admin port is bound');
  const get = async (apiId: string, path: string): Promise<number> => {
    const res = await request(`${gw.base}${path}`, { headers: { host: `${apiId}.execute-api.localhost` } });
    await res.body.dump();
    return res.statusCode;
  };

  // REST: two successes, a Lambda that throws (502), an unknown resource (403), an unknown stage (403).
  assert.equal(await get('shop000001', '/prod/ok'), 200);
  assert.equal(await get('shop000001', '/prod/ok'), 200);
  assert.equal(await get('shop000001', '/prod/boom'), 502);
  assert.equal(await get('shop000001', '/prod/missing'), 403);
  assert.equal(await get('shop000001', '/nostage/ok'), 403);
  // HTTP: a success, a Lambda that throws (500), no route (404).
  assert.equal(await get('pets000001', '/ok'), 200);
  assert.equal(await get('pets000001', '/boom'), 500);
  assert.equal(await get('pets000001', '/nope'), 404);

  // WebSocket: $connect, a two-way message, a failing integration, a message no route takes.
  const ws = new WebSocket(`${gw.base.replace('http', 'ws')}/_aws/execute-api/chat000001/dev`);
  await once(ws, 'open');
  const frames: string[] = [];
  const next = (): Promise<string> => new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  for (const action of ['send', 'fail', 'nope']) {
    const reply = next();
    ws.send(JSON.stringify({ action }));
    frames.push(await reply);
  }
  assert.equal(frames[0], 'fine');
  assert.match(frames[1] as string, /Internal server error/);
  assert.match(frames[2] as string, /Forbidden/);
  ws.close();
  await once(ws, 'close');

  const { samples, contentType } = await scrape(admin);
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  const rest = (resource: string, method: string, stage = 'prod'): Record<string, string> => ({ ApiName: 'shop', Stage: stage, Resource: resource, Method: method });
  assert.equal(value(samples, 'apigateway_rest_count_total', rest('/ok', 'GET')), 2);
  assert.equal(value(samples, 'apigateway_rest_4xx_error_total', rest('/ok', 'GET')), 0);
  assert.equal(value(samples, 'apigateway_rest_5xx_error_total', rest('/ok', 'GET')), 0);
  assert.equal(value(samples, 'apigateway_rest_latency_milliseconds_count', rest('/ok', 'GET')), 2);
  assert.equal(value(samples, 'apigateway_rest_integration_latency_milliseconds_count', rest('/ok', 'GET')), 2);
  assert.equal(value(samples, 'apigateway_rest_count_total', rest('/boom', 'GET')), 1);
  assert.equal(value(samples, 'apigateway_rest_5xx_error_total', rest('/boom', 'GET')), 1);
  assert.equal(value(samples, 'apigateway_rest_4xx_error_total', rest('-', '-')), 1, 'the unknown resource, under "-" (never the raw path)');
  assert.equal(value(samples, 'apigateway_rest_4xx_error_total', rest('-', '-', '-')), 1, 'the unknown stage, under "-"');
  assert.equal(value(samples, 'apigateway_rest_cache_hit_count_total', rest('/ok', 'GET')), undefined, 'no stage cache: no cache series');
  assert.ok(!samples.some((s) => Object.values(s.labels).some((v) => v.includes('missing') || v.includes('nostage'))), 'no label holds a raw path');

  const http = (route: string): Record<string, string> => ({ ApiId: 'pets000001', Stage: '$default', Route: route });
  assert.equal(value(samples, 'apigateway_http_count_total', http('GET /ok')), 1);
  assert.equal(value(samples, 'apigateway_http_4xx_total', http('GET /ok')), 0);
  assert.equal(value(samples, 'apigateway_http_5xx_total', http('GET /boom')), 1);
  assert.equal(value(samples, 'apigateway_http_4xx_total', http('-')), 1);
  assert.equal(value(samples, 'apigateway_http_integration_latency_milliseconds_count', http('GET /ok')), 1);
  assert.equal(value(samples, 'apigateway_http_data_processed_bytes_total', http('GET /ok')), 4, 'the 4-byte response body');
  // A latency lands in a bucket: the +Inf bucket holds every observation.
  assert.equal(value(samples, 'apigateway_http_latency_milliseconds_bucket', { ...http('GET /ok'), le: '+Inf' }), 1);

  const wsl = (route: string): Record<string, string> => ({ ApiId: 'chat000001', Stage: 'dev', Route: route });
  assert.equal(value(samples, 'apigateway_websocket_connect_count_total', wsl('$connect')), 1);
  assert.equal(value(samples, 'apigateway_websocket_integration_latency_milliseconds_count', wsl('$connect')), 1);
  assert.equal(value(samples, 'apigateway_websocket_message_count_total', wsl('send')), 1);
  assert.equal(value(samples, 'apigateway_websocket_message_count_total', wsl('fail')), 1);
  assert.equal(value(samples, 'apigateway_websocket_execution_error_total', wsl('fail')), 1);
  assert.equal(value(samples, 'apigateway_websocket_client_error_total', wsl('-')), 1, 'the message no route takes');
  // Route "-": the unmatched message in, and the three frames out (reply, two error frames).
  assert.equal(value(samples, 'apigateway_websocket_message_count_total', wsl('-')), 4);
  assert.equal(value(samples, 'apigateway_websocket_integration_error_total', wsl('send')), 0);
});

test('/health answers 200, an unknown admin path 404, and the API port serves neither', async (t) => {
  const gw = await serveFiles(t, files);
  const admin = `http://127.0.0.1:${gw.gateway.adminPort}`;
  const health = await request(`${admin}/health`);
  assert.equal(health.statusCode, 200);
  assert.deepEqual(await health.body.json(), { status: 'ok' });
  const unknown = await request(`${admin}/nope`);
  assert.equal(unknown.statusCode, 404);
  assert.match(String(unknown.headers['content-type']), /application\/json/);
  assert.deepEqual(await unknown.body.json(), { message: 'Not Found' });
  const post = await request(`${admin}/health`, { method: 'POST' });
  assert.equal(post.statusCode, 404);
  await post.body.dump();
  const onApiPort = await request(`${gw.base}/metrics`, { headers: { host: 'pets000001.execute-api.localhost' } });
  assert.equal(onApiPort.statusCode, 404);
  assert.deepEqual(await onApiPort.body.json(), { message: 'Not Found' });
});

test('without an admin port nothing listens for it', async (t) => {
  const gw = await serveFiles(t, { ...files, 'portico.yaml': files['portico.yaml'].replace('admin: { port: 0 }\n', '') });
  assert.equal(gw.gateway.adminPort, undefined);
  assert.equal(gw.gateway.adminUrl, undefined);
});
