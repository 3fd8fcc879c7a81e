import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeContext, type ContextOptions } from '../../../test/helpers/context.ts';
import { buildHttpV1Event, httpV1HeaderName, type HttpV1Event, type HttpV1Options } from './http-v1.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8')) as Json;
/** The event as the function receives it: JSON round-tripped, as the worker does. */
const asJson = (event: HttpV1Event): Json => JSON.parse(JSON.stringify(event)) as Json;
const info = { accountId: '123456789012' };
const build = (options: ContextOptions, body = '', v1: HttpV1Options = {}): HttpV1Event =>
  buildHttpV1Event(makeContext(options), Buffer.from(body), info, v1);

test("reproduces AWS's documented 1.0 sample event", () => {
  const sample = fixture('http-api-v1-sample.json');
  const ctx = makeContext({
    method: 'GET',
    path: '/my/path',
    query: 'parameter1=value1&parameter1=value2&parameter2=value',
    headers: [
      ['header1', 'value1'],
      ['header2', 'value1'],
      ['header2', 'value2'],
      ['user-agent', 'user-agent'],
      ['content-type', 'text/plain'],
    ],
    host: 'id.execute-api.us-east-1.amazonaws.com',
    sourceIp: '192.0.2.1',
    apiId: 'id',
    requestId: 'id=',
    requestTimeEpoch: 1583349317135,
    routeKey: 'GET /my/path',
  });
  const event = asJson(buildHttpV1Event(ctx, Buffer.from('Hello from Lambda!'), { accountId: '123456789012', authorizer: { claims: null, scopes: null } }));

  const sampleRc = sample.requestContext as Json;
  const rc = event.requestContext as Json;
  const identity = rc.identity as Json;
  // Normalised, because the sample cannot (or should not) be matched there:
  // - identity.clientCert is the mutual-TLS block; portico has no mTLS.
  delete (sampleRc.identity as Json).clientCert;
  // - events captured from real HTTP APIs carry identity.cognitoAmr, give the route key as
  //   resourceId (the sample says null) and repeat requestId as extendedRequestId
  //   (see http-api-v1-capture.json, matched exactly below).
  assert.equal(identity.cognitoAmr, null);
  delete identity.cognitoAmr;
  assert.equal(rc.resourceId, 'GET /my/path');
  rc.resourceId = null;
  assert.equal(rc.extendedRequestId, 'id=');
  rc.extendedRequestId = sampleRc.extendedRequestId;
  // - the sample's headers omit the User-Agent its identity.userAgent came from, and the
  //   Content-Type that makes its body text rather than base64.
  for (const map of [event.headers, event.multiValueHeaders] as Json[]) {
    assert.ok('User-Agent' in map && 'Content-Type' in map);
    delete map['User-Agent'];
    delete map['Content-Type'];
  }

  assert.deepEqual(event, sample);
});

