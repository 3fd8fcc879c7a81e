/**
 * REST API HTTP (non-proxy) and HTTP_PROXY integrations end to end: a real client, the gateway
 * on a real socket, and a real node:http backend that records what reaches it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
 * Spec §4.2 (integration types, AWS's default integration request headers), §4.3 (parameter
 * mapping), §4.5 (selection by status code), §3.1 (x-amzn-Remapped-* headers), §10.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { freePort, serveFiles } from '../../helpers/gateway.ts';

/** What the backend saw of one request. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly size: number;
  readonly sha256: string;
  readonly text: string;
}

/**
 * A backend that records every request and answers by path:
 * `/status/{code}` → that status with a JSON error body and `x-backend: status-{code}`;
 * `/slow` → answers after 2 s (or when the gateway gives up); `/up/cut` → a body cut short;
 * `/up/...` → the HTTP_PROXY echo
 * (status from `x-want-status`, `Server: test-backend`, a Content-Length, its body echoes what it received);
 * anything else → 200 JSON echo with `x-backend: main`.
 */
async function backend(t: { after: (fn: () => unknown) => void }): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const record: Seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      size: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      text: body.length <= 4096 ? body.toString('utf8') : '',
    };
    seen.push(record);
    const url = req.url ?? '';
    if (url.startsWith('/slow')) {
      const timer = setTimeout(() => res.end('late'), 2000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    const status = /^\/status\/(\d{3})/.exec(url);
    if (status) {
      const code = Number(status[1]);
      res.writeHead(code, { 'content-type': 'application/json', 'x-backend': `status-${code}` });
      res.end(JSON.stringify({ error: `backend said ${code}`, status: code }));
      return;
    }
    if (url.startsWith('/up/cut')) {
      // Declares 100 bytes, sends 10, then drops the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial"');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (url.startsWith('/up/')) {
      const want = Number(req.headers['x-want-status'] ?? '200');
      const out = Buffer.from(JSON.stringify({ method: record.method, url: record.url, size: record.size, sha256: record.sha256, text: record.text }));
      res.writeHead(want, { 'content-type': 'application/json', 'content-length': out.length, 'x-up': 'yes', server: 'test-backend', 'x-amzn-RequestId': 'backend-request-id' });
      res.end(out);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'main' });
    res.end(JSON.stringify({ method: record.method, url: record.url, body: record.text, source: 'backend' }));
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

const API_ID = 'httpint1';

function project(port: number, dead: number): Record<string, string> {
  const up = `http://127.0.0.1:${port}`;
  return {
    'portico.yaml': `
apis:
  - name: httpint
    apiId: ${API_ID}
    type: REST
    openapi: api.yaml
    stage: test
    stageVariables: { host: "127.0.0.1:${port}", prefix: v1 }
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: httpint, version: "1" }
paths:
  /items/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: q, in: query, schema: { type: string } }
        - { name: x-in, in: header, schema: { type: string } }
      responses:
        "200":
          description: ok
          headers:
            X-Backend: { schema: { type: string } }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://\${stageVariables.host}/\${stageVariables.prefix}/items/{itemId}"
        requestParameters:
          integration.request.path.itemId: method.request.path.id
          integration.request.querystring.search: method.request.querystring.q
          integration.request.header.x-req-id: context.requestId
          integration.request.header.x-static: "'fixed-value'"
          integration.request.header.x-from-client: method.request.header.x-in
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Backend: integration.response.header.x-backend
  /orders:
    post:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: PUT
        uri: "${up}/orders"
        passthroughBehavior: never
        requestTemplates:
          application/json: '{"name": $input.json(''$.name''), "via": "template", "stage": "$context.stage"}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/xml: '<order method="$input.path(''$.method'')">$input.path(''$.body'')</order>'
  /status/{code}:
    get:
      parameters:
        - { name: code, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: ok }
        "400": { description: client error }
        "502": { description: upstream error }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "${up}/status/{code}"
        requestParameters:
          integration.request.path.code: method.request.path.code
        responses:
          "4\\\\d{2}":
            statusCode: "400"
            responseTemplates:
              application/json: '{"clientError": $input.json(''$.error'')}'
          "5\\\\d{2}":
            statusCode: "502"
            responseTemplates:
              text/plain: 'upstream failed with $input.path(''$.status'')'
          default:
            statusCode: "200"
  /slow:
    get:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "${up}/slow"
        timeoutInMillis: 300
        responses:
          default: { statusCode: "200" }
  /down:
    get:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://127.0.0.1:${dead}/down"
        responses:
          default: { statusCode: "200" }
  /proxy/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - { name: proxy, in: path, required: true, schema: { type: string } }
        - { name: t, in: query, schema: { type: string } }
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: "${up}/up/{proxy}"
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
          integration.request.header.x-mapped: "'added'"
          integration.request.querystring.tag: method.request.querystring.t
  /mapped/{pathVariable}:
    post:
      parameters:
        - { name: pathVariable, in: path, required: true, schema: { type: string } }
        - { name: testVar, in: query, schema: { type: string } }
        - { name: testQueryString, in: query, schema: { type: string } }
        - { name: foobar, in: header, schema: { type: string } }
        - { name: emptyheader, in: header, schema: { type: string } }
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: POST
        uri: "${up}/up/echo?testVar={pathVar}&testQs={qsVar}"
        requestParameters:
          integration.request.header.headerVar: method.request.header.foobar
          integration.request.path.qsVar: method.request.querystring.testVar
          integration.request.path.pathVar: method.request.path.pathVariable
          integration.request.querystring.queryString: method.request.querystring.testQueryString
          integration.request.querystring.testQs: method.request.querystring.testQueryString
          integration.request.querystring.testEmptyQs: method.request.header.emptyheader
  /proxyslow:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "${up}/slow"
        timeoutInMillis: 300
`,
  };
}

test('REST HTTP and HTTP_PROXY integrations end to end', async (t) => {
  const { port, seen } = await backend(t);
  const dead = await freePort();
  const { base } = await serveFiles(t, project(port, dead));
  const last = (): Seen => {
    const s = seen.at(-1);
    assert.ok(s, 'the backend received a request');
    return s;
  };

  await t.test('HTTP sends only the mapped path, query and headers plus AWS defaults (Accept, User-Agent, X-Amzn-Apigateway-Api-Id)', async () => {
    const before = seen.length;
    const res = await request(`${base}/test/items/42?q=blue%20cat&other=1`, { headers: { 'x-in': 'from-client', 'x-secret': 'not-mapped', accept: 'application/json' } });
    assert.equal(res.statusCode, 200);
    const requestId = res.headers['x-amzn-requestid'];
    assert.equal(typeof requestId, 'string');
    assert.deepEqual(await res.body.json(), { method: 'GET', url: '/v1/items/42?search=blue%20cat', body: '', source: 'backend' });
    assert.equal(seen.length, before + 1);
    const got = last();
    assert.equal(got.method, 'GET');
    // `{itemId}` from integration.request.path.itemId, `${stageVariables.*}` in host and path, only the mapped query.
    assert.equal(got.url, '/v1/items/42?search=blue%20cat');
    assert.equal(got.headers['x-req-id'], requestId);
    assert.equal(got.headers['x-static'], 'fixed-value');
    assert.equal(got.headers['x-from-client'], 'from-client');
    assert.equal(got.headers['accept'], 'application/json');
    assert.equal(got.headers['user-agent'], `AmazonAPIGateway_${API_ID}`);
    assert.equal(got.headers['x-amzn-apigateway-api-id'], API_ID);
    assert.equal(got.headers['x-secret'], undefined);
    assert.equal(got.headers['x-in'], undefined);
    assert.deepEqual(
      Object.keys(got.headers).filter((h) => !['host', 'connection', 'x-amzn-trace-id'].includes(h)).sort(),
      ['accept', 'user-agent', 'x-amzn-apigateway-api-id', 'x-from-client', 'x-req-id', 'x-static'],
    );
  });

  await t.test('HTTP maps method.response.header.X-Backend from integration.response.header.x-backend; no template → application/json, body as the backend sent it', async () => {
    const res = await request(`${base}/test/items/7`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-backend'], 'main');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.ok(res.headers['x-amzn-trace-id'], 'HTTP (non-proxy) responses carry X-Amzn-Trace-Id');
    assert.deepEqual(await res.body.json(), { method: 'GET', url: '/v1/items/7', body: '', source: 'backend' });
    // No `q` → no `search` parameter at all; no x-in → no x-from-client.
    assert.equal(last().headers['x-from-client'], undefined);
  });

  await t.test('HTTP maps method.request.querystring.q from the last of repeated values', async () => {
    const res = await request(`${base}/test/items/7?q=first&q=second`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(last().url, '/v1/items/7?search=second');
  });

  await t.test('HTTP request template builds the body sent with the integration httpMethod; the response Content-Type is the template media type', async () => {
    const res = await request(`${base}/test/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rex', ignored: true }) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/xml');
    const got = last();
    assert.equal(got.method, 'PUT');
    assert.equal(got.url, '/orders');
    assert.deepEqual(JSON.parse(got.text), { name: 'Rex', via: 'template', stage: 'test' });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(await res.body.text(), `<order method="PUT">${got.text}</order>`);
  });

  await t.test('HTTP with passthroughBehavior NEVER answers 415 for a Content-Type without a template', async () => {
    const before = seen.length;
    const res = await request(`${base}/test/orders`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(res.statusCode, 415);
    assert.deepEqual(await res.body.json(), { message: 'Unsupported Media Type' });
    assert.equal(seen.length, before, 'the backend was not called');
  });

  await t.test('HTTP selects integration responses by backend status: 4\\d{2} → 400 with its template', async () => {
    const res = await request(`${base}/test/status/404`);
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-backend'], undefined, 'unmapped backend headers do not reach the client');
    assert.deepEqual(await res.body.json(), { clientError: 'backend said 404' });
  });

  await t.test('HTTP selects 5\\d{2} → 502 with a text/plain template (Content-Type text/plain)', async () => {
    const res = await request(`${base}/test/status/503`);
    assert.equal(res.statusCode, 502);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(await res.body.text(), 'upstream failed with 503');
  });

  await t.test('HTTP with a backend 201 falls to the default response: 200 and the backend body', async () => {
    const res = await request(`${base}/test/status/201`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(await res.body.json(), { error: 'backend said 201', status: 201 });
  });

  await t.test('HTTP backend slower than timeoutInMillis (300) → 504 Endpoint request timed out', async () => {
    const res = await request(`${base}/test/slow`);
    assert.equal(res.statusCode, 504);
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
    assert.deepEqual(await res.body.json(), { message: 'Endpoint request timed out' });
  });

  await t.test('HTTP backend down (connection refused) → 500 {"message": "Internal server error"} (API_CONFIGURATION_ERROR)', async () => {
    // AWS: "Execution failed due to configuration error: Invalid endpoint address" (500);
    // LocalStack's AWS-validated engine answers a refused connection with API_CONFIGURATION_ERROR.
    const res = await request(`${base}/test/down`);
    assert.equal(res.statusCode, 500);
    assert.equal(res.headers['x-amzn-errortype'], 'ApiConfigurationException');
    assert.deepEqual(await res.body.json(), { message: 'Internal server error' });
  });

  await t.test('HTTP_PROXY forwards method, headers, query and body; fills {proxy}; merges the mapped header and query', async () => {
    const res = await request(`${base}/test/proxy/a/b?x=1&t=red`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain', 'x-client': 'c1', authorization: 'Bearer abc' },
      body: 'patch body',
    });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { method: string; url: string; text: string };
    assert.equal(body.method, 'PATCH');
    assert.equal(body.text, 'patch body');
    const url = new URL(body.url, 'http://x');
    assert.equal(url.pathname, '/up/a/b');
    assert.deepEqual([...url.searchParams].sort(), [['t', 'red'], ['tag', 'red'], ['x', '1']]);
    const got = last();
    assert.equal(got.headers['x-client'], 'c1');
    assert.equal(got.headers['authorization'], 'Bearer abc');
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.headers['x-mapped'], 'added');
    assert.equal(got.headers['host'], `127.0.0.1:${port}`);
  });

  await t.test('HTTP_PROXY passes the backend status, headers and body back; Date/Server become x-amzn-Remapped-*', async () => {
    const res = await request(`${base}/test/proxy/teapot`, { headers: { 'x-want-status': '418' } });
    assert.equal(res.statusCode, 418);
    assert.equal(res.headers['x-up'], 'yes');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-amzn-remapped-server'], 'test-backend');
    assert.match(String(res.headers['x-amzn-remapped-date']), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.notEqual(res.headers['server'], 'test-backend');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.equal(res.headers['x-amzn-trace-id'], undefined, 'no X-Amzn-Trace-Id on HTTP_PROXY responses');
    const body = (await res.body.json()) as { url: string };
    assert.equal(body.url, '/up/teapot');
  });

  await t.test('HTTP_PROXY merges mapped query values with the URI and client ones, and a mapped header replaces the client one (AWS snapshot)', async () => {
    // LocalStack's AWS-recorded test_http_proxy_integration_request_data_mappings, replayed.
    const res = await request(`${base}/test/mapped/foobar?testQueryString=foo&testVar=bar`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', foobar: 'mapped-value', 'user-agent': 'test/integration', headerVar: 'request-value' },
      body: JSON.stringify({ message: 'hello world' }),
    });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { url: string; text: string };
    const url = new URL(body.url, 'http://x');
    assert.equal(url.pathname, '/up/echo');
    assert.deepEqual(url.searchParams.getAll('queryString'), ['foo']);
    assert.deepEqual(url.searchParams.getAll('testQs'), ['bar', 'foo']);
    assert.deepEqual(url.searchParams.getAll('testQueryString'), ['foo']);
    assert.deepEqual(url.searchParams.getAll('testVar'), ['foobar', 'bar']);
    assert.equal(url.searchParams.has('testEmptyQs'), false);
    assert.equal(body.text, '{"message":"hello world"}');
    const got = last();
    assert.equal(got.headers['headervar'], 'mapped-value');
    assert.equal(got.headers['foobar'], 'mapped-value');
    assert.equal(got.headers['user-agent'], 'test/integration');
    assert.equal(got.headers['accept'], 'application/json');
    assert.equal(got.headers['content-type'], 'application/json');
  });

  await t.test('HTTP_PROXY remaps the backend Content-Length to x-amzn-Remapped-Content-Length and keeps the framing length', async () => {
    const res = await request(`${base}/test/proxy/length`);
    assert.equal(res.statusCode, 200);
    const text = await res.body.text();
    assert.equal(res.headers['x-amzn-remapped-content-length'], String(Buffer.byteLength(text)));
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(text)));
  });

  await t.test('HTTP_PROXY: a backend body cut short is 502 Internal server error, not a truncated 200', async () => {
    const res = await request(`${base}/test/proxy/cut`);
    assert.equal(res.statusCode, 502);
    assert.deepEqual(await res.body.json(), { message: 'Internal server error' });
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException');
  });

  await t.test('HTTP_PROXY remaps the backend Connection header to x-amzn-Remapped-Connection', async () => {
    const res = await request(`${base}/test/proxy/connection`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(res.headers['x-amzn-remapped-connection'], 'keep-alive');
  });

  await t.test('HTTP_PROXY adds X-Amzn-Apigateway-Api-Id to the backend request', async () => {
    const res = await request(`${base}/test/proxy/api-id`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(last().headers['x-amzn-apigateway-api-id'], API_ID);
  });

  await t.test('HTTP_PROXY remaps the backend x-amzn-RequestId to x-amzn-Remapped-x-amzn-RequestId; x-amzn-RequestId is the gateway\'s', async () => {
    const res = await request(`${base}/test/proxy/request-id`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.match(String(res.headers['x-amzn-requestid']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(res.headers['x-amzn-remapped-x-amzn-requestid'], 'backend-request-id');
  });

  await t.test('HTTP_PROXY streams a 2 MB request body to the backend intact', async () => {
    const payload = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const res = await request(`${base}/test/proxy/upload`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: payload });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { method: string; size: number; sha256: string };
    assert.equal(body.method, 'PUT');
    assert.equal(body.size, payload.length);
    assert.equal(body.sha256, createHash('sha256').update(payload).digest('hex'));
  });

  await t.test('HTTP_PROXY backend slower than timeoutInMillis (300) → 504 Endpoint request timed out', async () => {
    const res = await request(`${base}/test/proxyslow`);
    assert.equal(res.statusCode, 504);
    assert.deepEqual(await res.body.json(), { message: 'Endpoint request timed out' });
  });
});
