/**
 * The WebSocket `$connect` Lambda REQUEST authorizer end to end: real `ws` clients, the
 * authorizer and the route functions in real worker threads, every event they get recorded
 * through the sink. Allow (the context in CONNECT, MESSAGE and DISCONNECT events), 401 for a
 * missing identity source or `Unauthorized`, 403 for a Deny, 500 for a failing authorizer; and
 * the loader's rules (`$connect` only, no result cache).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveFiles } from '../../helpers/gateway.ts';
import { assertError, loadErrors, y } from '../../config/helpers.ts';
import { open, refusal, RECORD_JS, startSink, type Sink } from './helpers.ts';

function project(sink: Sink): Record<string, string> {
  const env = `environment: { SINK: "${sink.url}" }`;
  return {
    'portico.yaml': `
functions:
  wsauth: { handler: fns/wsauth.handler, ${env} }
  connect: { handler: fns/record.connect, ${env} }
  message: { handler: fns/record.message, ${env} }
  disconnect: { handler: fns/record.disconnect, ${env} }
apis:
  - name: chat
    apiId: chatapi
    type: WEBSOCKET
    stages: [{ name: dev, variables: { gate: open } }]
    routes:
      $connect:
        function: connect
        authorizer: { function: wsauth, identitySource: [route.request.header.Auth, route.request.querystring.room, stageVariables.gate] }
      $disconnect: { function: disconnect }
      $default: { function: message }
`,
    'fns/wsauth.mjs': `${RECORD_JS}
const policy = (effect, resource) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] });
export const handler = async (event) => {
  await record('wsauth', event);
  switch (event.headers.Auth) {
    case 'allow': return { principalId: 'alice', policyDocument: policy('Allow', event.methodArn), context: { room: event.queryStringParameters.room, level: 3 } };
    case 'deny': return { principalId: 'alice', policyDocument: policy('Deny', event.methodArn) };
    case 'other': return { principalId: 'alice', policyDocument: policy('Allow', 'arn:aws:execute-api:us-east-1:123456789012:otherapi/*') };
    case 'unauthorized': throw new Error('Unauthorized');
    case 'huge': return { principalId: 'alice', policyDocument: policy('Allow', '*'), context: { pad: 'x'.repeat(9000) } };
    default: throw new Error('token store unreachable');
  }
};`,
    'fns/record.mjs': `${RECORD_JS}
export const connect = async (event) => { await record('connect', event); return { statusCode: 200 }; };
export const message = async (event) => { await record('message', event); return { statusCode: 200 }; };
export const disconnect = async (event) => { await record('disconnect', event); return { statusCode: 200 }; };`,
  };
}

test('WebSocket $connect Lambda authorizer', async (t) => {
  const sink = await startSink(t);
  const gw = await serveFiles(t, project(sink));
  const url = (room: string): string => `ws://127.0.0.1:${gw.gateway.port}/_aws/execute-api/chatapi/dev?room=${room}`;
  const authorizerCalls = (room: string): number => sink.records.filter((r) => r.fn === 'wsauth' && (r.event.queryStringParameters as Record<string, string> | undefined)?.['room'] === room).length;

  await t.test('an Allow opens the connection; CONNECT, MESSAGE and DISCONNECT events carry the authorizer context', async (t) => {
    const client = await open(t, url('lobby'), { headers: { Auth: 'allow' } });
    const connect = await sink.waitFor((r) => r.fn === 'connect' && (r.event.queryStringParameters as Record<string, string>)['room'] === 'lobby');
    const connectionId = connect.event.requestContext.connectionId;
    const atConnect = connect.event.requestContext['authorizer'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(atConnect), ['room', 'level', 'principalId', 'integrationLatency']);
    assert.deepEqual({ ...atConnect, integrationLatency: 0 }, { room: 'lobby', level: '3', principalId: 'alice', integrationLatency: 0 });
    assert.equal(typeof atConnect['integrationLatency'], 'number');

    client.ws.send('{"action":"hi"}');
    const message = await sink.waitFor((r) => r.fn === 'message' && r.event.requestContext.connectionId === connectionId);
    assert.deepEqual(message.event.requestContext['authorizer'], { room: 'lobby', level: '3', principalId: 'alice' });

    client.ws.close(1000);
    const disconnect = await sink.waitFor((r) => r.fn === 'disconnect' && r.event.requestContext.connectionId === connectionId);
    assert.deepEqual(disconnect.event.requestContext['authorizer'], { room: 'lobby', level: '3', principalId: 'alice' });
  });

  await t.test("the authorizer's event: REQUEST, the $connect method ARN, the CONNECT event's headers, query and requestContext", async (t) => {
    await open(t, url('inspect'), { headers: { Auth: 'allow', 'X-Extra': 'yes' } });
    const connect = await sink.waitFor((r) => r.fn === 'connect' && (r.event.queryStringParameters as Record<string, string>)['room'] === 'inspect');
    const { event } = await sink.waitFor((r) => r.fn === 'wsauth' && (r.event.queryStringParameters as Record<string, string>)['room'] === 'inspect');
    assert.deepEqual(Object.keys(event), ['type', 'methodArn', 'headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'stageVariables', 'requestContext']);
    assert.equal(event['type'], 'REQUEST');
    assert.equal(event['methodArn'], 'arn:aws:execute-api:us-east-1:123456789012:chatapi/dev/$connect');
    assert.deepEqual(event['stageVariables'], { gate: 'open' });
    const headers = event['headers'] as Record<string, string>;
    assert.equal(headers['Auth'], 'allow');
    assert.equal(headers['X-Extra'], 'yes');
    const rc = event.requestContext;
    assert.equal(rc.routeKey, '$connect');
    assert.equal(rc.eventType, 'CONNECT');
    assert.equal(rc.connectionId, connect.event.requestContext.connectionId);
    assert.equal(rc['requestId'], connect.event.requestContext['requestId']);
    assert.equal(rc['authorizer'], undefined);
  });

  await t.test('a missing identity source is 401 and the authorizer is not invoked', async (t) => {
    const refused = await refusal(open(t, url('noauth')));
    assert.equal(refused.status, 401);
    assert.equal(refused.body, '{"message":"Unauthorized"}');
    assert.equal((await refusal(open(t, url(''), { headers: { Auth: 'allow' } }))).status, 401);
    assert.equal(authorizerCalls('noauth') + authorizerCalls(''), 0);
  });

  await t.test('the authorizer failing with "Unauthorized" is 401; $connect does not run', async (t) => {
    const refused = await refusal(open(t, url('unauth'), { headers: { Auth: 'unauthorized' } }));
    assert.equal(refused.status, 401);
    assert.equal(authorizerCalls('unauth'), 1);
    assert.equal(sink.records.some((r) => r.fn === 'connect' && (r.event.queryStringParameters as Record<string, string>)['room'] === 'unauth'), false);
  });

  await t.test('a Deny is 403, and so is a policy that allows another resource', async (t) => {
    const denied = await refusal(open(t, url('denied'), { headers: { Auth: 'deny' } }));
    assert.equal(denied.status, 403);
    assert.equal(denied.body, '{"Message":"User is not authorized to access this resource with an explicit deny"}');
    const other = await refusal(open(t, url('other'), { headers: { Auth: 'other' } }));
    assert.equal(other.status, 403);
    assert.equal(other.body, '{"Message":"User is not authorized to access this resource"}');
    assert.equal(sink.records.some((r) => r.fn === 'connect' && ['denied', 'other'].includes((r.event.queryStringParameters as Record<string, string>)['room'] ?? '')), false);
  });

  await t.test('a failing authorizer, or a result over 8 KB, is 500', async (t) => {
    assert.equal((await refusal(open(t, url('boom'), { headers: { Auth: 'boom' } }))).status, 500);
    assert.equal((await refusal(open(t, url('huge'), { headers: { Auth: 'huge' } }))).status, 500);
  });
});

test('WebSocket authorizers in portico.yaml: $connect only, no result cache, known identity sources', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml': y`
      functions:
        auth: { handler: h.handler }
      apis:
        - name: chat
          type: WEBSOCKET
          routes:
            $connect: { authorizer: { function: auth, resultTtlInSeconds: 300 } }
            $default: { mock: "x", authorizer: { function: auth } }
        - name: other
          type: WEBSOCKET
          routes:
            $connect: { authorizer: { function: missing } }
        - name: http
          type: HTTP
          routes:
            "GET /x": { function: auth, authorizer: { function: auth } }
    `,
  });
  assertError(errors, 'portico.yaml:7', '$.apis[0].routes.$connect.authorizer.resultTtlInSeconds', /does not cache WebSocket authorizer results/);
  assertError(errors, 'portico.yaml:8', '$.apis[0].routes.$default.authorizer', /only \$connect can have an authorizer/);
  assertError(errors, 'portico.yaml:12', '$.apis[1].routes.$connect.authorizer.function', /function "missing" is not defined/);
  assertError(errors, 'portico.yaml:16', "$.apis[2].routes['GET /x'].authorizer", /the object form is for a WebSocket \$connect route/);
});
