/**
 * IAM identity-based policies on REST `AWS_IAM` methods, end to end: requests signed by the AWS
 * SDK's signer reach a real gateway whose credentials carry `policies`; the caller needs
 * `execute-api:Invoke` on `arn:aws:execute-api:us-east-1:123456789012:{apiId}/{stage}/{METHOD}/{path}`.
 * Refusals are ACCESS_DENIED with AWS's `Message`, and the function is never invoked.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, lambdaUri, sendSigned, serve, sign, type Key, type Served } from '../../security/helpers.ts';

const ALICE: Key = { accessKeyId: 'AKIAPOLICYALICE00001', secretAccessKey: 'alice-secret' };
const BOB: Key = { accessKeyId: 'AKIAPOLICYBOB0000002', secretAccessKey: 'bob-secret' };
const CAROL: Key = { accessKeyId: 'AKIAPOLICYCAROL00003', secretAccessKey: 'carol-secret' };
const DAVE: Key = { accessKeyId: 'AKIAPOLICYDAVE000004', secretAccessKey: 'dave-secret' };
const API = 'arn:aws:execute-api:us-east-1:123456789012:petsiam';
const BASE = '/_aws/execute-api/petsiam';

/** The REST API: GET/DELETE /pets/{id}, GET /pets (AWS_IAM), the recorder as integration. */
function files(resourcePolicy = ''): Record<string, string> {
  const method = `{ security: [{ sigv4: [] }], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }`;
  return {
    'portico.yaml': `
credentials:
  # alice: read the pets in prod, nothing else
  - accessKeyId: ${ALICE.accessKeyId}
    secretAccessKey: ${ALICE.secretAccessKey}
    policies:
      - Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Action: execute-api:Invoke, Resource: ["${API}/prod/GET/pets", "${API}/prod/GET/pets/*"] }
  # bob: may only POST
  - accessKeyId: ${BOB.accessKeyId}
    secretAccessKey: ${BOB.secretAccessKey}
    policies:
      - { Version: "2012-10-17", Statement: { Effect: Allow, Action: execute-api:Invoke, Resource: "${API}/*/POST/*" } }
  # carol: everything, except pet 13 (two documents)
  - accessKeyId: ${CAROL.accessKeyId}
    secretAccessKey: ${CAROL.secretAccessKey}
    policies:
      - { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "execute-api:*", Resource: "*" }] }
      - { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: execute-api:Invoke, Resource: "${API}/*/*/pets/13" }] }
  # dave: no policies, so unrestricted (as before policies existed)
  - { accessKeyId: ${DAVE.accessKeyId}, secretAccessKey: ${DAVE.secretAccessKey} }
functions:
  recorder: { handler: fns/recorder.handler }
apis:
  - { name: pets, apiId: petsiam, type: REST, openapi: api.yaml, stage: prod }
`,
    'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
${resourcePolicy}
paths:
  /pets:
    get: ${method}
  /pets/{id}:
    get: ${method}
    delete: ${method}
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
  };
}

/** Sends `method path` signed with `key`; returns the reply. */
async function call(gw: Served, key: Key, method: string, path: string) {
  return sendSigned(gw.base, await sign(gw.base, { method, path: `${BASE}${path}`, key }));
}

const denied = (key: Key, resource: string, explicit = false): string =>
  JSON.stringify({ Message: `User: arn:aws:iam::123456789012:user/${key.accessKeyId} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:petsiam/${resource}${explicit ? ' with an explicit deny' : ''}` });
const ACCESS_DENIED = { 'x-amzn-errortype': 'AccessDeniedException', 'content-type': 'application/json' };

async function project(t: TestContext, resourcePolicy?: string): Promise<Served> {
  return serve(t, files(resourcePolicy));
}

describe('REST AWS_IAM methods with identity policies', () => {
  test('a credential is allowed what its policy allows (path wildcard included) and refused the rest', async (t) => {
    const gw = await project(t);
    assert.equal((await call(gw, ALICE, 'GET', '/prod/pets')).status, 200);
    assert.equal((await call(gw, ALICE, 'GET', '/prod/pets/7')).status, 200, 'pets/* covers pets/7');
    assert.equal(gw.invocations(), 2);
    assertRefused(gw, 2, await call(gw, ALICE, 'DELETE', '/prod/pets/7'), 403, denied(ALICE, 'prod/DELETE/pets/7'), ACCESS_DENIED);
    // Another credential on the same method: its own policy decides.
    assertRefused(gw, 2, await call(gw, BOB, 'GET', '/prod/pets'), 403, denied(BOB, 'prod/GET/pets'), ACCESS_DENIED);
    assertRefused(gw, 2, await call(gw, BOB, 'DELETE', '/prod/pets/1'), 403, denied(BOB, 'prod/DELETE/pets/1'), ACCESS_DENIED);
  });

  test('an explicit Deny in one document wins over an Allow in another, for that resource only', async (t) => {
    const gw = await project(t);
    assertRefused(gw, 0, await call(gw, CAROL, 'GET', '/prod/pets/13'), 403, denied(CAROL, 'prod/GET/pets/13', true), ACCESS_DENIED);
    assertRefused(gw, 0, await call(gw, CAROL, 'DELETE', '/prod/pets/13'), 403, denied(CAROL, 'prod/DELETE/pets/13', true), ACCESS_DENIED);
    assert.equal((await call(gw, CAROL, 'DELETE', '/prod/pets/12')).status, 200);
    assert.equal((await call(gw, CAROL, 'GET', '/prod/pets/130')).status, 200);
    assert.equal(gw.invocations(), 2);
  });

  test('a credential without policies may call every method', async (t) => {
    const gw = await project(t);
    for (const [method, path] of [['GET', '/prod/pets'], ['DELETE', '/prod/pets/13']] as const) assert.equal((await call(gw, DAVE, method, path)).status, 200);
    assert.equal(gw.invocations(), 2);
  });

  test('with a resource policy (same account): either policy allowing suffices, a Deny in either refuses', async (t) => {
    // The resource policy allows DELETE on pet 7 to everyone and denies GET on pet 99.
    const gw = await project(
      t,
      `x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - { Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/prod/DELETE/pets/7" }
    - { Effect: Deny, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/prod/GET/pets/99" }`,
    );
    // Alice's identity policy doesn't allow DELETE, the resource policy does: allowed.
    assert.equal((await call(gw, ALICE, 'DELETE', '/prod/pets/7')).status, 200);
    // Neither allows DELETE /pets/8: refused (the resource policy's wording, same message).
    assertRefused(gw, 1, await call(gw, ALICE, 'DELETE', '/prod/pets/8'), 403, denied(ALICE, 'prod/DELETE/pets/8'), ACCESS_DENIED);
    // Her identity policy allows GET /pets/99; the resource policy denies it.
    assertRefused(gw, 1, await call(gw, ALICE, 'GET', '/prod/pets/99'), 403, denied(ALICE, 'prod/GET/pets/99', true), ACCESS_DENIED);
    // Carol's identity Deny on pet 13 is not lifted by anything.
    assertRefused(gw, 1, await call(gw, CAROL, 'GET', '/prod/pets/13'), 403, denied(CAROL, 'prod/GET/pets/13', true), ACCESS_DENIED);
    assert.equal((await call(gw, ALICE, 'GET', '/prod/pets/1')).status, 200);
    assert.equal(gw.invocations(), 2);
  });
});
