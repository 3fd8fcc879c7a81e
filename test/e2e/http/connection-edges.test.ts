/**
 * The edges of a connection: a body over the limit mid-stream, a client that leaves before
 * the upstream answers, a shutdown with a request in flight on a keep-alive connection, and a
 * response Node refuses to write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';
import { writeResponse } from '../../../src/server/node-adapter.ts';

test('a chunked body over 10 MB gets a readable 413, then the connection is closed', async (t) => {
  const { base } = await serveFiles(t, {
    'portico.yaml': 'functions:\n  f: { handler: f.handler }\napis:\n  - { name: a, type: HTTP, routes: { "POST /up": { function: f } } }\n',
    'f.mjs': 'export const handler = async () => ({ ok: true });',
  });
  const url = new URL(`${base}/up`);
  // A raw socket: the server may stop reading (and close) while we are still writing, which an
  // HTTP client reports as EPIPE before it has read the response.
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write(`POST /up HTTP/1.1\r\nhost: ${url.host}\r\ntransfer-encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 97);
    let sent = 0;
    const pump = (): void => {
      while (sent < 40 && !socket.destroyed) {
        sent++;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        if (!socket.write('\r\n')) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end('0\r\n\r\n');
    };
    pump();
  });
  // The connection ended with the 413 (the 'close' above), instead of waiting for a body it
  // will never parse.
  assert.match(answer, /^HTTP\/1\.1 413 /);
});

test('a client that leaves before the upstream answers stops the upstream stream', async (t) => {
  let upstreamClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const upstream = createServer((_req, res: ServerResponse) => {
    // Headers after 400 ms, then an endless stream (server-sent events style).
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    }, 400);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => {
    upstream.closeAllConnections();
    return new Promise((r) => upstream.close(r));
  });
  const port = (upstream.address() as AddressInfo).port;
  const { base } = await serveFiles(t, { 'portico.yaml': `apis:\n  - { name: a, type: HTTP, routes: { "GET /events": { http: "http://127.0.0.1:${port}/" } } }\n` });
  const ac = new AbortController();
  const pending = request(`${base}/events`, { signal: ac.signal }).catch(() => undefined);
  setTimeout(() => ac.abort(), 150);
  await pending;
  // Without the fix the paused upstream stream was held open indefinitely; the test's own
  // timeout (not a timing assertion) fails it then.
  await closed;
});

test('shutdown with a request in flight on a keep-alive connection ends with that request', async (t) => {
  const { gateway, base } = await serveFiles(t, {
    'portico.yaml': 'functions:\n  slow: { handler: slow.handler }\napis:\n  - { name: a, type: HTTP, routes: { "GET /slow": { function: slow } } }\n',
    'slow.mjs': 'export const handler = () => new Promise((r) => setTimeout(() => r({ ok: true }), 500));',
  });
  const inflight = request(`${base}/slow`);
  await new Promise((r) => setTimeout(r, 150));
  let closedAt = 0;
  const closing = gateway.close(60_000).then(() => (closedAt = Date.now()));
  const res = await inflight;
  const answeredAt = Date.now();
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.connection, 'close');
  await res.body.dump();
  await closing;
  // Closed with the last response, not after the 60 s grace period.
  assert.ok(closedAt - answeredAt < 30_000);
});

test('a response Node refuses to write (invalid header value) becomes a 500, not a crash', async (t) => {
  const errors: Error[] = [];
  const server = createServer((_req, res) => {
    writeResponse(res, { statusCode: 200, headers: [['x-bad', 'a\nb'], ['apigw-requestid', 'abc=']], body: 'ok' }, (e) => errors.push(e));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  assert.equal(res.statusCode, 500);
  assert.equal(res.headers['apigw-requestid'], 'abc=');
  assert.deepEqual(await res.body.json(), { message: 'Internal Server Error' });
  assert.equal(errors.length, 1);
});
