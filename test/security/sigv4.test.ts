/**
 * Hostile SigV4 requests against REST `AWS_IAM` methods, an HTTP API `AWS_IAM` route and the
 * WebSocket `@connections` API of one gateway: requests signed by the AWS SDK's signer
 * (`@smithy/signature-v4`), then tampered with, replayed, mis-scoped or stripped. Each refusal is
 * 403 with AWS's exception and message, and the integration (or the WebSocket client) gets nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { assertRefused, lambdaUri, sendSigned, serve, sign, type Key, type Reply, type Served, type Signed } from './helpers.ts';

const KEY: Key = { accessKeyId: 'AKIASECURITYTEST0001', secretAccessKey: 'security-suite-secret' };
const TEMP: Key = { accessKeyId: 'ASIASECURITYTEST0002', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-of-temp' };
const REST = '/_aws/execute-api/restsec';
const HTTP = '/_aws/execute-api/httpsec';
const WS = '/_aws/execute-api/wssec';
const SIG = { 'x-amzn-errortype': 'InvalidSignatureException' };

async function project(t: TestContext): Promise<Served> {
  const rest = `x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" }`;
  const iam = `security: [{ sigv4: [] }]`;
  const scheme = `components:\n  securitySchemes:\n    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }\n`;
  return serve(t, {
    'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
  - { accessKeyId: ${TEMP.accessKeyId}, secretAccessKey: ${TEMP.secretAccessKey}, sessionToken: ${TEMP.sessionToken} }
functions:
  recorder: { handler: fns/recorder.handler }
  whoami: { handler: fns/whoami.handler }
apis:
  - { name: rest, apiId: restsec, type: REST, openapi: rest.yaml, stage: prod }
  - { name: http, apiId: httpsec, type: HTTP, openapi: http.yaml }
  - { name: ws, apiId: wssec, type: WEBSOCKET, stage: dev, routes: { whoami: { function: whoami, routeResponse: true } } }
`,
    'rest.yaml': `
openapi: 3.0.1
info: { title: rest, version: "1" }
paths:
  /pets:
    get: { ${iam}, ${rest} }
    post: { ${iam}, ${rest} }
  /pets/{id}:
    get: { ${iam}, ${rest} }
${scheme}`,
    'http.yaml': `
openapi: 3.0.1
info: { title: http, version: "1" }
paths:
  /pets:
    get: { ${iam}, x-amazon-apigateway-integration: { type: aws_proxy, uri: "${lambdaUri('recorder')}", payloadFormatVersion: "2.0" } }
${scheme}`,
    'fns/whoami.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n',
  });
}

/** RFC 3986 escaping, as SigV4 canonicalises paths and queries. */
const esc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * The body AWS answers a signature mismatch with, worked out independently from what was SENT:
 * the canonical request (the path as the API sees it, without the path-style prefix) and the
 * string to sign, as execute-api prints them.
 */
function mismatchBody(sent: Signed, apiPath: string, body = ''): string {
  const auth = sent.headers['authorization'] ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '';
  const [scopeDate, region, service, term] = (/Credential=[^/]+\/([^,]+)/.exec(auth)?.[1] ?? '').split('/');
  const query = new URL(sent.url, 'http://x').searchParams;
  const canonicalQuery = [...query].map(([k, v]) => `${esc(k)}=${esc(v)}`).sort().join('&');
  const lower = Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const headers = signedHeaders.split(';').map((h) => `${h}:${(lower[h] ?? '').trim()}`).join('\n');
  const path = apiPath.split('/').map((seg) => esc(seg)).join('/');
  const canonical = `${sent.method}\n${path}\n${canonicalQuery}\n${headers}\n\n${signedHeaders}\n${sha(body)}`;
  const longDate = lower['x-amz-date'] ?? '';
  const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scopeDate}/${region}/${service}/${term}\n${sha(canonical)}`;
  const message =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
    `\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
  return JSON.stringify({ message });
}

const message = (m: string): string => JSON.stringify({ message: m });
const EXPIRED = /^\{"message":"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)"\}$/;
const FUTURE = /^\{"message":"Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)"\}$/;
const minutes = (n: number): Date => new Date(Date.now() + n * 60_000);

