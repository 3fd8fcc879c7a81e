import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { clfTime } from '../../util/time.ts';
import {
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  isWebSocketEvent,
  type WebSocketConnectionMeta,
} from './websocket.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8')) as Json;
/** The event as the function receives it: JSON round-tripped, as the worker does. */
const asJson = (event: unknown): Json => JSON.parse(JSON.stringify(event)) as Json;
/** Drops null members recursively (AWS stopped writing them; see the fixtures README). */
const withoutNulls = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutNulls)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
      : value;

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36';
const DOMAIN = 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com';
const meta = (over: Partial<WebSocketConnectionMeta> = {}): WebSocketConnectionMeta => ({
  apiId: 'dl7ptocha9',
  stage: 'prod',
  connectionId: 'R1kmxc2VNjMCFIA=',
  connectedAt: 1705751697419,
  domainName: DOMAIN,
  host: DOMAIN,
  sourceIp: '49.105.91.154',
  userAgent: UA,
  stageVariables: {},
  ...over,
});

test('reproduces the 2024 MESSAGE capture field for field, in order', () => {
  const capture = fixture('websocket-message-capture.json');
  // The capture's apiId differs from its own domain's first label; it is kept as captured.
  const event = buildMessageEvent(meta({ apiId: 'gy415nuibc' }), { requestId: 'R1knPH17NjMFftw=', requestTimeEpoch: 1705751700453 }, {
    routeKey: '$default',
    messageId: 'R1knPc2ntjMCFIA=',
    data: Buffer.from('{\r\n\t"a": 1\r\n}'),
    binary: false,
  });
  const json = asJson(event);
  assert.deepEqual(json, capture);
  assert.deepEqual(Object.keys(json), Object.keys(capture));
  assert.deepEqual(Object.keys(json.requestContext as Json), Object.keys(capture.requestContext as Json));
});

test('reproduces the 2024 DISCONNECT capture field for field, in order (synthetic headers)', () => {
  const capture = fixture('websocket-disconnect-capture.json');
  const event = buildDisconnectEvent(meta(), { requestId: 'R1koeHsUtjMFbRw=', requestTimeEpoch: 1705751708326 }, { statusCode: 1001, reason: '' });
  const json = asJson(event);
  assert.deepEqual(json, capture);
  assert.deepEqual(Object.keys(json), Object.keys(capture));
  assert.deepEqual(Object.keys(json.requestContext as Json), Object.keys(capture.requestContext as Json));
  assert.deepEqual(Object.keys(json.headers as Json), Object.keys(capture.headers as Json));
});

test('reproduces the CONNECT capture (2020 nulls dropped), headers and query included', () => {
  const capture = withoutNulls(fixture('websocket-connect-capture.json')) as Json;
  const domain = 'xxx.execute-api.ap-northeast-1.amazonaws.com';
  const headers = capture.headers as Record<string, string>;
  const event = buildConnectEvent(
    meta({ apiId: 'xxx', stage: 'dev', connectionId: 'XfGLwcJ0tjMCE-g=', connectedAt: 1607854667185, domainName: domain, host: domain, sourceIp: '203.0.113.0', userAgent: undefined }),
    { requestId: 'XfGLwFTktjMFsLg=', requestTimeEpoch: 1607854667186 },
    // wscat's order; the event lists them sorted.
    { headers: [['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', headers['Sec-WebSocket-Key'] as string], ['Sec-WebSocket-Extensions', headers['Sec-WebSocket-Extensions'] as string], ['Host', domain], ['X-Forwarded-For', '203.0.113.0'], ['X-Forwarded-Port', '443'], ['X-Forwarded-Proto', 'https'], ['X-Amzn-Trace-Id', headers['X-Amzn-Trace-Id'] as string]], rawQuery: '' },
  );
  const json = asJson(event);
  assert.deepEqual(json, capture);
  assert.deepEqual(Object.keys(json), Object.keys(capture));
  assert.deepEqual(Object.keys(json.requestContext as Json), Object.keys(capture.requestContext as Json));
  assert.deepEqual(Object.keys(json.headers as Json), Object.keys(headers));
  assert.equal((json.requestContext as Json).requestTime, clfTime(1607854667186));
});

test('CONNECT: query maps only with a query; repeated names keep every value, the single map the last', () => {
  const none = buildConnectEvent(meta(), { requestId: 'r', requestTimeEpoch: 0 }, { headers: [], rawQuery: '' });
  assert.equal('queryStringParameters' in none, false);
  assert.equal('multiValueQueryStringParameters' in none, false);
  const some = buildConnectEvent(meta(), { requestId: 'r', requestTimeEpoch: 0 }, { headers: [], rawQuery: 'token=a%20b&room=1&room=2&flag' });
  assert.deepEqual(some.queryStringParameters, { token: 'a b', room: '2', flag: '' });
  assert.deepEqual(some.multiValueQueryStringParameters, { token: ['a b'], room: ['1', '2'], flag: [''] });
  assert.deepEqual(Object.keys(some), ['headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters', 'requestContext', 'isBase64Encoded']);
});

