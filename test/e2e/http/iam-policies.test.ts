/**
 * IAM identity-based policies on HTTP API `AWS_IAM` routes, end to end: the caller needs
 * `execute-api:Invoke` on `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`
 * (`$default` for the default stage; HTTP APIs have no resource policies). A refusal is 403
 * `{"message":"Forbidden"}` and the function never runs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, sendSigned, serve, sign, type Key } from '../../security/helpers.ts';

const ALICE: Key = { accessKeyId: 'AKIAHTTPALICE0000001', secretAccessKey: 'alice-secret' };
const BOB: Key = { accessKeyId: 'AKIAHTTPBOB000000002', secretAccessKey: 'bob-secret' };
const API = 'arn:aws:execute-api:us-east-1:123456789012:httpiam';

const route = `{ security: [{ sigv4: [] }], x-amazon-apigateway-integration: { type: aws_proxy, uri: "${lambdaUri('recorder')}", payloadFormatVersion: "2.0" } }`;
const FILES = {
  'portico.yaml': `
credentials:
  - accessKeyId: ${ALICE.accessKeyId}
    secretAccessKey: ${ALICE.secretAccessKey}
    policies: [{ Version: "2012-10-17", Statement: [{ Effect: Allow, Action: execute-api:Invoke, Resource: "${API}/$default/GET/*" }] }]
  - accessKeyId: ${BOB.accessKeyId}
    secretAccessKey: ${BOB.secretAccessKey}
    policies:
      - Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Action: execute-api:Invoke, Resource: "${API}/*" }
          - { Effect: Deny, Action: execute-api:Invoke, Resource: "${API}/*/POST/pets" }
functions:
  recorder: { handler: fns/recorder.handler }
apis:
  - { name: pets, apiId: httpiam, type: HTTP, openapi: api.yaml }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get: ${route}
    post: ${route}
  /pets/{id}:
    get: ${route}
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
};

const FORBIDDEN = JSON.stringify({ message: 'Forbidden' });

test('HTTP API AWS_IAM routes: allowed by the caller\'s policy, else 403 Forbidden without invoking', async (t) => {
  const gw = await serve(t, FILES);
  const call = async (key: Key, method: string, path: string) => sendSigned(gw.base, await sign(gw.base, { method, path, key, ...(method === 'POST' ? { body: '{}' } : {}) }));
  // GET on /pets and /pets/{id}: `$default/GET/*` covers both request paths.
  assert.equal((await call(ALICE, 'GET', '/pets')).status, 200);
  assert.equal((await call(ALICE, 'GET', '/pets/42')).status, 200);
  assert.equal(gw.invocations(), 2);
  // Alice has no Allow for POST: implicit deny.
  assertRefused(gw, 2, await call(ALICE, 'POST', '/pets'), 403, FORBIDDEN);
  // Bob is allowed everything but POST /pets, which his Deny refuses.
  assertRefused(gw, 2, await call(BOB, 'POST', '/pets'), 403, FORBIDDEN);
  assert.equal((await call(BOB, 'GET', '/pets/1')).status, 200);
  assert.equal(gw.invocations(), 3);
  // The refusal's detail is in the log, as AWS's IAM message.
  const logged = JSON.stringify(gw.logs);
  assert.match(logged, /User: arn:aws:iam::123456789012:user\/AKIAHTTPALICE0000001 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:\*{8}9012:httpiam\/\$default\/POST\/pets/);
});
