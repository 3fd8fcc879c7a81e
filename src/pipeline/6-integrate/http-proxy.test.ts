import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { makeContext, type ContextOptions } from '../../../test/helpers/context.ts';
import { GatewayError, HTTP_GATEWAY_RESPONSES } from '../../errors/index.ts';
import type { HttpProxyIntegration } from '../../model/index.ts';
import type { GatewayContext, GatewayResponse, RequestBody } from '../types.ts';
import { closeHttpProxyAgents, createHttpProxyIntegration } from './http-proxy.ts';

/** What the echo upstream saw. */
interface Echo {
  method: string;
  url: string;
  rawHeaders: string[];
  sha256: string;
  length: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A real upstream on 127.0.0.1:0; `handlers` by path prefix, else it echoes the request as JSON. */
async function startUpstream(handlers: Record<string, Handler> = {}): Promise<{ server: Server; base: string; sockets: () => number }> {
  let sockets = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('error', () => {});
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const handler = Object.entries(handlers).find(([prefix]) => req.url?.startsWith(prefix))?.[1];
      if (handler) return handler(req, res, body);
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, sha256: createHash('sha256').update(body).digest('hex'), length: body.length };
      const status = Number(req.headers['x-want-status'] ?? 200);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    });
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, sockets: () => sockets };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function integration(uri: string, more: Partial<HttpProxyIntegration> = {}): HttpProxyIntegration {
  return { integrationId: 'i1', integrationType: 'HTTP_PROXY', integrationUri: uri, integrationMethod: 'ANY', payloadFormatVersion: '1.0', timeoutInMillis: 30_000, source: 'api.yaml#/paths/~1pets/get', ...more };
}

async function bodyOf(res: GatewayResponse): Promise<Buffer> {
  if (res.body === null) return Buffer.alloc(0);
  if (typeof res.body === 'string') return Buffer.from(res.body);
  if (Buffer.isBuffer(res.body)) return res.body;
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function call(uri: string, ctx: ContextOptions, more: Partial<HttpProxyIntegration> = {}): Promise<{ res: GatewayResponse; echo: Echo; ctx: GatewayContext }> {
  const c = makeContext(ctx);
  const res = await createHttpProxyIntegration(integration(uri, more))(c);
  return { res, echo: JSON.parse((await bodyOf(res)).toString()) as Echo, ctx: c };
}

/** Header values the upstream received under `name` (any case). */
const received = (echo: Echo, name: string): string[] =>
  echo.rawHeaders.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [echo.rawHeaders[i + 1] as string] : []));

/** A body that is only a stream (read() fails the test), `size` bytes of a pattern in 64 KB chunks. */
function streamingBody(size: number, declared: number | undefined): { body: RequestBody; sha256: string } {
  const chunk = Buffer.alloc(64 * 1024, 'portico-');
  const hash = createHash('sha256');
  for (let sent = 0; sent < size; sent += chunk.length) hash.update(chunk.subarray(0, Math.min(chunk.length, size - sent)));
  return {
    sha256: hash.digest('hex'),
    body: {
      declaredLength: declared,
      read: () => Promise.reject(new Error('the proxy must stream, not buffer')),
      stream: () => {
        let sent = 0;
        return new Readable({
          read() {
            if (sent >= size) return void this.push(null);
            const n = Math.min(chunk.length, size - sent);
            sent += n;
            this.push(chunk.subarray(0, n));
          },
        });
      },
    },
  };
}

function withBody(ctx: GatewayContext, body: RequestBody): GatewayContext {
  return { ...ctx, request: { ...ctx.request, body } };
}

