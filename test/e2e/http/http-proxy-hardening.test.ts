/**
 * Integration answers and client paths that must not break the gateway or reach past what
 * the route allows, through a real gateway: dot-segments in `{proxy}`, mapped header values a
 * response cannot carry, one Content-Length on a buffered mapped body, the 10 MB cap of
 * `$response.body` mappings, and a Lambda `statusCode` in the 1xx range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Client, request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

/** An upstream that counts its requests; `/public/*` echoes the URL, `/named` a body with a newline, `/huge` 11 MB. */
async function upstream(t: { after: (fn: () => unknown) => void }): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/named') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '27' }).end('{"name":"a\\nb","code":"E1"}');
      return;
    }
    if (req.url === '/cut') {
      // Declares 100 bytes, sends 10, then drops the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial"');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (req.url === '/sized') {
      const body = Buffer.alloc(Number(req.headers['x-size']), 0x61);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
      if (req.method === 'HEAD') res.end();
      else res.end(body);
      return;
    }
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 11; i++) res.write(Buffer.alloc(1024 * 1024, 0x20));
      res.end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, hits };
}

/** One request over a raw socket, the path sent byte for byte (no client normalises it). */
async function raw(base: string, path: string): Promise<{ status: number; headers: Array<[string, string]>; body: string }> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
  let body = text.slice(end + 4);
  if (headers.some(([n, v]) => n === 'transfer-encoding' && v === 'chunked')) body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** A chunked body (RFC 9112 §7.1) without trailers, decoded. */
function dechunk(text: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const eol = text.indexOf('\r\n', at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

test('HTTP_PROXY and Lambda answers that must not break the gateway', async (t) => {
  const up = await upstream(t);
  const { base } = await serveFiles(t, {
    'portico.yaml': `
functions:
  status: { handler: fns/status.handler }
apis:
  - name: hardening
    type: HTTP
    routes:
      "ANY /pub/{proxy+}": { http: "http://127.0.0.1:${up.port}/public/{proxy}" }
      "GET /named": { http: "http://127.0.0.1:${up.port}/named", responseParameters: { "200": { "overwrite:header.x-name": "$response.body.name", "append:header.x-code": "$response.body.code" } } }
      "GET /huge": { http: "http://127.0.0.1:${up.port}/huge", responseParameters: { "200": { "append:header.x-a": "$response.body.a" } } }
      "GET /status/{code}": { function: status }
      "GET /cut": { http: "http://127.0.0.1:${up.port}/cut" }
      "ANY /sized": { http: "http://127.0.0.1:${up.port}/sized" }
`,
    'fns/status.mjs': `export const handler = async (event) => ({ statusCode: Number(event.pathParameters.code), body: 'from the function' });`,
  });

  await t.test('dot-segments in {proxy} (raw or %2e-encoded) are 404 Not Found and never reach the upstream', async (t) => {
    for (const path of ['/pub/../../admin', '/pub/%2e%2e/%2E%2E/admin', '/pub/a/./b', '/pub/..%2Fadmin', '/pub/x/..']) {
      const before = up.hits.length;
      const res = await raw(base, path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(JSON.parse(res.body), { message: 'Not Found' }, path);
      assert.equal(up.hits.length, before, `${path} reached the upstream`);
    }
    // The same through an undici Client, which sends `path` as given (a WHATWG URL would have
    // resolved it to `/pub/b`, which routes).
    const client = new Client(base);
    t.after(() => client.close());
    const res = await client.request({ method: 'GET', path: '/pub/a/%2e%2e/b' });
    assert.equal(res.statusCode, 404);
    await res.body.dump();
    // Dots inside a segment are ordinary.
    const ok = await raw(base, '/pub/a..b/.well-known/v1.2');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { url: '/public/a..b/.well-known/v1.2' });
  });

  await t.test('a mapped response header whose value holds a newline is dropped; the answer is served, with one Content-Length', async () => {
    const res = await raw(base, '/named');
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"name":"a\\nb","code":"E1"}');
    assert.deepEqual(res.headers.filter(([n]) => n.startsWith('x-')), [['x-code', 'E1']]);
    assert.deepEqual(res.headers.filter(([n]) => n === 'content-length'), [['content-length', '27']]);
  });

  await t.test('an upstream body cut short is 500 Internal Server Error; small and large bodies arrive whole; HEAD keeps its length', async () => {
    const cut = await raw(base, '/cut');
    assert.equal(cut.status, 500);
    assert.deepEqual(JSON.parse(cut.body), { message: 'Internal Server Error' });
    // Read whole up to 64 KiB (one Content-Length, the writer's), streamed beyond.
    for (const size of [0, 1, 65_536, 65_537, 300_000]) {
      const res = await request(`${base}/sized`, { headers: { 'x-size': String(size) } });
      assert.equal(res.statusCode, 200, String(size));
      assert.deepEqual(res.headers['content-length'], String(size), String(size));
      const body = Buffer.from(await res.body.arrayBuffer());
      assert.equal(body.length, size);
      assert.ok(body.every((b) => b === 0x61));
    }
    const head = await request(`${base}/sized`, { method: 'HEAD', headers: { 'x-size': '42' } });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], '42');
    await head.body.dump();
  });

  await t.test('a $response.body mapping on a body over 10 MB is 500 Internal Server Error', async () => {
    const res = await request(`${base}/huge`);
    assert.equal(res.statusCode, 500);
    assert.deepEqual(await res.body.json(), { message: 'Internal Server Error' });
  });

  await t.test('a Lambda statusCode of 100-199 is a malformed result (500), not an interim response the client waits past', async () => {
    for (const code of [100, 101, 103, 199]) {
      const res = await request(`${base}/status/${code}`, { headersTimeout: 3000 });
      assert.equal(res.statusCode, 500, String(code));
      assert.deepEqual(await res.body.json(), { message: 'Internal Server Error' });
    }
    const ok = await request(`${base}/status/201`);
    assert.equal(ok.statusCode, 201);
    assert.equal(await ok.body.text(), 'from the function');
  });
});
