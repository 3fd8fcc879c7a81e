// A minimal undici reverse proxy: the ceiling for a proxy hop written in Node, and the baseline
// of portico's HTTP_PROXY rows. node:http in front, a keep-alive undici Pool to BACKEND behind.
// Pool.stream() writes the answer straight into the response: in this harness it did about twice
// the req/s of Pool.request() + pipeline() (which portico's own rows beat), so it is the ceiling.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.has(k.toLowerCase())));
const pool = new Pool(process.env.BACKEND, { connections: 64, keepAliveTimeout: 60_000 });

const server = createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  if (!hasBody) req.resume();
  const upstream = { path: req.url, method: req.method, headers: endToEnd(req.headers), body: hasBody ? req : null, opaque: res };
  pool.stream(upstream, ({ statusCode, headers, opaque }) => opaque.writeHead(statusCode, endToEnd(headers)), (err) => {
    if (!err) return;
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"message":"Bad Gateway"}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