describe('HTTP_PROXY integration (real sockets)', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let release: (() => void) | undefined;
  before(async () => {
    up = await startUpstream({
      '/slow': (req, res) => {
        const t = setTimeout(() => res.end('late'), 5_000);
        req.socket.on('close', () => clearTimeout(t));
      },
      '/stream': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-custom': 'yes', 'keep-alive': 'timeout=5' });
        res.write('first;');
        release = () => res.end('second');
      },
      '/json-error': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"E42"}'),
    });
  });
  after(async () => {
    await stop(up.server);
    await closeHttpProxyAgents();
  });

  test('forwards method, path variables, stage variables and the query after the URI\'s own', async () => {
    const { echo, res } = await call(`${up.base}/\${stageVariables.base}/pets/{id}?fixed=1`, {
      method: 'DELETE', path: '/dev/pets/7', stageName: 'dev', stageVariables: { base: 'v1' },
      routeKey: 'DELETE /pets/{id}', pathParameters: { id: '7' }, query: 'a=1&b=x%20y',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(echo.method, 'DELETE');
    assert.equal(echo.url, '/v1/pets/7?fixed=1&a=1&b=x%20y');
  });

  test('a fixed integrationMethod replaces the client\'s', async () => {
    const { echo } = await call(`${up.base}/x`, { method: 'GET', routeKey: 'GET /x' }, { integrationMethod: 'POST' });
    assert.equal(echo.method, 'POST');
  });

  test('{proxy} (and the older {proxy+}) take the greedy value, slashes and escapes kept', async () => {
    const opts: ContextOptions = { path: '/api/a/b%20c/d e', routeKey: 'ANY /api/{proxy+}', pathParameters: { proxy: 'a/b%20c/d e' } };
    assert.equal((await call(`${up.base}/petstore/{proxy}`, opts)).echo.url, '/petstore/a/b%20c/d%20e');
    assert.equal((await call(`${up.base}/petstore/{proxy+}`, opts)).echo.url, '/petstore/a/b%20c/d%20e');
  });

  test('routes other than $default send only the URI path: the client path is not appended', async () => {
    const { echo } = await call(`${up.base}/`, { path: '/anything/here', routeKey: 'ANY /{proxy+}', pathParameters: { proxy: 'anything/here' } });
    assert.equal(echo.url, '/');
  });

  test('$default sends the full request path after the URI path (named stage segment included)', async () => {
    assert.equal((await call(`${up.base}/base/`, { path: '/store/checkout', query: 'q=1' })).echo.url, '/base/store/checkout?q=1');
    assert.equal((await call(up.base, { path: '/dev/store', stageName: 'dev' })).echo.url, '/dev/store');
  });

  test('forwards end-to-end headers, drops hop-by-hop ones, sets X-Forwarded-* and a trace id', async () => {
    const { echo } = await call(`${up.base}/h`, {
      routeKey: 'GET /h', sourceIp: '203.0.113.9', scheme: 'https', localPort: 443,
      headers: [
        ['Host', 'gw.example.com'], ['Connection', 'keep-alive, X-Hop'], ['X-Hop', '1'], ['Keep-Alive', 'timeout=5'],
        ['TE', 'trailers'], ['Proxy-Authorization', 'Basic x'], ['X-Custom', 'a'], ['x-custom', 'b'],
        ['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-Proto', 'http'], ['Authorization', 'Bearer t'],
      ],
    });
    assert.deepEqual(received(echo, 'host'), [up.base.slice('http://'.length)]);
    for (const gone of ['x-hop', 'keep-alive', 'te', 'proxy-authorization']) assert.deepEqual(received(echo, gone), [], gone);
    assert.deepEqual(received(echo, 'x-custom'), ['a', 'b']);
    assert.deepEqual(received(echo, 'authorization'), ['Bearer t']);
    assert.deepEqual(received(echo, 'x-forwarded-for'), ['10.0.0.1, 203.0.113.9']);
    assert.deepEqual(received(echo, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(received(echo, 'x-forwarded-port'), ['443']);
    assert.match(received(echo, 'x-amzn-trace-id')[0] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  test('streams a 2 MB request body with its Content-Length (never buffered)', async () => {
    const size = 2 * 1024 * 1024;
    const { body, sha256 } = streamingBody(size, size);
    const ctx = withBody(makeContext({ method: 'POST', routeKey: 'POST /up', headers: [['content-length', String(size)]] }), body);
    const res = await createHttpProxyIntegration(integration(`${up.base}/up`))(ctx);
    const echo = JSON.parse((await bodyOf(res)).toString()) as Echo;
    assert.equal(echo.length, size);
    assert.equal(echo.sha256, sha256);
    assert.deepEqual(received(echo, 'content-length'), [String(size)]);
  });

  test('streams a chunked request body (no Content-Length) as chunked', async () => {
    const { body, sha256 } = streamingBody(300_000, undefined);
    const ctx = withBody(makeContext({ method: 'PUT', headers: [['transfer-encoding', 'chunked']] }), body);
    const echo = JSON.parse((await bodyOf(await createHttpProxyIntegration(integration(`${up.base}/up`))(ctx))).toString()) as Echo;
    assert.equal(echo.sha256, sha256);
    assert.deepEqual(received(echo, 'transfer-encoding'), ['chunked']);
  });

  test('streams the response: resolves with the headers while the upstream is still sending', async () => {
    const c = makeContext({ routeKey: 'GET /stream' });
    const res = await createHttpProxyIntegration(integration(`${up.base}/stream`))(c);
    assert.ok(res.body instanceof Readable, 'the body is the upstream stream');
    const it = res.body[Symbol.asyncIterator]();
    assert.equal(String((await it.next()).value), 'first;');
    release?.();
    let rest = '';
    for (let r = await it.next(); !r.done; r = await it.next()) rest += String(r.value);
    assert.equal(rest, 'second');
    // Response headers pass through, repeats kept; hop-by-hop ones are dropped.
    assert.deepEqual(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1', 'b=2']);
    assert.ok(res.headers.some(([n, v]) => n === 'x-custom' && v === 'yes'));
    assert.ok(!res.headers.some(([n]) => ['keep-alive', 'connection', 'transfer-encoding'].includes(n)));
    assert.ok(c.timings.integrationStart !== undefined && c.timings.integrationEnd !== undefined);
    assert.ok((c.timings.integrationEnd as bigint) >= (c.timings.integrationStart as bigint));
  });

  test('applies request and response parameter mappings', async () => {
    const { res, echo, ctx } = await call(`${up.base}/orig`, {
      method: 'GET', path: '/pets/9', routeKey: 'GET /pets/{id}', pathParameters: { id: '9' }, stageVariables: { env: 'qa' },
      query: 'keep=1&secret=s&secret=t', headers: [['X-Orig', 'o'], ['x-want-status', '500']],
    }, {
      requestParameters: {
        'append:header.x-req-id': '$context.requestId',
        'append:header.x-renamed': '$request.header.x-orig',
        'remove:header.x-orig': "''",
        'remove:querystring.secret': "''",
        'append:querystring.stage': '${context.stage}',
        'overwrite:path': '/mapped/${request.path.id}',
      },
      responseParameters: { '500': { 'overwrite:statuscode': '403', 'append:header.x-env': '$stageVariables.env' } },
    });
    // `$` is a sub-delim (RFC 3986 §3.4), legal in a query as is.
    assert.equal(echo.url, '/mapped/9?keep=1&stage=$default');
    assert.deepEqual(received(echo, 'x-req-id'), [ctx.requestId]);
    assert.deepEqual(received(echo, 'x-renamed'), ['o']);
    assert.deepEqual(received(echo, 'x-orig'), []);
    assert.equal(res.statusCode, 403);
    assert.ok(res.headers.some(([n, v]) => n === 'x-env' && v === 'qa'));
  });

  test('a $request.body mapping buffers the body; a $response.body mapping buffers the answer', async () => {
    const json = '{"user":"ann"}';
    const { echo } = await call(`${up.base}/b`, { method: 'POST', headers: [['content-length', String(json.length)]], body: json },
      { requestParameters: { 'append:header.x-user': '$request.body.user' } });
    assert.deepEqual(received(echo, 'x-user'), ['ann']);
    assert.equal(echo.length, json.length);

    const c = makeContext({});
    const res = await createHttpProxyIntegration(integration(`${up.base}/json-error`, { responseParameters: { '200': { 'append:header.x-code': '$response.body.code' } } }))(c);
    assert.ok(Buffer.isBuffer(res.body));
    assert.equal(String(res.body), '{"code":"E42"}');
    assert.ok(res.headers.some(([n, v]) => n === 'x-code' && v === 'E42'));
  });

  test('an upstream that refuses connections → INTEGRATION_FAILURE (HTTP API: 500 Internal Server Error)', async () => {
    const closed = await startUpstream();
    const base = closed.base;
    await stop(closed.server);
    await assert.rejects(createHttpProxyIntegration(integration(`${base}/x`))(makeContext({})), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.type, 'INTEGRATION_FAILURE');
      assert.equal((err.cause as { code?: string }).code, 'ECONNREFUSED');
      assert.deepEqual([HTTP_GATEWAY_RESPONSES[err.type].status, HTTP_GATEWAY_RESPONSES[err.type].message], [500, 'Internal Server Error']);
      return true;
    });
  });

  test('an upstream slower than timeoutInMillis → INTEGRATION_TIMEOUT (HTTP API: 503 Service Unavailable)', async () => {
    await assert.rejects(createHttpProxyIntegration(integration(`${up.base}/slow`, { timeoutInMillis: 200 }))(makeContext({})), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.type, 'INTEGRATION_TIMEOUT');
      assert.equal(HTTP_GATEWAY_RESPONSES[err.type].status, 503);
      return true;
    });
  });

  test('a request body over the limit surfaces as the body\'s REQUEST_TOO_LARGE GatewayError', async () => {
    const body: RequestBody = {
      declaredLength: undefined,
      read: () => Promise.reject(new Error('unused')),
      stream: () => {
        let n = 0;
        return new Readable({
          read() {
            if (n++ < 3) this.push(Buffer.alloc(64 * 1024));
            else this.destroy(new GatewayError('REQUEST_TOO_LARGE'));
          },
        });
      },
    };
    const ctx = withBody(makeContext({ method: 'POST', headers: [['transfer-encoding', 'chunked']] }), body);
    await assert.rejects(createHttpProxyIntegration(integration(`${up.base}/up`))(ctx), (err: unknown) => err instanceof GatewayError && err.type === 'REQUEST_TOO_LARGE');
  });

  test('a stage variable that makes the URI unusable → API_CONFIGURATION_ERROR; a bad literal URI fails at load', async () => {
    await assert.rejects(
      createHttpProxyIntegration(integration('${stageVariables.url}/x'))(makeContext({ stageVariables: { url: 'ftp://x' } })),
      (err: unknown) => err instanceof GatewayError && err.type === 'API_CONFIGURATION_ERROR',
    );
    assert.throws(() => createHttpProxyIntegration(integration('not a url')), /api\.yaml#\/paths\/~1pets\/get: integrationUri "not a url"/);
    assert.throws(() => createHttpProxyIntegration(integration(`${up.base}/x`, { requestParameters: { 'append:header.host': 'x', 'append:header.via': 'y' } })), /"append:header\.via".*reserved/);
  });
});

test('keeps upstream connections alive: 5 sequential requests use 1 socket', async (t) => {
  const up = await startUpstream();
  t.after(async () => {
    await closeHttpProxyAgents();
    await stop(up.server);
  });
  const proxy = createHttpProxyIntegration(integration(`${up.base}/k`));
  for (let i = 0; i < 5; i++) {
    await bodyOf(await proxy(makeContext({})));
    // undici hands the socket back to its pool a tick after the body ends; a real next request
    // is always at least one network round-trip later.
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(up.sockets(), 1);
});

describe('HTTP_PROXY response mappings that buffer the body', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  /** How the upstream's last `/endless` response ended: `'aborted'` when the gateway hung up mid-body. */
  let endless: Promise<string> = Promise.resolve('none');
  before(async () => {
    up = await startUpstream({
      '/named': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'a\nb', code: 'E1' })),
      '/json-error': (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '14' }).end('{"code":"E42"}'),
      '/endless': (_req, res) => {
        // Chunked, no Content-Length: 64 MB unless the reader hangs up first.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        endless = new Promise((resolve) => {
          res.on('close', () => resolve(res.writableFinished ? 'finished' : 'aborted'));
          const pump = (): void => {
            while (sent < 64 * 1024 * 1024) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
        });
      },
      '/declared': (_req, res) => {
        // Declares 11 MB up front and sends only the first bytes.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(11 * 1024 * 1024) });
        res.write('{"a":');
      },
    });
  });
  after(async () => {
    await stop(up.server);
    await closeHttpProxyAgents();
  });
  const mapped = (path: string, mapping: Record<string, string>) =>
    createHttpProxyIntegration(integration(`${up.base}${path}`, { responseParameters: { '200': mapping } }))(makeContext({}));

  test('a buffered body drops the upstream Content-Length (the writer sends the Buffer\'s own, once)', async () => {
    const res = await mapped('/json-error', { 'append:header.x-code': '$response.body.code' });
    assert.ok(Buffer.isBuffer(res.body));
    assert.deepEqual(res.headers.filter(([n]) => n.toLowerCase() === 'content-length'), []);
    assert.ok(res.headers.some(([n, v]) => n === 'x-code' && v === 'E42'));
    // Without a body mapping, a small declared body is read whole too (the writer's Content-Length)...
    const small = await mapped('/json-error', { 'append:header.x-static': 'yes' });
    assert.ok(Buffer.isBuffer(small.body));
    assert.equal(small.body.toString(), '{"code":"E42"}');
    assert.deepEqual(small.headers.filter(([n]) => n.toLowerCase() === 'content-length'), []);
    // ...and one without a declared length passes through as a stream, untouched.
    const streamed = await mapped('/named', { 'append:header.x-static': 'yes' });
    assert.ok(streamed.body instanceof Readable);
    assert.deepEqual(streamed.headers.filter(([n]) => n === 'content-length'), []);
    assert.equal((await bodyOf(streamed)).toString(), JSON.stringify({ name: 'a\nb', code: 'E1' }));
  });

  test('a mapped header value with CR/LF is dropped, the other operations apply', async () => {
    const res = await mapped('/named', { 'overwrite:header.x-name': '$response.body.name', 'append:header.x-code': '$response.body.code' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.headers.filter(([n]) => n.startsWith('x-')), [['x-code', 'E1']]);
  });

  test('a body over 10 MB → INTEGRATION_FAILURE (500), and the upstream response is torn down, not read to its end', async () => {
    await assert.rejects(mapped('/endless', { 'append:header.x-a': '$response.body.a' }), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.type, 'INTEGRATION_FAILURE');
      assert.match(err.message, /over the 10485760-byte limit/);
      assert.equal(HTTP_GATEWAY_RESPONSES[err.type].status, 500);
      return true;
    });
    assert.equal(await endless, 'aborted');
  });

  test('a declared Content-Length over 10 MB fails before reading', async () => {
    await assert.rejects(mapped('/declared', { 'append:header.x-a': '$response.body.a' }), (err: unknown) => err instanceof GatewayError && err.type === 'INTEGRATION_FAILURE' && /11534336 bytes/.test(err.message));
  });
});

