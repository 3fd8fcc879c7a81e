import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { installLoopbackHttps } from './loopback-https.ts';

test('https calls to a loopback host on a portico port go over plain HTTP, keeping the Host header', async (t) => {
  const seen: { host: string | undefined; url: string | undefined; method: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ host: req.headers.host, url: req.url, method: req.method });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const port = (server.address() as AddressInfo).port;
  installLoopbackHttps([port]);

  const get = (url: string): Promise<string> =>
    new Promise((resolve, reject) => {
      https.get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  assert.equal(await get(`https://localhost:${port}/dev/@connections/abc%3D`), 'ok');
  assert.equal(await get(`https://k3j9x0c2aa.execute-api.localhost:${port}/prod/x?y=1`), 'ok');
  // The options form, as the AWS SDK's node-http-handler calls it, with its own https.Agent.
  const viaOptions = await new Promise<string>((resolve, reject) => {
    const req = https.request({ hostname: '127.0.0.1', port, path: '/opts', method: 'POST', headers: { host: `127.0.0.1:${port}` }, agent: new https.Agent({ keepAlive: true }) }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', reject);
    req.end('data');
  });
  assert.equal(viaOptions, '200');
  // ESM named imports see the wrapper as well.
  const { request: esmRequest } = await import('node:https');
  assert.equal(esmRequest, https.request);
  assert.deepEqual(seen, [
    { host: `localhost:${port}`, url: '/dev/@connections/abc%3D', method: 'GET' },
    { host: `k3j9x0c2aa.execute-api.localhost:${port}`, url: '/prod/x?y=1', method: 'GET' },
    { host: `127.0.0.1:${port}`, url: '/opts', method: 'POST' },
  ]);
});

test('other hosts and ports are left to https', () => {
  installLoopbackHttps([1]);
  // example.com:443 is not rewritten: the request is a real https one (never sent here).
  const req = https.request({ hostname: 'example.invalid', port: 443, method: 'GET' });
  req.on('error', () => {});
  assert.equal((req as unknown as { agent: { protocol: string } }).agent.protocol, 'https:');
  req.destroy();
});
