/**
 * HTTP_PROXY routes through the whole gateway, against a real upstream: streaming both ways,
 * path and query forwarding, and the status AWS gives when the upstream is down or slow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

/** An upstream that reports what it received; `/slow` answers after 2 s, `/big` streams 5 MB. */
async function upstream(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const server = createServer(async (req: IncomingMessage, res) => {
    if (req.url?.startsWith('/slow')) {
      await new Promise((r) => setTimeout(r, 2000));
      res.end('late');
      return;
    }
    if (req.url?.startsWith('/big')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1024 * 1024, i));
      res.end();
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, size, sha256: hash.digest('hex') }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  server.keepAliveTimeout = 1000;
  return (server.address() as AddressInfo).port;
}

test('HTTP API HTTP_PROXY routes through the gateway', async (t) => {
  const port = await upstream(t);
  const dead = await (async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const p = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return p;
  })();
  const { base } = await serveFiles(t, {
    'portico.yaml': `
apis:
  - name: proxy
    type: HTTP
    stageVariables: { up: "http://127.0.0.1:${port}" }
    routes:
      "ANY /api/{proxy+}": { http: "\${stageVariables.up}/v1/{proxy}" }
      "GET /slow": { http: "http://127.0.0.1:${port}/slow", timeoutInMillis: 300 }
      "GET /down": { http: "http://127.0.0.1:${dead}/" }
      "GET /big": { http: "http://127.0.0.1:${port}/big" }
      "$default": { http: "http://127.0.0.1:${port}/root" }
`,
  });

  await t.test('a greedy route forwards {proxy}, the query string and the method; X-Forwarded-* are set', async () => {
    const res = await request(`${base}/api/a/b%20c?x=1&y=2`, { method: 'DELETE', headers: { 'x-client': 'c', connection: 'keep-alive' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-upstream'], 'yes');
    assert.ok(res.headers['apigw-requestid']);
    const got = (await res.body.json()) as { method: string; url: string; headers: Record<string, string> };
    assert.equal(got.method, 'DELETE');
    assert.equal(got.url, '/v1/a/b%20c?x=1&y=2');
    assert.equal(got.headers['x-client'], 'c');
    assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(got.headers['x-forwarded-proto'], 'http');
    assert.equal(got.headers['host'], `127.0.0.1:${port}`);
  });

  await t.test('$default sends the full request path', async () => {
    const got = (await (await request(`${base}/store/checkout?q=1`)).body.json()) as { url: string };
    assert.equal(got.url, '/root/store/checkout?q=1');
  });

  await t.test('request bodies stream up (8 MB, hashed by the upstream) and responses stream down (5 MB)', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const res = await request(`${base}/api/upload`, { method: 'PUT', body });
    const got = (await res.body.json()) as { size: number; sha256: string };
    assert.equal(got.size, body.length);
    assert.equal(got.sha256, createHash('sha256').update(body).digest('hex'));
    const big = await request(`${base}/big`);
    assert.equal((await big.body.arrayBuffer()).byteLength, 5 * 1024 * 1024);
  });

  await t.test('an upstream slower than timeoutInMillis is 503 Service Unavailable', async () => {
    const res = await request(`${base}/slow`);
    assert.equal(res.statusCode, 503);
    assert.deepEqual(await res.body.json(), { message: 'Service Unavailable' });
  });

  await t.test('an upstream that refuses connections is 500 Internal Server Error', async () => {
    const res = await request(`${base}/down`);
    assert.equal(res.statusCode, 500);
    assert.deepEqual(await res.body.json(), { message: 'Internal Server Error' });
  });

  await t.test('a streamed body over 10 MB is 413', async () => {
    const res = await request(`${base}/api/upload`, { method: 'PUT', body: Buffer.alloc(10 * 1024 * 1024 + 10, 1) });
    assert.equal(res.statusCode, 413);
    await res.body.dump();
  });
});
