/**
 * HTTP API `AWS_IAM` routes end to end: a request signed with the AWS SDK's signer reaches the
 * function with the caller in `requestContext.authorizer.iam` (payload 2.0); an unsigned or
 * wrongly signed one is refused with 403 and never reaches it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { serveFiles } from '../../helpers/gateway.ts';

const KEY = { accessKeyId: 'AKIAPORTICOHTTP00001', secretAccessKey: 'http-iam-secret' };
const ARN = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations';

const FILES = {
  'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
functions:
  echo: { handler: fns/echo.handler }
apis:
  - { name: pets, type: HTTP, openapi: api.yaml }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get:
      security: [{ sigv4: [] }]
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN}", payloadFormatVersion: "2.0" }
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
  'fns/echo.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer ?? null) });\n',
};

async function signedHeaders(base: string, secret: string): Promise<Record<string, string>> {
  const url = new URL(base);
  const signer = new SignatureV4({ credentials: { ...KEY, secretAccessKey: secret }, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/pets', query: {}, headers: { host: url.host } });
  return signed.headers;
}

test('HTTP API AWS_IAM route: signed → 200 with authorizer.iam; unsigned and wrong secret → 403', async (t) => {
  const { base } = await serveFiles(t, FILES);
  const ok = await request(`${base}/pets`, { headers: await signedHeaders(base, KEY.secretAccessKey) });
  assert.equal(ok.statusCode, 200);
  const authorizer = (await ok.body.json()) as { iam: { accessKey: string; accountId: string } };
  assert.equal(authorizer.iam.accessKey, KEY.accessKeyId);
  assert.equal(authorizer.iam.accountId, '123456789012');

  const unsigned = await request(`${base}/pets`);
  assert.equal(unsigned.statusCode, 403);
  await unsigned.body.dump();

  const forged = await request(`${base}/pets`, { headers: await signedHeaders(base, 'not-the-secret') });
  assert.equal(forged.statusCode, 403);
  assert.match(await forged.body.text(), /signature we calculated does not match/);
});