test('reproduces a 1.0 event captured from a real HTTP API, field for field', () => {
  const capture = fixture('http-api-v1-capture.json');
  const ctx = makeContext({
    method: 'POST',
    path: '/v1/users/1/inventories',
    stageName: 'v1',
    routeKey: 'POST /users/{userId}/inventories',
    pathParameters: { userId: '1' },
    // As Postman sends them over HTTP/1.1, plus the ones AWS's edge adds (X-Amzn-Trace-Id,
    // X-Forwarded-*), which portico does not synthesise; sent lower-case here to show the casing rule.
    headers: [
      ['Content-Type', 'application/json'],
      ['User-Agent', 'PostmanRuntime/7.28.4'],
      ['Accept', '*/*'],
      ['Cache-Control', 'no-cache'],
      ['Postman-Token', '8aa35c46-df9b-407d-aefd-946dbfd96c7a'],
      ['Host', 'n2gti2n4a3.execute-api.us-east-1.amazonaws.com'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Connection', 'keep-alive'],
      ['Content-Length', '341'],
      ['x-amzn-trace-id', 'Root=1-613d0e66-33a0353b187916c54dbb176e'],
      ['x-forwarded-for', '76.95.2.30'],
      ['x-forwarded-port', '443'],
      ['x-forwarded-proto', 'https'],
    ],
    sourceIp: '76.95.2.30',
    apiId: 'n2gti2n4a3',
    requestId: 'Fg8wBjeaIAMEJeQ=',
    requestTimeEpoch: 1631391334389,
  });
  const event = buildHttpV1Event(ctx, Buffer.from(capture.body as string), { accountId: '303997205411' });
  assert.deepEqual(asJson(event), capture);
});

test('writes fields in the order of AWS sample, so dumps look alike', () => {
  const event = build({});
  assert.deepEqual(Object.keys(event), [
    'version', 'resource', 'path', 'httpMethod', 'headers', 'multiValueHeaders', 'queryStringParameters',
    'multiValueQueryStringParameters', 'requestContext', 'pathParameters', 'stageVariables', 'body', 'isBase64Encoded',
  ]);
});

test('the $default route gives resource, resourcePath and resourceId "$default"', () => {
  const event = build({ path: '/anything', routeKey: '$default' });
  assert.equal(event.resource, '$default');
  assert.equal(event.requestContext.resourcePath, '$default');
  assert.equal(event.requestContext.resourceId, '$default');
});

test('path includes a named stage segment, decoded; $default has no prefix', () => {
  const named = build({ stageName: 'dev', path: '/dev/a%20b', routeKey: 'GET /{x}', pathParameters: { x: 'a%20b' } });
  assert.equal(named.path, '/dev/a b');
  assert.equal(named.requestContext.path, '/dev/a b');
  assert.equal(named.requestContext.stage, 'dev');
  assert.deepEqual(named.pathParameters, { x: 'a b' });
  assert.equal(build({ path: '/a' }).path, '/a');
});

test('query: first value in queryStringParameters, all in the multi-value map, decoded', () => {
  const event = build({ query: 'a=1&a=2&b=x+y%2B' });
  assert.deepEqual(event.queryStringParameters, { a: '1', b: 'x y+' });
  assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x y+'] });
  assert.deepEqual(build({ query: 'a=1&a=2' }, '', { queryValue: 'last' }).queryStringParameters, { a: '2' });
});

test('query maps are null without a query', () => {
  const event = build({});
  assert.equal(event.queryStringParameters, null);
  assert.equal(event.multiValueQueryStringParameters, null);
});

test('headers keep the last value; multiValueHeaders keep all; spellings of a name merge', () => {
  const event = build({ headers: [['X-Custom', 'a'], ['x-custom', 'b'], ['Cookie', 'k=v'], ['Upgrade', 'h2c']] });
  assert.deepEqual(event.headers, { 'X-Custom': 'b', cookie: 'k=v' });
  assert.deepEqual(event.multiValueHeaders, { 'X-Custom': ['a', 'b'], cookie: ['k=v'] });
});

test('header names are spelled as HTTP APIs spell them', () => {
  assert.equal(httpV1HeaderName('ACCEPT'), 'accept');
  assert.equal(httpV1HeaderName('Authorization'), 'authorization');
  assert.equal(httpV1HeaderName('content-type'), 'Content-Type');
  assert.equal(httpV1HeaderName('HOST'), 'Host');
  assert.equal(httpV1HeaderName('X-Razorpay-Signature'), 'X-Razorpay-Signature');
  assert.equal(httpV1HeaderName('x-api-key'), 'x-api-key');
});

test('body: base64 for binary types, null and false when empty', () => {
  const binary = build({ method: 'POST', headers: [['Content-Type', 'application/octet-stream']] }, 'abc');
  assert.equal(binary.body, 'YWJj');
  assert.equal(binary.isBase64Encoded, true);
  const empty = build({ method: 'POST' });
  assert.equal(empty.body, null);
  assert.equal(empty.isBase64Encoded, false);
});

test('pathParameters and stageVariables are null when empty', () => {
  const event = build({ routeKey: 'GET /pets', path: '/pets' });
  assert.equal(event.pathParameters, null);
  assert.equal(event.stageVariables, null);
  assert.deepEqual(build({ stageVariables: { a: '1' } }).stageVariables, { a: '1' });
});

test('identity.userAgent is null without a User-Agent header', () => {
  assert.equal(build({}).requestContext.identity.userAgent, null);
});

test('adds requestContext.authorizer only when an authorizer result is given', () => {
  assert.equal('authorizer' in build({}).requestContext, false);
  const event = buildHttpV1Event(makeContext({}), Buffer.alloc(0), { accountId: '1', authorizer: { principalId: 'me' } });
  assert.deepEqual(event.requestContext.authorizer, { principalId: 'me' });
  assert.deepEqual(Object.keys(event.requestContext).slice(0, 3), ['accountId', 'apiId', 'authorizer']);
});
