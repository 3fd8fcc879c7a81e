/**
 * Hostile requests against IAM identity-based policies (`credentials[].policies`): valid SigV4
 * signatures from keys whose policies don't cover what they ask for, dressed up to slip past a
 * Deny or borrow another resource's Allow (encoded path, doubled or trailing slashes, a method
 * override, another stage or API, a temporary key's role). Each refusal is 403 with AWS's
 * exact body and headers, and the integration is never invoked.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { describe, test, type TestContext } from 'node:test';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { assertRefused, lambdaUri, sendSigned, serve, sign, type Key, type Served } from './helpers.ts';

const API = 'arn:aws:execute-api:us-east-1:123456789012';
/** Everything on the REST API except pet 13 (explicit Deny). */
const GUARDED: Key = { accessKeyId: 'AKIAPOLICYGUARDED001', secretAccessKey: 'guarded-secret' };
/** GET only. */
const READER: Key = { accessKeyId: 'AKIAPOLICYREADER0002', secretAccessKey: 'reader-secret' };
/** Allowed on another API and on another stage of this one: nothing here. */
const ELSEWHERE: Key = { accessKeyId: 'AKIAPOLICYELSEWHERE3', secretAccessKey: 'elsewhere-secret' };
/** Temporary credentials of an assumed role; the policy allows that role only (aws:PrincipalArn). */
const SESSION: Key = { accessKeyId: 'ASIAPOLICYSESSION004', secretAccessKey: 'session-secret', sessionToken: 'token-4' };
/** ManageConnections for the connection id it was given, and on stage `other`. */
const NARROW: Key = { accessKeyId: 'AKIAPOLICYNARROW0005', secretAccessKey: 'narrow-secret' };