describe('HTTP_PROXY path variables with dot-segments', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  before(async () => (up = await startUpstream()));
  after(async () => {
    await stop(up.server);
    await closeHttpProxyAgents();
  });

  test('a `.` or `..` segment (also %2e-encoded, or behind %2F or \\) → RESOURCE_NOT_FOUND (404), nothing sent', async () => {
    const proxy = createHttpProxyIntegration(integration(`${up.base}/public/{proxy}`));
    for (const value of ['..', '../../admin', 'a/../../admin', '%2e%2e/admin', '%2E%2E', 'a/%2E/b', '.', '..%2Fadmin', 'a/..%5cadmin', '..\\admin']) {
      await assert.rejects(proxy(makeContext({ routeKey: 'ANY /pub/{proxy+}', pathParameters: { proxy: value } })), (err: unknown) => {
        assert.ok(err instanceof GatewayError, value);
        assert.equal(err.type, 'RESOURCE_NOT_FOUND', value);
        assert.deepEqual([HTTP_GATEWAY_RESPONSES[err.type].status, HTTP_GATEWAY_RESPONSES[err.type].message], [404, 'Not Found']);
        return true;
      });
    }
    // Dots inside a segment are ordinary characters.
    for (const value of ['a..b', '...', '.well-known/x', 'v1.2/file.txt']) {
      const res = await proxy(makeContext({ routeKey: 'ANY /pub/{proxy+}', pathParameters: { proxy: value } }));
      assert.equal((JSON.parse((await bodyOf(res)).toString()) as Echo).url, `/public/${value}`);
    }
  });

  test('the same holds for a one-segment variable, the $default full path and an overwrite:path mapping', async () => {
    const one = createHttpProxyIntegration(integration(`${up.base}/pets/{id}`));
    await assert.rejects(one(makeContext({ routeKey: 'GET /pets/{id}', pathParameters: { id: '%2e%2e' } })), (err: unknown) => err instanceof GatewayError && err.type === 'RESOURCE_NOT_FOUND');
    const def = createHttpProxyIntegration(integration(`${up.base}/base`));
    await assert.rejects(def(makeContext({ path: '/x/../../admin' })), (err: unknown) => err instanceof GatewayError && err.type === 'RESOURCE_NOT_FOUND');
    const mappedPath = createHttpProxyIntegration(integration(`${up.base}/x`, { requestParameters: { 'overwrite:path': '/public/${request.path.rest}' } }));
    await assert.rejects(mappedPath(makeContext({ routeKey: 'GET /m/{rest+}', pathParameters: { rest: '../admin' } })), (err: unknown) => err instanceof GatewayError && err.type === 'RESOURCE_NOT_FOUND');
  });
});

test('a stage-variable URI is resolved per stage (each stage its own target; a bad one fails every time)', async (t) => {
  const up = await startUpstream();
  t.after(async () => {
    await closeHttpProxyAgents();
    await stop(up.server);
  });
  const proxy = createHttpProxyIntegration(integration('${stageVariables.up}/${stageVariables.base}/{id}?s=${stageVariables.base}'));
  const a = { up: up.base, base: 'a' };
  const b = { up: up.base, base: 'b' };
  const bad = { up: 'ftp://nope', base: 'x' };
  for (const vars of [a, b, a, b]) {
    const res = await proxy(makeContext({ stageVariables: vars, routeKey: 'GET /{id}', pathParameters: { id: '1' } }));
    assert.equal((JSON.parse((await bodyOf(res)).toString()) as Echo).url, `/${vars.base}/1?s=${vars.base}`);
  }
  const c = makeContext({ stageVariables: bad });
  for (let i = 0; i < 2; i++) await assert.rejects(proxy(c), (err: unknown) => err instanceof GatewayError && err.type === 'API_CONFIGURATION_ERROR');
});
