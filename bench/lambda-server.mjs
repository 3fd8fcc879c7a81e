// A minimal in-process Lambda server: the ceiling for a Lambda route in Node, and the baseline of
// portico's HTTP API Lambda row. node:http → an HTTP API payload 2.0 event → the bench project's
// handler (the one portico's route invokes), called in this process → statusCode/headers/body.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { URLSearchParams } from 'node:url';
import { handler } from './project/handler.mjs';

const TEXT = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript))/;

function event(req, body) {
  const [rawPath, rawQueryString = ''] = (req.url ?? '/').split('?', 2);
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const now = Date.now();
  const text = body.length === 0 || TEXT.test(headers['content-type'] ?? '');
  const routeKey = `${req.method} ${rawPath}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !text,
  };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const out = await handler(event(req, Buffer.concat(chunks)), { awsRequestId: randomUUID() });
      // Payload 2.0: an answer without statusCode is a JSON body with status 200.
      const r = out && typeof out === 'object' && 'statusCode' in out ? out : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
      const body = r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : String(r.body);
      res.writeHead(r.statusCode, { ...r.headers, ...(r.cookies?.length ? { 'set-cookie': r.cookies } : {}), 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
