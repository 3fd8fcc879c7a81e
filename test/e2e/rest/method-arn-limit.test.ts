/**
 * The 1600-byte method ARN limit of REST methods with authorization: a long {proxy+} path that
 * makes the ARN longer is answered 414 before the Lambda authorizer is invoked; one byte
 * shorter passes; a method without authorization has no such limit.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startGateway, writeProject } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;

test('a method ARN over 1600 bytes is 414 and never reaches the authorizer; at 1600 it passes', async (t) => {
  const dir = writeProject(t, {
    'portico.yaml': `
functions:
  auth: { handler: fns/auth.handler }
apis:
  - { name: arns, type: REST, apiId: arnlimit, openapi: api.yaml, stages: [{ name: prod }] }
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: arns, version: "1" }
paths:
  /locked/{proxy+}:
    get: { security: [{ tok: [] }], x-amazon-apigateway-integration: ${MOCK} }
  /open/{proxy+}:
    get: { x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    tok:
      { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: custom,
        x-amazon-apigateway-authorizer: { type: token, authorizerUri: "${ARN('auth')}", authorizerResultTtlInSeconds: 0 } }
`,
    'fns/auth.mjs': `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(new URL('./calls.log', import.meta.url), event.methodArn.length + '\\n');
  return { principalId: 'u', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] } };
};
`,
  });
  const { base } = await startGateway(t, dir);
  const calls = (): number => (existsSync(join(dir, 'fns/calls.log')) ? readFileSync(join(dir, 'fns/calls.log'), 'utf8').split('\n').filter(Boolean).length : 0);
  const get = async (path: string) => {
    const res = await request(`${base}/prod${path}`, { headers: { authorization: 'token' } });
    return { status: res.statusCode, text: await res.body.text() };
  };
  // arn:aws:execute-api:us-east-1:123456789012:arnlimit/prod/GET/locked/<tail>
  const prefix = 'arn:aws:execute-api:us-east-1:123456789012:arnlimit/prod/GET/locked/';
  const tail = (bytes: number): string => 'a'.repeat(bytes - prefix.length);

  const atLimit = await get(`/locked/${tail(1600)}`);
  assert.equal(atLimit.status, 200);
  assert.equal(calls(), 1);

  const over = await get(`/locked/${tail(1601)}`);
  assert.equal(over.status, 414);
  assert.deepEqual(JSON.parse(over.text), { message: 'Request-URI Too Long' });
  assert.equal(calls(), 1, 'the authorizer was not invoked');

  const open = await get(`/open/${tail(3000)}`);
  assert.equal(open.status, 200, 'no authorization, no ARN limit');
});