describe('SigV4 on REST AWS_IAM methods', () => {
  test('tampering with anything signed is 403 InvalidSignatureException with the canonical request', async (t) => {
    const gw = await project(t);
    const base = gw.base;
    const get = await sign(base, { path: `${REST}/prod/pets`, query: { limit: '1' }, headers: { 'x-tenant': 'a' }, key: KEY });
    const item = await sign(base, { path: `${REST}/prod/pets/1`, key: KEY });
    const post = await sign(base, { method: 'POST', path: `${REST}/prod/pets`, body: '{"n":1}', headers: { 'content-type': 'application/json' }, key: KEY });
    const cases: [string, Signed, string, string?][] = [
      ['method', { ...get, method: 'POST' }, '/prod/pets'],
      ['path', { ...item, url: `${REST}/prod/pets/2` }, '/prod/pets/2'],
      ['query value', { ...get, url: get.url.replace('limit=1', 'limit=2') }, '/prod/pets'],
      ['query parameter added', { ...get, url: `${get.url}&admin=true` }, '/prod/pets'],
      ['a signed header', { ...get, headers: { ...get.headers, 'x-tenant': 'b' } }, '/prod/pets'],
      ['body', { ...post, body: '{"n":2}' }, '/prod/pets', '{"n":2}'],
      ['x-amz-date left unsigned, then moved', await unsignedDateMoved(base), '/prod/pets'],
    ];
    for (const [name, tampered, apiPath, body] of cases) {
      const res = await sendSigned(base, tampered);
      assert.equal(res.text, mismatchBody(tampered, apiPath, body), name);
      assertRefused(gw, 0, res, 403, res.text, SIG);
    }
    // Untampered, the same requests are served.
    for (const s of [get, item, post]) assert.equal((await sendSigned(base, s)).status, 200);
    assert.equal(gw.invocations(), 3);
  });

  test('replay, scope, key and token failures: AWS exception names and messages', async (t) => {
    const gw = await project(t);
    const base = gw.base;
    const path = `${REST}/prod/pets`;
    const refusals: [string, Promise<Signed>, number | RegExp | string, string][] = [
      ['signed 6 minutes ago', sign(base, { path, key: KEY, signingDate: minutes(-6) }), EXPIRED, 'InvalidSignatureException'],
      ['signed 6 minutes ahead', sign(base, { path, key: KEY, signingDate: minutes(6) }), FUTURE, 'InvalidSignatureException'],
      ['wrong region', sign(base, { path, key: KEY, region: 'eu-west-1' }), message("Credential should be scoped to a valid region, not 'eu-west-1'."), 'InvalidSignatureException'],
      ['wrong service', sign(base, { path, key: KEY, service: 'lambda' }), message("Credential should be scoped to correct service: 'execute-api'."), 'InvalidSignatureException'],
      ['host not signed', sign(base, { path, key: KEY, unsigned: ['host'] }), message("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."), 'InvalidSignatureException'],
      ['unknown access key', sign(base, { path, key: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'x' } }), message('The security token included in the request is invalid.'), 'UnrecognizedClientException'],
      ['session token missing', sign(base, { path, key: { accessKeyId: TEMP.accessKeyId, secretAccessKey: TEMP.secretAccessKey } }), message('The security token included in the request is invalid'), 'UnrecognizedClientException'],
      ['session token altered', sign(base, { path, key: { ...TEMP, sessionToken: `${TEMP.sessionToken}x` } }), message('The security token included in the request is invalid'), 'UnrecognizedClientException'],
      ['session token on a long-term key', sign(base, { path, key: { ...KEY, sessionToken: 'made-up' } }), message('The security token included in the request is invalid'), 'UnrecognizedClientException'],
      ['no signature at all', Promise.resolve({ method: 'GET', url: path, headers: {} }), message('Missing Authentication Token'), 'MissingAuthenticationTokenException'],
    ];
    for (const [name, signed, body, errorType] of refusals) {
      const res = await sendSigned(base, await signed);
      if (body instanceof RegExp) assert.match(res.text, body, name);
      else assert.equal(res.text, body, name);
      assertRefused(gw, 0, res, 403, res.text, { 'x-amzn-errortype': errorType });
    }
    // The temporary key with its token is served; so is a request whose x-amz-date is sent
    // but not signed (the date is part of the string to sign either way: see docs/security.md).
    assert.equal((await sendSigned(base, await sign(base, { path, key: TEMP }))).status, 200);
    assert.equal((await sendSigned(base, await sign(base, { path, key: KEY, unsigned: ['x-amz-date'] }))).status, 200);
    assert.equal(gw.invocations(), 2);
  });

  test('presigned URLs: expired, tampered, or mixed with a header signature are refused', async (t) => {
    const gw = await project(t);
    const base = gw.base;
    const path = `${REST}/prod/pets`;
    const expired = await sign(base, { path, key: KEY, presignSeconds: 60, signingDate: minutes(-10) });
    let res = await sendSigned(base, expired);
    assert.match(res.text, /^\{"message":"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)"\}$/);
    assertRefused(gw, 0, res, 403, res.text, SIG);

    const fresh = await sign(base, { path, query: { limit: '1' }, key: KEY, presignSeconds: 300 });
    const tampered = { ...fresh, url: fresh.url.replace('limit=1', 'limit=1000') };
    res = await sendSigned(base, tampered);
    assert.match(res.text, /^\{"message":"The request signature we calculated does not match the signature you provided\..*&X-Amz-SignedHeaders=host&limit=1000\\nhost:/);
    assertRefused(gw, 0, res, 403, res.text, SIG);

    const header = await sign(base, { path, key: KEY });
    res = await sendSigned(base, { ...fresh, headers: { ...fresh.headers, authorization: header.headers['authorization'] ?? '' } });
    assertRefused(gw, 0, res, 403, message('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified'), { 'x-amzn-errortype': 'IncompleteSignatureException' });

    assert.equal((await sendSigned(base, fresh)).status, 200);
    assert.equal(gw.invocations(), 1);
  });
});

/** Signs with `x-amz-date` left out of SignedHeaders, then moves the date by one second. */
async function unsignedDateMoved(base: string): Promise<Signed> {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
  const s = await sign(base, { path: `${REST}/prod/pets`, key: KEY, unsigned: ['x-amz-date'], signingDate: at });
  const moved = new Date(at.getTime() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return { ...s, headers: { ...s.headers, 'x-amz-date': moved } };
}

describe('SigV4 on an HTTP API AWS_IAM route', () => {
  test('tampered, replayed, mis-scoped and unsigned requests are 403; the function never runs', async (t) => {
    const gw = await project(t);
    const base = gw.base;
    const path = `${HTTP}/pets`;
    const good = await sign(base, { path, query: { q: '1' }, key: KEY });
    const cases: [string, Signed, string | RegExp][] = [
      ['query tampered', { ...good, url: good.url.replace('q=1', 'q=2') }, mismatchBody({ ...good, url: good.url.replace('q=1', 'q=2') }, '/pets')],
      ['replayed 6 minutes later', await sign(base, { path, key: KEY, signingDate: minutes(-6) }), EXPIRED],
      ['wrong region', await sign(base, { path, key: KEY, region: 'eu-west-1' }), message("Credential should be scoped to a valid region, not 'eu-west-1'.")],
      ['unknown key', await sign(base, { path, key: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'x' } }), message('The security token included in the request is invalid.')],
      ['unsigned', { method: 'GET', url: path, headers: {} }, message('Forbidden')],
    ];
    for (const [name, s, body] of cases) {
      const res: Reply = await sendSigned(base, s);
      if (body instanceof RegExp) assert.match(res.text, body, name);
      else assert.equal(res.text, body, name);
      assertRefused(gw, 0, res, 403, res.text);
    }
    assert.equal((await sendSigned(base, good)).status, 200);
    assert.equal(gw.invocations(), 1);
  });
});

describe('SigV4 on the @connections API', () => {
  test('a tampered, replayed, mis-scoped or unsigned PostToConnection delivers nothing', async (t) => {
    const gw = await project(t);
    const ws = new WebSocket(`${gw.base.replace('http', 'ws')}${WS}/dev`);
    t.after(() => ws.terminate());
    await once(ws, 'open');
    const received: string[] = [];
    const first = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('{"action":"whoami"}');
    const id = await first;
    ws.on('message', (d: Buffer) => received.push(d.toString()));
    const path = `${WS}/dev/%40connections/${encodeURIComponent(id)}`;
    const post = (o: { key?: Key; region?: string; signingDate?: Date } = {}): Promise<Signed> =>
      sign(gw.base, { method: 'POST', path, body: 'hello', key: o.key ?? KEY, ...(o.region ? { region: o.region } : {}), ...(o.signingDate ? { signingDate: o.signingDate } : {}) });
    const cases: [string, Signed, string | RegExp, string][] = [
      ['body tampered', { ...(await post()), body: 'evil' }, /^\{"message":"The request signature we calculated does not match the signature you provided\./, 'InvalidSignatureException'],
      ['replayed 6 minutes later', await post({ signingDate: minutes(-6) }), EXPIRED, 'InvalidSignatureException'],
      ['wrong region', await post({ region: 'eu-west-1' }), message("Credential should be scoped to a valid region, not 'eu-west-1'."), 'InvalidSignatureException'],
      ['unknown key', await post({ key: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'x' } }), message('The security token included in the request is invalid.'), 'UnrecognizedClientException'],
      ['unsigned', { method: 'POST', url: path, headers: {}, body: 'evil' }, message('Missing Authentication Token'), 'MissingAuthenticationTokenException'],
    ];
    for (const [name, s, body, errorType] of cases) {
      const res = await sendSigned(gw.base, s);
      assert.equal(res.status, 403, name);
      if (body instanceof RegExp) assert.match(res.text, body, name);
      else assert.equal(res.text, body, name);
      assert.equal(res.headers['x-amzn-errortype'], errorType, name);
    }
    // A genuine post arrives, and it is the first thing the client receives after whoami.
    const delivered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    assert.equal((await sendSigned(gw.base, await post())).status, 200);
    await delivered;
    assert.deepEqual(received, ['hello']);
    assert.equal(gw.invocations(), 0);
  });
});
