/**
 * IAM identity-based policies on the `@connections` API, driven by the real
 * `@aws-sdk/client-apigatewaymanagementapi` client through a gateway started from portico.yaml:
 * a call needs `execute-api:ManageConnections` on
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/@connections/{connectionId}`;
 * `execute-api:Invoke` is not enough. A refusal is 403 AccessDeniedException with AWS's message,
 * and the WebSocket client receives nothing.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
 */
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { serveFiles } from '../../helpers/gateway.ts';
import { sendSigned, sign } from '../../security/helpers.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const INVOKER = { accessKeyId: 'AKIAWSINVOKEONLY0001', secretAccessKey: 'invoker-secret' };
const POSTER = { accessKeyId: 'AKIAWSPOSTER00000002', secretAccessKey: 'poster-secret' };
const NO_DELETE = { accessKeyId: 'AKIAWSNODELETE000003', secretAccessKey: 'no-delete-secret' };
const API = 'arn:aws:execute-api:us-east-1:123456789012:chatpol';

const FILES = {
  'portico.yaml': `
credentials:
  - accessKeyId: ${INVOKER.accessKeyId}
    secretAccessKey: ${INVOKER.secretAccessKey}
    policies: [{ Version: "2012-10-17", Statement: [{ Effect: Allow, Action: execute-api:Invoke, Resource: "${API}/*" }] }]
  - accessKeyId: ${POSTER.accessKeyId}
    secretAccessKey: ${POSTER.secretAccessKey}
    policies: [{ Version: "2012-10-17", Statement: [{ Effect: Allow, Action: execute-api:ManageConnections, Resource: ["${API}/dev/POST/@connections/*", "${API}/dev/GET/@connections/*"] }] }]
  - accessKeyId: ${NO_DELETE.accessKeyId}
    secretAccessKey: ${NO_DELETE.secretAccessKey}
    policies:
      - Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Action: "execute-api:*", Resource: "*" }
          - { Effect: Deny, Action: execute-api:ManageConnections, Resource: "${API}/*/DELETE/@connections/*" }
functions:
  whoami: { handler: handlers/chat.whoami }
apis:
  - { name: chat, type: WEBSOCKET, apiId: chatpol, stage: dev, routes: { whoami: { function: whoami, routeResponse: true } } }
`,
  'handlers/chat.mjs': 'export const whoami = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });\n',
};

type SdkError = Error & { $metadata: { httpStatusCode?: number } };

async function rejection(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  return assert.fail('expected a rejection');
}

test('@connections: Invoke alone is refused, ManageConnections per method is required, an explicit Deny wins', async (t) => {
  const { base } = await serveFiles(t, FILES);
  const ws = new WebSocket(`${base.replace('http', 'ws')}/_aws/execute-api/chatpol/dev`);
  t.after(() => ws.terminate());
  await once(ws, 'open');
  const received: string[] = [];
  const first = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  ws.send('{"action":"whoami"}');
  const id = await first;
  ws.on('message', (d: Buffer) => received.push(d.toString()));

  const endpoint = `${base}/_aws/execute-api/chatpol/dev`;
  const clients: ApiGatewayManagementApiClient[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }): ApiGatewayManagementApiClient => {
    const c = new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials });
    clients.push(c);
    return c;
  };
  const message = (key: { accessKeyId: string }, method: string, explicit = false): string =>
    `User: arn:aws:iam::123456789012:user/${key.accessKeyId} is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:********9012:chatpol/dev/${method}/@connections/{connectionId}${explicit ? ' with an explicit deny' : ''}`;

  // execute-api:Invoke on everything does not cover the @connections API.
  const invoker = await rejection(client(INVOKER).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'from the invoker' })));
  assert.equal(invoker.$metadata.httpStatusCode, 403);
  assert.equal(invoker.name, 'AccessDeniedException');
  assert.equal(invoker.message, message(INVOKER, 'POST'));

  // POST and GET are allowed to the poster; DELETE is not.
  const delivered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  assert.equal((await client(POSTER).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'from the poster' }))).$metadata.httpStatusCode, 200);
  await delivered;
  assert.ok((await client(POSTER).send(new GetConnectionCommand({ ConnectionId: id }))).ConnectedAt instanceof Date);
  const del = await rejection(client(POSTER).send(new DeleteConnectionCommand({ ConnectionId: id })));
  assert.equal(del.$metadata.httpStatusCode, 403);
  assert.equal(del.message, message(POSTER, 'DELETE'));

  // Allowed everything but DELETE, which an explicit Deny refuses.
  const explicit = await rejection(client(NO_DELETE).send(new DeleteConnectionCommand({ ConnectionId: id })));
  assert.equal(explicit.name, 'AccessDeniedException');
  assert.equal(explicit.message, message(NO_DELETE, 'DELETE', true));

  // The raw answer: 403, x-amzn-ErrorType, AWS's capitalised Message.
  const path = `/_aws/execute-api/chatpol/dev/%40connections/${encodeURIComponent(id)}`;
  const raw = await sendSigned(base, await sign(base, { method: 'POST', path, body: 'raw', key: INVOKER }));
  assert.equal(raw.status, 403);
  assert.equal(raw.headers['x-amzn-errortype'], 'AccessDeniedException');
  assert.equal(raw.text, JSON.stringify({ Message: message(INVOKER, 'POST') }));

  // The connection is still open, and it got only the poster's message.
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.deepEqual(received, ['from the poster']);
});
