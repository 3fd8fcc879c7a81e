import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Method, Resource } from '../../model/index.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import { buildRestRequestAuthorizerEvent, buildTokenAuthorizerEvent, buildWebSocketAuthorizerEvent, isAuthorizerEvent } from './authorizer.ts';
import { buildConnectEvent, type WebSocketConnectionMeta } from './websocket.ts';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/7';

test('TOKEN: exactly {type, authorizationToken, methodArn}', () => {
  assert.deepEqual(buildTokenAuthorizerEvent('Bearer abc', ARN), { type: 'TOKEN', authorizationToken: 'Bearer abc', methodArn: ARN });
});

test('REST REQUEST: type and methodArn first, then the proxy event without body and isBase64Encoded', () => {
  const { ctx } = makeRestContext({ headers: [['Host', 'api1.example.com'], ['X-User', 'bob']] });
  const resource: Resource = { id: 'r1', path: '/pets/{id}', pathPart: '{id}', resourceMethods: {} };
  ctx.match = { resource, method: {} as Method, pathParameters: { id: '7' } };
  const event = buildRestRequestAuthorizerEvent({ ...ctx, stagePath: '/pets/7', request: { ...ctx.request, rawQuery: 'q=1' } }, ARN, { accountId: '123456789012', deploymentId: 'dep1' });
  assert.deepEqual(Object.keys(event), ['type', 'methodArn', 'resource', 'path', 'httpMethod', 'headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'pathParameters', 'stageVariables', 'requestContext']);
  assert.equal(event.type, 'REQUEST');
  assert.equal(event.methodArn, ARN);
  assert.equal(event.resource, '/pets/{id}');
  assert.equal(event.path, '/pets/7');
  assert.deepEqual(event.pathParameters, { id: '7' });
  assert.deepEqual(event.queryStringParameters, { q: '1' });
  assert.equal(event.headers['X-User'], 'bob');
  assert.equal(event.requestContext.accountId, '123456789012');
  assert.equal(event.requestContext.authorizer, undefined);
  assert.ok(isAuthorizerEvent(event));
});

test('WebSocket REQUEST: the CONNECT event with type and methodArn, without isBase64Encoded or an authorizer', () => {
  const meta: WebSocketConnectionMeta = {
    apiId: 'chat1', stage: 'dev', connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1705751697419, domainName: 'chat1.example.com', host: 'chat1.example.com',
    sourceIp: '10.0.0.1', userAgent: 'ua', stageVariables: { v: '1' }, authorizer: { principalId: 'stale' },
  };
  const req = { requestId: 'R1knPH17NjMFftw=', requestTimeEpoch: 1705751697420 };
  const request = { headers: [['Host', 'chat1.example.com'], ['Auth', 'tok']] as const, rawQuery: 'token=t' };
  const arn = 'arn:aws:execute-api:us-east-1:123456789012:chat1/dev/$connect';
  const event = buildWebSocketAuthorizerEvent(meta, req, request, arn);
  const { authorizer: _a, ...bare } = meta;
  const { isBase64Encoded: _b, ...connect } = buildConnectEvent(bare, req, request);
  assert.deepEqual(event, { type: 'REQUEST', methodArn: arn, ...connect });
  assert.deepEqual(Object.keys(event).slice(0, 2), ['type', 'methodArn']);
  assert.equal(event.requestContext.authorizer, undefined);
  assert.equal(event.requestContext.eventType, 'CONNECT');
});

test('isAuthorizerEvent refuses other events', () => {
  assert.equal(isAuthorizerEvent({ type: 'REQUEST' }), false);
  assert.equal(isAuthorizerEvent({ type: 'OTHER', methodArn: ARN }), false);
  assert.equal(isAuthorizerEvent(null), false);
});
