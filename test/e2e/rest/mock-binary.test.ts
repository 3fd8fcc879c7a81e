/**
 * REST API MOCK integrations and binary payloads end to end: a real client, the gateway on a
 * real socket, Lambda handlers in real worker threads and a node:http backend for HTTP_PROXY.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
 * Spec §4.2 (MOCK), §4.5 (contentHandling), §3.1 (isBase64Encoded and Accept), §9.1 (CORS MOCK).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/** A 1×1 PNG: starts with 0x89, so it is not valid UTF-8 and would not survive a text round trip. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG = Buffer.from(PNG_BASE64, 'base64');
/** Every byte value, for pass-through checks. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));

/**
 * A backend that answers each request with its own body and Content-Type, plus `x-echo-size`;
 * `GET /png` answers the PNG as image/png.
 */
async function echoBackend(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const server = createServer(async (req: IncomingMessage, res) => {
    if (req.method === 'GET' && req.url === '/png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
      res.end(PNG);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'x-echo-size': String(body.length) });
    res.end(body);
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

function project(backendPort: number): Record<string, string> {
  return {
    'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler, timeout: 1 }
  image: { handler: fns/image.handler, timeout: 1 }
  store: { handler: fns/store.handler, timeout: 1 }
  blob: { handler: fns/blob.handler, timeout: 1 }
apis:
  - name: mockbin
    type: REST
    openapi: api.yaml
    stage: v1
`,
    'fns/echo.mjs': `
export async function handler(event) {
  const h = event.headers ?? {};
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ isBase64Encoded: event.isBase64Encoded, body: event.body, contentType: h['content-type'] ?? h['Content-Type'] ?? null }),
  };
}
`,
    'fns/image.mjs': `
export async function handler() {
  return { statusCode: 200, headers: { 'content-type': 'image/png' }, body: '${PNG_BASE64}', isBase64Encoded: true };
}
`,
    'fns/store.mjs': `
export async function handler(event) {
  return { received: event };
}
`,
    'fns/blob.mjs': `
export async function handler() {
  return { data: '${PNG_BASE64}' };
}
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: mockbin, version: "1" }
x-amazon-apigateway-binary-media-types: [image/png]
paths:
  /mock/ok:
    get:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"mocked": true, "stage": "$context.stage"}'
    options:
      responses:
        "200":
          description: CORS
          headers:
            Access-Control-Allow-Origin: { schema: { type: string } }
            Access-Control-Allow-Methods: { schema: { type: string } }
            Access-Control-Allow-Headers: { schema: { type: string } }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,X-Api-Key'"
  /mock/missing:
    get:
      responses:
        "200": { description: found }
        "404": { description: missing }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 404}'
        responses:
          "404":
            statusCode: "404"
            responseTemplates:
              application/json: '{"message": "nothing here"}'
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"found": true}'
  /mock/notemplate:
    get:
      responses:
        "200": { description: ok }
        "404": { description: missing }
      x-amazon-apigateway-integration:
        type: mock
        responses:
          "404":
            statusCode: "404"
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"ok": "no request template"}'
  /mock/bad:
    get:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": "abc"}'
        responses:
          default: { statusCode: "200" }
  /upload:
    post:
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('echo')}" }
  /image:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('image')}" }
  /raw/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - { name: proxy, in: path, required: true, schema: { type: string } }
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: "http://127.0.0.1:${backendPort}/bin/{proxy}"
        timeoutInMillis: 2000
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
  /png:
    get:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://127.0.0.1:${backendPort}/png"
        timeoutInMillis: 2000
        responses:
          default: { statusCode: "200" }
  /convert:
    post:
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: "${ARN('store')}"
        contentHandling: CONVERT_TO_TEXT
        passthroughBehavior: when_no_templates
        requestTemplates:
          image/png: '{"data": "$input.body", "length": "$input.params(''Content-Length'')"}'
        responses:
          default: { statusCode: "200" }
  /decode:
    get:
      responses:
        "200":
          description: ok
          headers:
            Content-Type: { schema: { type: string } }
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: "${ARN('blob')}"
        responses:
          default:
            statusCode: "200"
            contentHandling: CONVERT_TO_BINARY
            responseParameters:
              method.response.header.Content-Type: "'image/png'"
            responseTemplates:
              application/json: "$input.path('$.data')"