async function project(t: TestContext): Promise<Served> {
  const method = `{ security: [{ sigv4: [] }], x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${lambdaUri('recorder')}" } }`;
  const policy = (...statements: string[]): string => `[{ Version: "2012-10-17", Statement: [${statements.join(', ')}] }]`;
  return serve(t, {
    'portico.yaml': `
credentials:
  - { accessKeyId: ${GUARDED.accessKeyId}, secretAccessKey: ${GUARDED.secretAccessKey}, policies: ${policy('{ Effect: Allow, Action: "execute-api:*", Resource: "*" }', `{ Effect: Deny, Action: execute-api:Invoke, Resource: "${API}:restpol/*/*/pets/13" }`)} }
  - { accessKeyId: ${READER.accessKeyId}, secretAccessKey: ${READER.secretAccessKey}, policies: ${policy(`{ Effect: Allow, Action: execute-api:Invoke, Resource: "${API}:restpol/prod/GET/*" }`)} }
  - { accessKeyId: ${ELSEWHERE.accessKeyId}, secretAccessKey: ${ELSEWHERE.secretAccessKey}, policies: ${policy(`{ Effect: Allow, Action: "execute-api:*", Resource: ["${API}:otherapi/*", "${API}:restpol/dev/*", "${API}:wspol/other/*"] }`)} }
  - accessKeyId: ${SESSION.accessKeyId}
    secretAccessKey: ${SESSION.secretAccessKey}
    sessionToken: ${SESSION.sessionToken}
    arn: arn:aws:sts::123456789012:assumed-role/Reader/ci-session
    policies: ${policy(`{ Effect: Allow, Action: execute-api:Invoke, Resource: "*", Condition: { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/Writer" } } }`)}
  - { accessKeyId: ${NARROW.accessKeyId}, secretAccessKey: ${NARROW.secretAccessKey}, policies: ${policy(`{ Effect: Allow, Action: execute-api:ManageConnections, Resource: ["${API}:wspol/dev/POST/@connections/CONNECTION_ID", "${API}:wspol/other/POST/@connections/*"] }`)} }
functions:
  recorder: { handler: fns/recorder.handler }
  whoami: { handler: fns/whoami.handler }
apis:
  - { name: rest, apiId: restpol, type: REST, openapi: rest.yaml, stages: [{ name: prod }, { name: dev }] }
  - { name: ws, apiId: wspol, type: WEBSOCKET, stage: dev, routes: { whoami: { function: whoami, routeResponse: true } } }
`,
    'rest.yaml': `
openapi: 3.0.1
info: { title: rest, version: "1" }
paths:
  /pets/{id}:
    get: ${method}
    post: ${method}
    delete: ${method}
components:
  securitySchemes:
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`,
    'fns/whoami.mjs': 'export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n',
  });
}

const REST = '/_aws/execute-api/restpol';
const HEADERS = { 'x-amzn-errortype': 'AccessDeniedException' };
const body = (who: string, resource: string, explicit = false): string =>
  JSON.stringify({ Message: `User: ${who} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:restpol/${resource}${explicit ? ' with an explicit deny' : ''}` });
const user = (key: Key): string => `arn:aws:iam::123456789012:user/${key.accessKeyId}`;

describe('identity policies on REST methods: hostile requests', () => {
  test('a Deny on /pets/13 cannot be stepped around with percent-encoding, a trailing slash or doubled slashes', async (t) => {
    const gw = await project(t);
    const cases: [string, string][] = [
      ['/prod/pets/13', 'prod/GET/pets/13'],
      ['/prod/pets/%31%33', 'prod/GET/pets/%31%33'],
      ['/prod/pets/1%33', 'prod/GET/pets/1%33'],
      ['/prod/pets/13/', 'prod/GET/pets/13'],
    ];
    for (const [path, resource] of cases) {
      const res = await sendSigned(gw.base, await sign(gw.base, { path: `${REST}${path}`, key: GUARDED }));
      assertRefused(gw, 0, res, 403, body(user(GUARDED), resource, true), HEADERS);
    }
    // Doubled slashes match no resource of this API: refused before any policy (REST's unknown-route answer).
    const doubled = await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/prod/pets//13`, key: GUARDED }));
    assertRefused(gw, 0, doubled, 403, JSON.stringify({ message: 'Missing Authentication Token' }), { 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
    assert.equal((await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/prod/pets/14`, key: GUARDED }))).status, 200);
    assert.equal(gw.invocations(), 1);
  });

  test('the ARN names the method executed: a GET-only key cannot DELETE through X-HTTP-Method-Override', async (t) => {
    const gw = await project(t);
    const res = await sendSigned(gw.base, await sign(gw.base, { method: 'POST', path: `${REST}/prod/pets/1`, headers: { 'x-http-method-override': 'DELETE' }, key: READER }));
    assertRefused(gw, 0, res, 403, body(user(READER), 'prod/DELETE/pets/1'), HEADERS);
    assertRefused(gw, 0, await sendSigned(gw.base, await sign(gw.base, { method: 'DELETE', path: `${REST}/prod/pets/1`, key: READER })), 403, body(user(READER), 'prod/DELETE/pets/1'), HEADERS);
    assert.equal((await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/prod/pets/1`, key: READER }))).status, 200);
  });

  test("an Allow for another API or another stage doesn't carry over", async (t) => {
    const gw = await project(t);
    assertRefused(gw, 0, await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/prod/pets/1`, key: ELSEWHERE })), 403, body(user(ELSEWHERE), 'prod/GET/pets/1'), HEADERS);
    assert.equal((await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/dev/pets/1`, key: ELSEWHERE }))).status, 200);
  });

  test("a temporary key is judged as its role (aws:PrincipalArn), and that role isn't the one allowed", async (t) => {
    const gw = await project(t);
    const res = await sendSigned(gw.base, await sign(gw.base, { path: `${REST}/prod/pets/1`, key: SESSION }));
    assertRefused(gw, 0, res, 403, body('arn:aws:sts::123456789012:assumed-role/Reader/ci-session', 'prod/GET/pets/1'), HEADERS);
  });
});

describe('identity policies on @connections: hostile requests', () => {
  test('a policy naming a connection id or another stage grants nothing on this one', async (t) => {
    const gw = await project(t);
    const ws = new WebSocket(`${gw.base.replace('http', 'ws')}/_aws/execute-api/wspol/dev`);
    t.after(() => ws.terminate());
    await once(ws, 'open');
    const first = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('{"action":"whoami"}');
    const id = await first;
    const received: string[] = [];
    ws.on('message', (d: Buffer) => received.push(d.toString()));
    const path = `/_aws/execute-api/wspol/dev/%40connections/${encodeURIComponent(id)}`;
    const denied = (key: Key): string =>
      JSON.stringify({ Message: `User: ${user(key)} is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:********9012:wspol/dev/POST/@connections/{connectionId}` });
    for (const key of [NARROW, ELSEWHERE, READER]) {
      const res = await sendSigned(gw.base, await sign(gw.base, { method: 'POST', path, body: 'evil', key }));
      assert.equal(res.status, 403, key.accessKeyId);
      assert.equal(res.text, denied(key));
      assert.equal(res.headers['x-amzn-errortype'], 'AccessDeniedException');
    }
    // A key allowed ManageConnections on the stage is served; it is the only message received.
    const delivered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    assert.equal((await sendSigned(gw.base, await sign(gw.base, { method: 'POST', path, body: 'hello', key: GUARDED }))).status, 200);
    await delivered;
    assert.deepEqual(received, ['hello']);
    assert.equal(gw.invocations(), 0);
  });
});
