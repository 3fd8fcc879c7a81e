/**
 * Request smuggling and header abuse where the gateway owns the parsing: conflicting framing
 * headers (Content-Length with Transfer-Encoding, two Content-Lengths) are refused by Node's
 * HTTP parser with 400 before anything runs, and the gateway keeps serving; duplicate
 * Authorization headers are refused by the SigV4 check; CR/LF smuggled into a query value that
 * a mapping copies into a header never splits the upstream request's headers.
 * https://www.rfc-editor.org/rfc/rfc9112#section-6.3 (CL + TE is a smuggling vector)
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, rawExchange, send, sendSigned, serve, sign } from './helpers.ts';

/** An HTTP backend recording the headers of every request it gets. */
async function backend(t: TestContext): Promise<{ url: string; hits: IncomingHttpHeaders[] }> {
  const hits: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    hits.push(req.headers);
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end('{"from":"backend"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const KEY = { accessKeyId: 'AKIAHEADERABUSE00001', secretAccessKey: 'header-abuse-secret' };

test('header abuse at the edge and through mappings', async (t) => {
  const up = await backend(t);
  const gw = await serve(t, {
    'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
functions:
  recorder: { handler: fns/recorder.handler }
apis:
  - { name: rest, apiId: restedge, type: REST, openapi: rest.yaml, stage: prod }
  - name: http
    apiId: httpedge
    type: HTTP
    routes:
      "GET /mapped": { http: "${up.url}/mapped", requestParameters: { "overwrite:header.x-q": "$request.querystring.q" } }
`,
    'rest.yaml': `
openapi: 3.0.1
info: { title: rest, version: "1" }
paths:
  /pets:
    post: { x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
  /iam:
    get: { security: [{ sigv4: [] }], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }
  /mapped:
    get:
      parameters: [ { name: q, in: query, schema: { type: string } } ]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "${up.url}/mapped"
        requestParameters: { integration.request.header.x-q: method.request.querystring.q }
        responses: { default: { statusCode: "200" } }
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
  });
  const port = gw.gateway.port;

  await t.test('Content-Length with Transfer-Encoding, or two Content-Lengths: 400 from the parser, nothing runs, the gateway stays up', async () => {
    const smuggled = 'GET /_aws/execute-api/restedge/prod/pets HTTP/1.1\r\nHost: x\r\n\r\n';
    const framings = [
      `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      `Transfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n${smuggled}`,
      `Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}${smuggled}`,
    ];
    for (const framing of framings) {
      const raw = await rawExchange(port, `POST /_aws/execute-api/restedge/prod/pets HTTP/1.1\r\nHost: 127.0.0.1\r\n${framing}`);
      assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/, framing);
      assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1, 'exactly one response: the smuggled request was not parsed');
      assert.equal(gw.invocations(), 0);
    }
    const res = await send(gw.base, '/_aws/execute-api/restedge/prod/pets', { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(gw.invocations(), 1);
  });

  await t.test('two Authorization headers on an AWS_IAM method: 403 IncompleteSignatureException', async () => {
    const before = gw.invocations();
    const signed = await sign(gw.base, { path: '/_aws/execute-api/restedge/prod/iam', key: KEY });
    const headers = Object.entries(signed.headers).flatMap(([k, v]) => (k === 'authorization' ? [k, v, k, v] : [k, v]));
    const res = await send(gw.base, signed.url, { headers });
    assertRefused(gw, before, res, 403, '{"message":"Only one Authorization header is allowed"}', { 'x-amzn-errortype': 'IncompleteSignatureException' });
    assert.equal((await sendSigned(gw.base, signed)).status, 200);
  });

  await t.test('CR/LF in a query value mapped to a header never splits the upstream headers', async () => {
    const evil = encodeURIComponent('a\r\nx-injected: yes\r\n\r\nGET /pwned HTTP/1.1');
    // REST: the mapped value is not a valid header value: API_CONFIGURATION_ERROR, upstream not called.
    const rest = await send(gw.base, `/_aws/execute-api/restedge/prod/mapped?q=${evil}`);
    assert.equal(rest.status, 500);
    assert.equal(rest.text, '{"message": "Internal server error"}');
    assert.equal(rest.headers['x-amzn-errortype'], 'ApiConfigurationException');
    assert.equal(up.hits.length, 0);
    // HTTP API: the invalid value is left out; the upstream gets one request without it.
    const http = await send(gw.base, `/_aws/execute-api/httpedge/mapped?q=${evil}`);
    assert.equal(http.status, 200);
    assert.equal(http.text, '{"from":"backend"}');
    assert.equal(up.hits.length, 1);
    assert.equal(up.hits[0]?.['x-q'], undefined);
    assert.equal(up.hits[0]?.['x-injected'], undefined);
    // A clean value is mapped by both.
    for (const path of ['/_aws/execute-api/restedge/prod/mapped?q=clean', '/_aws/execute-api/httpedge/mapped?q=clean']) assert.equal((await send(gw.base, path)).status, 200);
    assert.deepEqual(up.hits.slice(1).map((h) => h['x-q']), ['clean', 'clean']);
  });
});
