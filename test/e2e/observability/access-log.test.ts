/**
 * Stage `accessLogSettings`: each console preset (CLF, JSON, XML, CSV) and a custom format
 * written to files, parsed field by field against the responses; the JSON access line
 * unchanged for stages without settings; an unknown variable refused at load with file:line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { loadProject } from '../../../src/config/load-project.ts';
import { ConfigErrors } from '../../../src/errors/index.ts';
import { startGateway, writeProject } from '../../helpers/gateway.ts';
import { REST_AND_FUNCTIONS } from './fixtures.ts';

const CUSTOM = '$context.requestId $context.extendedRequestId $context.status $context.responseLatency $context.integrationLatency $context.error.responseType $context.resourcePath $context.stage';

const files = {
  'portico.yaml': `
functions:
  ok: { handler: fns.ok }
  boom: { handler: fns.boom }
apis:
  - name: shop
    apiId: shop000001
    type: REST
    openapi: rest.yaml
    stages:
      - { name: clf, accessLogSettings: { format: CLF, destination: logs/clf.log } }
      - { name: json, accessLogSettings: { format: JSON, destination: logs/json.log } }
      - { name: xml, accessLogSettings: { format: XML, destination: logs/xml.log } }
      - { name: csv, accessLogSettings: { format: CSV, destination: logs/csv.log } }
      - { name: custom, accessLogSettings: { format: "${CUSTOM}", destination: logs/custom.log } }
      - { name: plain }
  - name: pets
    apiId: pets000001
    type: HTTP
    accessLogSettings:
      format: '$context.requestId "$context.routeKey" $context.status $context.responseLength $context.integrationStatus $context.error.message'
      destination: logs/http.log
    routes:
      "GET /ok": { function: ok }
  - name: chat
    apiId: chat000001
    type: WEBSOCKET
    stage: dev
    accessLogSettings: { format: CLF, destination: logs/ws.log }
    routes:
      $default: { function: ok }
`,
  ...REST_AND_FUNCTIONS,
  'logs/.keep': '',
};

/** The file's lines once it has `n` of them (lines are written at the end of an event-loop turn). */
async function lines(path: string, n: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const got = text.split('\n').filter((l) => l !== '');
    if (got.length >= n || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('presets and custom formats are written to their files, one line per request', async (t) => {
  const dir = writeProject(t, files);
  const gw = await startGateway(t, dir);
  const call = async (apiId: string, path: string): Promise<{ status: number; headers: Record<string, string> }> => {
    const res = await request(`${gw.base}${path}`, { headers: { host: `${apiId}.execute-api.localhost`, 'user-agent': 'obs-test' } });
    await res.body.dump();
    return { status: res.statusCode, headers: res.headers as Record<string, string> };
  };
  const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

  const clf = await call('shop000001', '/clf/ok');
  const [clfLine] = await lines(join(dir, 'logs/clf.log'), 1);
  const m = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+) (\S+) (\S+)$/.exec(clfLine ?? '');
  assert.ok(m, `CLF line: ${clfLine}`);
  assert.deepEqual(m.slice(1, 4), ['127.0.0.1', '-', '-']);
  assert.match(m[4] as string, CLF_TIME);
  assert.deepEqual(m.slice(5, 12), ['GET', '/ok', 'HTTP/1.1', '200', '4', clf.headers['x-amzn-requestid'], clf.headers['x-amz-apigw-id']]);

  const json = await call('shop000001', '/json/ok');
  const [jsonLine] = await lines(join(dir, 'logs/json.log'), 1);
  const parsed = JSON.parse(jsonLine ?? '') as Record<string, string>;
  assert.equal(parsed.requestId, json.headers['x-amzn-requestid']);
  assert.equal(parsed.extendedRequestId, json.headers['x-amz-apigw-id']);
  assert.deepEqual({ ...parsed, requestId: 'R', extendedRequestId: 'E', requestTime: 'T' }, { requestId: 'R', extendedRequestId: 'E', ip: '127.0.0.1', caller: '-', user: '-', requestTime: 'T', httpMethod: 'GET', resourcePath: '/ok', status: '200', protocol: 'HTTP/1.1', responseLength: '4' });
  assert.match(parsed.requestTime as string, CLF_TIME);

  const xml = await call('shop000001', '/xml/ok');
  const [xmlLine] = await lines(join(dir, 'logs/xml.log'), 1);
  const tag = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xmlLine ?? '')?.[1];
  assert.equal(/<request id="([^"]+)">/.exec(xmlLine ?? '')?.[1], xml.headers['x-amzn-requestid']);
  assert.equal(tag('extendedRequestId'), xml.headers['x-amz-apigw-id']);
  assert.deepEqual(['ip', 'httpMethod', 'resourcePath', 'status', 'protocol', 'responseLength'].map(tag), ['127.0.0.1', 'GET', '/ok', '200', 'HTTP/1.1', '4']);

  const csv = await call('shop000001', '/csv/ok');
  const [csvLine] = await lines(join(dir, 'logs/csv.log'), 1);
  const fields = (csvLine ?? '').split(',');
  assert.equal(fields.length, 11);
  assert.match(fields[3] as string, CLF_TIME);
  assert.deepEqual([...fields.slice(0, 3), ...fields.slice(4)], ['127.0.0.1', '-', '-', 'GET', '/ok', 'HTTP/1.1', '200', '4', csv.headers['x-amzn-requestid'], csv.headers['x-amz-apigw-id']]);

  // Custom: a success, then a failing integration (502, an error response type).
  const ok = await call('shop000001', '/custom/ok');
  const boom = await call('shop000001', '/custom/boom');
  assert.equal(boom.status, 502);
  const custom = (await lines(join(dir, 'logs/custom.log'), 2)).map((l) => l.split(' '));
  assert.equal(custom.length, 2);
  const [c1, c2] = custom as [string[], string[]];
  assert.deepEqual([c1[0], c1[1], c1[2], c1[5], c1[6], c1[7]], [ok.headers['x-amzn-requestid'], ok.headers['x-amz-apigw-id'], '200', '-', '/ok', 'custom']);
  assert.match(c1[3] as string, /^\d+$/, 'responseLatency: whole ms');
  assert.match(c1[4] as string, /^\d+$/, 'integrationLatency: whole ms');
  assert.ok(Number(c1[3]) >= Number(c1[4]), 'the response took at least as long as the integration');
  assert.deepEqual([c2[0], c2[2], c2[6]], [boom.headers['x-amzn-requestid'], '502', '/boom']);
  assert.match(c2[5] as string, /^[A-Z_]+$/, `error.responseType: ${c2[5]}`);

  // HTTP API short form.
  const pets = await call('pets000001', '/ok');
  const missing = await call('pets000001', '/nope');
  const http = await lines(join(dir, 'logs/http.log'), 2);
  assert.deepEqual(http, [`${pets.headers['apigw-requestid']} "GET /ok" 200 4 200 -`, `${missing.headers['apigw-requestid']} "-" 404 23 - Not Found`]);

  // WebSocket CLF: the CONNECT and the MESSAGE event.
  const ws = new WebSocket(`${gw.base.replace('http', 'ws')}/_aws/execute-api/chat000001/dev`);
  await once(ws, 'open');
  ws.send('hello');
  const wsLines = await lines(join(dir, 'logs/ws.log'), 2);
  ws.close();
  const wm = wsLines.map((l) => /^127\.0\.0\.1 - - \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+)$/.exec(l));
  assert.ok(wm[0] && wm[1], wsLines.join('\n'));
  assert.deepEqual(wm[0].slice(2, 4), ['CONNECT', '$connect']);
  assert.deepEqual(wm[1].slice(2, 4), ['MESSAGE', '$default']);
  assert.equal(wm[0][4], wm[1][4], 'one connection id');
  assert.equal(wm[1][5], '200');

  // A stage without settings keeps portico's JSON access line, field for field; the others write none.
  const plain = await call('shop000001', '/plain/ok');
  const access = gw.logs.filter((l) => l.log === 'access');
  assert.deepEqual(access.map((l) => l.stage), ['plain']);
  assert.deepEqual(Object.keys(access[0] ?? {}).sort(), ['api', 'apiId', 'integrationLatency', 'ip', 'latency', 'level', 'log', 'method', 'path', 'requestId', 'routeKey', 'stage', 'status', 'time', 'userAgent']);
  assert.equal(access[0]?.requestId, plain.headers['x-amzn-requestid']);
  assert.equal(access[0]?.routeKey, 'GET /ok');
});

test('an unknown $context variable is a load error at its file:line and JSON path', (t) => {
  const dir = writeProject(t, {
    'portico.yaml': `
functions:
  ok: { handler: fns.ok }
apis:
  - name: pets
    type: HTTP
    stages:
      - name: prod
        accessLogSettings:
          format: "$context.requestId $context.resourcePath"
    routes:
      "GET /ok": { function: ok }
`,
    'fns.mjs': 'export const ok = async () => ({});',
  });
  assert.throws(
    () => loadProject(dir),
    (err: unknown) => {
      assert.ok(err instanceof ConfigErrors);
      assert.equal(err.errors.length, 1);
      const e = err.errors[0];
      assert.equal(e?.file, `${join(dir, 'portico.yaml')}:10`);
      assert.equal(e?.jsonPath, '$.apis[0].stages[0].accessLogSettings.format');
      assert.equal(e?.reason, '$context.resourcePath is not a HTTP access-log variable');
      return true;
    },
  );
});