`,
  };
}

test('REST MOCK integrations and binary payloads end to end', async (t) => {
  const backendPort = await echoBackend(t);
  const { base } = await serveFiles(t, project(backendPort));

  await t.test('MOCK answers the status of the request template (200) through the default integration response', async () => {
    const res = await request(`${base}/v1/mock/ok`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.equal(res.headers['x-amzn-trace-id'], undefined, 'no X-Amzn-Trace-Id on MOCK responses');
    assert.deepEqual(await res.body.json(), { mocked: true, stage: 'v1' });
  });

  await t.test('MOCK with statusCode 404 selects the integration response whose pattern is 404', async () => {
    const res = await request(`${base}/v1/mock/missing`);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(await res.body.json(), { message: 'nothing here' });
  });

  await t.test('MOCK without a request template answers 200 (the default response)', async () => {
    const res = await request(`${base}/v1/mock/notemplate`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { ok: 'no request template' });
  });

  await t.test('MOCK with {"statusCode": "abc"} answers 500 {"message":"Internal server error"}', async () => {
    const res = await request(`${base}/v1/mock/bad`);
    assert.equal(res.statusCode, 500);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(await res.body.json(), { message: 'Internal server error' });
  });

  await t.test('a CORS-style OPTIONS MOCK answers 200 with the Access-Control-* headers of its responseParameters and an empty body', async () => {
    const res = await request(`${base}/v1/mock/ok`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'GET,OPTIONS');
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type,X-Api-Key');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(await res.body.text(), '');
  });

  await t.test('an OPTIONS request to a resource without an OPTIONS method is 403 Missing Authentication Token', async () => {
    const res = await request(`${base}/v1/mock/missing`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    assert.deepEqual(await res.body.json(), { message: 'Missing Authentication Token' });
  });

  await t.test('a PNG request body (binary media type) reaches an AWS_PROXY function base64-encoded with isBase64Encoded true', async () => {
    const res = await request(`${base}/v1/upload`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: PNG });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { isBase64Encoded: true, body: PNG_BASE64, contentType: 'image/png' });
  });

  await t.test('a text request body reaches an AWS_PROXY function as text with isBase64Encoded false', async () => {
    const res = await request(`${base}/v1/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { isBase64Encoded: false, body: '{"a":1}', contentType: 'application/json' });
  });

  await t.test('a Lambda proxy result with isBase64Encoded is decoded to raw bytes for Accept: image/png', async () => {
    const res = await request(`${base}/v1/image`, { headers: { accept: 'image/png' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(Buffer.from(await res.body.arrayBuffer()), PNG);
  });

  await t.test('a Lambda proxy result with isBase64Encoded stays base64 text when Accept is not a binary media type', async () => {
    const res = await request(`${base}/v1/image`);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), PNG_BASE64);
    const json = await request(`${base}/v1/image`, { headers: { accept: 'application/json, image/png' } });
    assert.equal(await json.body.text(), PNG_BASE64, 'only the first Accept media type counts');
  });

  await t.test('HTTP_PROXY passes a binary body up and down untouched (binary media type or not, any Accept)', async () => {
    for (const [type, accept] of [['image/png', 'image/png'], ['image/png', undefined], ['application/octet-stream', 'application/json']] as const) {
      const payload = Buffer.concat([PNG, ALL_BYTES]);
      const res = await request(`${base}/v1/raw/files/a.png`, { method: 'PUT', headers: { 'content-type': type, ...(accept ? { accept } : {}) }, body: payload });
      assert.equal(res.statusCode, 200, `${type} / ${accept ?? 'no Accept'}`);
      assert.equal(res.headers['content-type'], type);
      assert.equal(res.headers['x-echo-size'], String(payload.length));
      assert.deepEqual(Buffer.from(await res.body.arrayBuffer()), payload, `${type} / ${accept ?? 'no Accept'}`);
    }
  });

  await t.test('HTTP (non-proxy) without contentHandling: a binary backend response is raw bytes for Accept: image/png, base64 text for a text Accept', async () => {
    const raw = await request(`${base}/v1/png`, { headers: { accept: 'image/png' } });
    assert.equal(raw.statusCode, 200);
    assert.deepEqual(Buffer.from(await raw.body.arrayBuffer()), PNG);
    const text = await request(`${base}/v1/png`, { headers: { accept: 'application/json' } });
    assert.equal(text.statusCode, 200);
    assert.equal(await text.body.text(), PNG_BASE64);
  });

  await t.test('CONVERT_TO_TEXT on an AWS (non-proxy) integration: a binary request reaches the template, and the function, as base64', async () => {
    const res = await request(`${base}/v1/convert`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: PNG });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(await res.body.json(), { received: { data: PNG_BASE64, length: String(PNG.length) } });
  });

  await t.test('CONVERT_TO_TEXT with passthroughBehavior WHEN_NO_TEMPLATES: a Content-Type without a template is 415', async () => {
    const res = await request(`${base}/v1/convert`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.statusCode, 415);
    assert.deepEqual(await res.body.json(), { message: 'Unsupported Media Type' });
  });

  await t.test('CONVERT_TO_BINARY on an integration response turns the base64 text the template renders into raw bytes', async () => {
    const res = await request(`${base}/v1/decode`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(Buffer.from(await res.body.arrayBuffer()), PNG);
  });
});
