/**
 * REST `AWS_IAM` methods end to end: requests signed with the AWS SDK's signer
 * (`@smithy/signature-v4`, what SDK clients use) and sent with undici to a real gateway whose
 * Lambda worker echoes `requestContext.identity` (spec §6.3, §2.1).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { serveFiles } from '../../helpers/gateway.ts';

const KEY = { accessKeyId: 'AKIAPORTICOTEST00001', secretAccessKey: 'rest-iam-secret' };
const ARN = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations';
const LAMBDA = `x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN}" }`;

const FILES = {
  'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
functions:
  echo: { handler: fns/echo.handler }
apis:
  - { name: pets, type: REST, openapi: api.yaml, stages: [{ name: prod }] }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get: { security: [{ sigv4: [] }], ${LAMBDA} }
    post: { security: [{ sigv4: [] }], ${LAMBDA} }
  /open:
    get: { ${LAMBDA} }
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
  'fns/echo.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ identity: event.requestContext.identity, body: event.body }) });\n',
};

interface Reply {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly json: Record<string, unknown>;
}

interface Signed {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null> | undefined;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Signs like an SDK client would for `execute-api` in us-east-1. */
async function sign(base: string, r: { method?: string; path: string; query?: Record<string, string>; body?: string }, credentials = KEY, signingDate = new Date()): Promise<Signed> {
  const url = new URL(base);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host, ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const signed = await signer.sign({ method: r.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: r.path, query: r.query ?? {}, headers, ...(r.body !== undefined ? { body: r.body } : {}) }, { signingDate });
  return { method: signed.method, path: signed.path, query: signed.query, headers: signed.headers, ...(r.body !== undefined ? { body: r.body } : {}) };
}

async function send(base: string, s: Signed): Promise<Reply> {
  const qs = new URLSearchParams(Object.entries(s.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString().replace(/\+/g, '%20');
  const res = await request(`${base}${s.path}${qs ? `?${qs}` : ''}`, { method: s.method as 'GET', headers: s.headers, ...(s.body !== undefined ? { body: s.body } : {}) });
  const type = res.headers['x-amzn-errortype'];
  return { status: res.statusCode, errorType: Array.isArray(type) ? type[0] : type, json: (await res.body.json()) as Record<string, unknown> };
}

describe('REST AWS_IAM methods', () => {
  test('a signed GET reaches the function with the caller in requestContext.identity', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, await sign(base, { path: '/prod/pets', query: { q: 'a b' } }));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const identity = res.json['identity'] as Record<string, unknown>;
    assert.equal(identity['accessKey'], KEY.accessKeyId);
    assert.equal(identity['accountId'], '123456789012');
    assert.equal(identity['caller'], KEY.accessKeyId);
    assert.equal(identity['user'], KEY.accessKeyId);
    assert.equal(identity['userArn'], `arn:aws:iam::123456789012:user/${KEY.accessKeyId}`);
  });

  test('a signed POST with a body is served; the body still reaches the function', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, await sign(base, { method: 'POST', path: '/prod/pets', body: '{"name":"rex"}' }));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json['body'], '{"name":"rex"}');
  });

  test('a presigned URL is accepted', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const url = new URL(base);
    const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
    const signed = await signer.presign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/prod/pets', query: {}, headers: { host: url.host } }, { expiresIn: 300 });
    const res = await send(base, { method: 'GET', path: signed.path, query: signed.query, headers: { host: url.host } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  });

  test('a wrong secret is 403 InvalidSignatureException with the canonical request', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, await sign(base, { path: '/prod/pets' }, { ...KEY, secretAccessKey: 'wrong' }));
    assert.equal(res.status, 403);
    assert.equal(res.errorType, 'InvalidSignatureException');
    assert.match(String(res.json['message']), /^The request signature we calculated does not match the signature you provided\..*\n\nThe Canonical String for this request should have been\n'GET\n\/prod\/pets\n/s);
  });

  test('a signature older than 5 minutes is 403 "Signature expired"', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, await sign(base, { path: '/prod/pets' }, KEY, new Date(Date.now() - 10 * 60_000)));
    assert.equal(res.status, 403);
    assert.equal(res.errorType, 'InvalidSignatureException');
    assert.match(String(res.json['message']), /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  });

  test('an unknown key is 403 "The security token included in the request is invalid."', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, await sign(base, { path: '/prod/pets' }, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }));
    assert.equal(res.status, 403);
    assert.equal(res.json['message'], 'The security token included in the request is invalid.');
    // AWS's finer exception name, not the gateway response type's InvalidSignatureException.
    assert.equal(res.errorType, 'UnrecognizedClientException');
  });

  test('a malformed Authorization header is 403 IncompleteSignatureException', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, { method: 'GET', path: '/prod/pets', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAPORTICOTEST00001/20240101/us-east-1/execute-api/aws4_request' } });
    assert.equal(res.status, 403);
    assert.equal(res.errorType, 'IncompleteSignatureException');
  });

  test('no signature is 403 Missing Authentication Token; a NONE method on the same API stays open', async (t) => {
    const { base } = await serveFiles(t, FILES);
    const res = await send(base, { method: 'GET', path: '/prod/pets', headers: {} });
    assert.equal(res.status, 403);
    assert.equal(res.errorType, 'MissingAuthenticationTokenException');
    assert.deepEqual(res.json, { message: 'Missing Authentication Token' });
    assert.equal((await send(base, { method: 'GET', path: '/prod/open', headers: {} })).status, 200);
  });
});
