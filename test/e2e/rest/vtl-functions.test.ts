/**
 * REST mapping templates (VTL) end to end: `$input`, `$util`, `$context` and `$stageVariables`
 * rendered by request templates (seen by an echoing Lambda function or an HTTP backend) and by
 * MOCK response templates (seen by the client), plus request data that looks like VTL.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/** An AWS (non-proxy) integration of the echo function. */
function echo(requestTemplate?: string, responseTemplate?: string): Record<string, unknown> {
  return {
    type: 'aws',
    httpMethod: 'POST',
    uri: ARN('echo'),
    ...(requestTemplate !== undefined ? { requestTemplates: { 'application/json': requestTemplate } } : {}),
    responses: { default: { statusCode: '200', ...(responseTemplate !== undefined ? { responseTemplates: { 'application/json': responseTemplate } } : {}) } },
  };
}

/** A MOCK integration answering 200 with `responseTemplate`. */
function mock(responseTemplate: string): Record<string, unknown> {
  return {
    type: 'mock',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': responseTemplate } } },
  };
}

const op = (integration: Record<string, unknown>): Record<string, unknown> => ({ responses: { '200': { description: 'ok' } }, 'x-amazon-apigateway-integration': integration });

const INPUT_TEMPLATE = `{
  "body": $input.body,
  "json": $input.json('$.a'),
  "jsonList": $input.json('$.list'),
  "jsonStr": $input.json('$.s'),
  "pathMap": "$input.path('$.a')",
  "pathList": "$input.path('$.list')",
  "pathStr": "$input.path('$.s')",
  "pathNum": $input.path('$.a.b'),
  "size": $input.path('$.list').size(),
  "missingJson": "$input.json('$.nope')",
  "missingPath": "$input.path('$.nope')",
  "pId": "$input.params('id')",
  "pQ": "$input.params('q')",
  "pH": "$input.params('x-h')",
  "prec": "$input.params('x')",
  "pNone": "$input.params('nope')",
  "allPath": "$input.params().path",
  "allQuery": "$input.params().querystring",
  "hdr": "$input.params().header.get('x-h')"
}`;

const UTIL_TEMPLATE = [
  "esc=$util.escapeJavaScript($input.params('e'))",
  "enc=$util.urlEncode($input.params('u'))",
  "dec=$util.urlDecode($input.params('d'))",
  "b64=$util.base64Encode($input.params('b'))",
  "unb64=$util.base64Decode($input.params('bb'))",
  "#set($o = $util.parseJson($input.params('j')))k=$o.k",
  'n=$o.n.size()',
  'o=$o',
].join('\n');

const CONTEXT_TEMPLATE = [
  'requestId=$context.requestId',
  'stage=$context.stage',
  'resourcePath=$context.resourcePath',
  'httpMethod=$context.httpMethod',
  'sourceIp=$context.identity.sourceIp',
  'path=$context.path',
  'sv=$stageVariables.color',
  "sv2=$stageVariables['color']",
  'sv3=${stageVariables.color}',
  'missing=[$stageVariables.nope]',
].join('\n');

const CONTEXT_REQUEST_TEMPLATE = '{"stage": "$context.stage", "requestId": "$context.requestId", "resourcePath": "$context.resourcePath", "httpMethod": "$context.httpMethod", "sourceIp": "$context.identity.sourceIp", "path": "$context.path", "color": "$stageVariables.color"}';

function api(backendPort: number): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title: 'vtl', version: '1' },
    paths: {
      '/req/{id}': { post: op(echo(INPUT_TEMPLATE)) },
      '/empty': { post: op(echo('{"body": $input.body}')) },
      // The function returns the client's (passed-through) body; the response template renders it as text.
      '/resp-input': {
        post: op(echo(undefined, "objs=$input.path('$.objs')|nested=$input.path('$.n')|num=$input.path('$.f')|bool=$input.path('$.t')|size=$input.path('$.objs').size()|missing=[$input.path('$.nope')]|json=$input.json('$.n.m')")),
      },
      '/util': { get: op(mock(UTIL_TEMPLATE)) },
      '/ctx/{id}': { get: op(mock(CONTEXT_TEMPLATE)) },
      '/ctx-req': { put: op(echo(CONTEXT_REQUEST_TEMPLATE)) },
      // Injection: client data rendered by a request template (into JSON) and by response templates (as text).
      '/inj-req': { post: op(echo(`{"x": $input.json('$.x'), "q": "$input.params('q')", "h": "$input.params('x-inj')"}`)) },
      '/inj-resp': { post: op(echo(undefined, "x=$input.path('$.x')|body=$input.body")) },
      '/inj-mock': { get: op(mock("q=$input.params('q')|h=$input.params('x-inj')")) },
      '/override': {
        post: op({
          type: 'http',
          httpMethod: 'POST',
          uri: `http://127.0.0.1:${backendPort}/back`,
          requestParameters: { 'integration.request.header.X-Over': "'from-mapping'", 'integration.request.header.X-Mapped': "'mapped'" },
          requestTemplates: {
            'application/json': '#set($context.requestOverride.header.X-Over = "from-template")#set($context.requestOverride.querystring.qo = "q1"){"sent": $input.json(\'$.v\')}',
          },
          responses: { default: { statusCode: '200' } },
        }),
      },
    },
  };
}

/** A backend that answers with what it received. */
async function backend(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, headers: req.headers, body }));
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(base + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string | string[] | undefined>, text, json: (): unknown => JSON.parse(text) };
}