test('CONNECT: header names keep client casing, merge case-insensitively and sort case-insensitively', () => {
  const event = buildConnectEvent(meta(), { requestId: 'r', requestTimeEpoch: 0 }, {
    headers: [['X-Multi', 'a'], ['content-length', '0'], ['x-multi', 'b'], ['HeaderAuth1', 'v'], ['Connection-Id-Hint', 'c']],
    rawQuery: '',
  });
  assert.deepEqual(event.multiValueHeaders, { 'Connection-Id-Hint': ['c'], 'content-length': ['0'], HeaderAuth1: ['v'], 'X-Multi': ['a', 'b'] });
  assert.deepEqual(event.headers, { 'Connection-Id-Hint': 'c', 'content-length': '0', HeaderAuth1: 'v', 'X-Multi': 'b' });
  assert.deepEqual(Object.keys(event.headers), ['Connection-Id-Hint', 'content-length', 'HeaderAuth1', 'X-Multi']);
});

test('MESSAGE: a binary message is base64 with isBase64Encoded true', () => {
  const data = Buffer.from([0x00, 0xff, 0x10, 0x80]);
  const event = buildMessageEvent(meta(), { requestId: 'r', requestTimeEpoch: 0 }, { routeKey: '$default', messageId: 'm', data, binary: true });
  assert.equal(event.body, data.toString('base64'));
  assert.equal(event.isBase64Encoded, true);
});

test('identity has no userAgent member without a User-Agent header', () => {
  const event = buildMessageEvent(meta({ userAgent: undefined }), { requestId: 'r', requestTimeEpoch: 0 }, { routeKey: 'x', messageId: 'm', data: Buffer.alloc(0), binary: false });
  assert.deepEqual(event.requestContext.identity, { sourceIp: '49.105.91.154' });
  assert.equal(event.body, '');
});

test('stageVariables appear only when the stage has some; authorizer only when given', () => {
  const plain = buildDisconnectEvent(meta(), { requestId: 'r', requestTimeEpoch: 0 }, { statusCode: 1000, reason: 'bye' });
  assert.equal('stageVariables' in plain, false);
  assert.equal('authorizer' in plain.requestContext, false);
  const withVars = buildDisconnectEvent(meta({ stageVariables: { env: 'dev' }, authorizer: { principalId: 'me' } }), { requestId: 'r', requestTimeEpoch: 0 }, { statusCode: 1000, reason: 'bye' });
  assert.deepEqual(withVars.stageVariables, { env: 'dev' });
  assert.deepEqual(withVars.requestContext.authorizer, { principalId: 'me' });
  assert.equal(withVars.requestContext.disconnectReason, 'bye');
});

test('each event type has only its own optional members', () => {
  const req = { requestId: 'r', requestTimeEpoch: 0 };
  const connect = buildConnectEvent(meta(), req, { headers: [], rawQuery: '' }).requestContext;
  const message = buildMessageEvent(meta(), req, { routeKey: 'x', messageId: 'm', data: Buffer.from('a'), binary: false }).requestContext;
  const disconnect = buildDisconnectEvent(meta(), req, { statusCode: 1006, reason: '' }).requestContext;
  assert.deepEqual([connect.eventType, 'messageId' in connect, 'disconnectStatusCode' in connect], ['CONNECT', false, false]);
  assert.deepEqual([message.eventType, message.messageId, 'disconnectReason' in message], ['MESSAGE', 'm', false]);
  assert.deepEqual([disconnect.eventType, 'messageId' in disconnect, disconnect.disconnectStatusCode], ['DISCONNECT', false, 1006]);
});

test('isWebSocketEvent recognises the three shapes and nothing else', () => {
  assert.equal(isWebSocketEvent(fixture('websocket-message-capture.json')), true);
  assert.equal(isWebSocketEvent(fixture('websocket-disconnect-capture.json')), true);
  assert.equal(isWebSocketEvent(fixture('websocket-connect-capture.json')), true);
  assert.equal(isWebSocketEvent(fixture('http-api-v2-sample.json')), false);
  assert.equal(isWebSocketEvent(null), false);
  assert.equal(isWebSocketEvent({ requestContext: { eventType: 'MESSAGE' } }), false);
});