/** `k=v` lines of a rendered text template → record (a value may contain `=`). */
function lines(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

test('REST mapping templates (VTL) end to end', async (t) => {
  const port = await backend(t);
  const { base } = await serveFiles(t, {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
apis:
  - name: api
    type: REST
    openapi: api.yaml
    stage: test
    stageVariables: { color: blue }
`,
    // JSON is YAML.
    'api.yaml': JSON.stringify(api(port), null, 2),
    'fns/echo.mjs': 'export const handler = async (event) => event;',
  });

  await t.test('$input.body, $input.json, $input.path (map/list rendering, .size()) and $input.params in a request template', async () => {
    const body = '{"a":{"b":1},"list":[1,2,3],"s":"str"}';
    const res = await call(base, '/test/req/7?q=qv&x=from-query&id=query-id', { method: 'POST', headers: { 'content-type': 'application/json', 'x-h': 'hv', x: 'from-header' }, body });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), {
      body: { a: { b: 1 }, list: [1, 2, 3], s: 'str' },
      json: { b: 1 },
      jsonList: [1, 2, 3],
      jsonStr: 'str',
      // A JSON object from $input.path renders as a Java map; a list as JSON.
      pathMap: '{b=1}',
      pathList: '[1,2,3]',
      pathStr: 'str',
      pathNum: 1,
      size: 3,
      missingJson: '',
      missingPath: '',
      // Path first, then query string, then header.
      pId: '7',
      pQ: 'qv',
      pH: 'hv',
      prec: 'from-query',
      pNone: '',
      allPath: '{id=7}',
      allQuery: '{q=qv, x=from-query, id=query-id}',
      hdr: 'hv',
    });
  });

  await t.test('an empty body renders $input.body as {}', async () => {
    const res = await call(base, '/test/empty', { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), { body: {} });
  });

  await t.test('$input.path in a response template: lists as JSON, maps as Java maps (nested lists as JSON), scalars as text', async () => {
    const body = JSON.stringify({ objs: [{ foo: 'bar' }], n: { l: [1, 2], m: { z: 1 } }, f: 1.5, t: true });
    const res = await call(base, '/test/resp-input', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'objs=[{"foo":"bar"}]|nested={l=[1,2], m={z=1}}|num=1.5|bool=true|size=1|missing=[]|json={"z":1}');
  });

  await t.test('every $util function gives the documented output', async () => {
    const q = new URLSearchParams({
      e: 'say "hi" it\'s a \\ line\n',
      u: 'a b&c=d/é',
      d: 'a+b%26c%3D%C3%A9',
      b: 'hello world',
      bb: 'aGVsbG8gd29ybGQ=',
      j: '{"k":"v","n":[1,2,3]}',
    });
    const res = await call(base, `/test/util?${q.toString()}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(lines(res.text), {
      // JavaScript string rules: quotes (the single one too), backslash and newline escaped.
      esc: 'say \\"hi\\" it\\\'s a \\\\ line\\n',
      // application/x-www-form-urlencoded, UTF-8.
      enc: 'a+b%26c%3Dd%2F%C3%A9',
      dec: 'a b&c=é',
      b64: 'aGVsbG8gd29ybGQ=',
      unb64: 'hello world',
      k: 'v',
      n: '3',
      o: '{k=v, n=[1,2,3]}',
    });
  });

  await t.test('$context values and $stageVariables in a response template', async () => {
    const res = await call(base, '/test/ctx/5');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(lines(res.text), {
      requestId: String(res.headers['x-amzn-requestid']),
      stage: 'test',
      resourcePath: '/ctx/{id}',
      httpMethod: 'GET',
      sourceIp: '127.0.0.1',
      path: '/test/ctx/5',
      sv: 'blue',
      sv2: 'blue',
      sv3: 'blue',
      missing: '[]',
    });
  });

  await t.test('$context values and $stageVariables in a request template reach the function', async () => {
    const res = await call(base, '/test/ctx-req', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), {
      stage: 'test',
      requestId: res.headers['x-amzn-requestid'],
      resourcePath: '/ctx-req',
      httpMethod: 'PUT',
      sourceIp: '127.0.0.1',
      path: '/test/ctx-req',
      color: 'blue',
    });
  });

  const EVIL = "#set($x = 1)$util.base64Encode('x')${x}$context.requestId #if(true)yes#end $!nothing";

  await t.test('request data that looks like VTL comes out verbatim through a request template', async () => {
    const res = await call(base, `/test/inj-req?q=${encodeURIComponent(EVIL)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inj': EVIL },
      body: JSON.stringify({ x: EVIL }),
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), { x: EVIL, q: EVIL, h: EVIL });
  });

  await t.test('a body that looks like VTL comes out verbatim through a response template', async () => {
    const body = JSON.stringify({ x: EVIL });
    const res = await call(base, '/test/inj-resp', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, `x=${EVIL}|body=${body}`);
  });

  await t.test('query and header values that look like VTL come out verbatim through a MOCK response template', async () => {
    const res = await call(base, `/test/inj-mock?q=${encodeURIComponent(EVIL)}`, { headers: { 'x-inj': EVIL } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, `q=${EVIL}|h=${EVIL}`);
  });

  await t.test('$context.requestOverride.header/querystring reach an HTTP backend and win over requestParameters', async () => {
    const res = await call(base, '/test/override', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v": "payload"}' });
    assert.equal(res.status, 200, res.text);
    const seen = res.json() as { url: string; headers: Record<string, string>; body: string };
    assert.equal(seen.headers['x-over'], 'from-template');
    assert.equal(seen.headers['x-mapped'], 'mapped');
    assert.equal(seen.url, '/back?qo=q1');
    assert.deepEqual(JSON.parse(seen.body), { sent: 'payload' });
  });
});
