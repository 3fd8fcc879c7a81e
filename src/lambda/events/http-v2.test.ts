import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeContext, type ContextOptions } from '../../../test/helpers/context.ts';
import { clfTime } from '../../util/time.ts';
import { buildHttpV2Event, type HttpV2Event } from './http-v2.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The event as the function receives it: JSON round-tripped, as the worker does. */
const asJson = (event: HttpV2Event): Record<string, unknown> => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
const info = { accountId: '123456789012' };
const build = (options: ContextOptions, body = ''): HttpV2Event => buildHttpV2Event(makeContext(options), Buffer.from(body), info);

test("reproduces AWS's documented 2.0 sample event", () => {
  const sample = fixture('http-api-v2-sample.json');
  const ctx = makeContext({
    method: 'POST',
    path: '/my/path',
    query: 'parameter1=value1&parameter1=value2&parameter2=value',
    headers: [
      ['Cookie', 'cookie1'],
      ['Cookie', 'cookie2'],
      ['Header1', 'value1'],
      ['Header2', 'value1'],
      ['Header2', 'value2'],
      ['User-Agent', 'agent'],
      ['Content-Type', 'text/plain'],
    ],
    host: 'id.execute-api.us-east-1.amazonaws.com',
    sourceIp: '192.0.2.1',
    apiId: 'api-id',
    requestId: 'id',
    requestTimeEpoch: 1583348638390,
    routeKey: '$default',
    pathParameters: { parameter1: 'value1' },
    stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
  });
  const authorizer = (sample.requestContext as Record<string, unknown>).authorizer as Record<string, unknown>;
  const event = asJson(buildHttpV2Event(ctx, Buffer.from('Hello from Lambda'), { accountId: '123456789012', authorizer }));

  // Normalised, because the sample cannot be matched there:
  // - requestContext.authentication is the mutual-TLS block; portico has no mTLS.
  delete (sample.requestContext as Record<string, unknown>).authentication;
  // - the sample's headers omit the User-Agent its http.userAgent came from, and the
  //   Content-Type that makes its body text rather than base64.
  const headers = event.headers as Record<string, string>;
  assert.equal(headers['user-agent'], 'agent');
  assert.equal(headers['content-type'], 'text/plain');
  delete headers['user-agent'];
  delete headers['content-type'];
  // - its `time` is 8 days off its own `timeEpoch`; ours is derived from the epoch.
  const rc = event.requestContext as Record<string, unknown>;
  assert.equal(rc.time, clfTime(1583348638390));
  assert.equal(rc.time, '04/Mar/2020:19:03:58 +0000');
  rc.time = (sample.requestContext as Record<string, unknown>).time;

  assert.deepEqual(event, sample);
});

test('reproduces a 2.0 event captured from a real HTTP API, field for field', () => {
  const capture = fixture('http-api-v2-capture.json');
  const ctx = makeContext({
    method: 'POST',
    path: '/handler/pero',
    // As curl sent them over HTTP/2, plus the ones AWS's edge adds (x-amzn-trace-id, x-forwarded-*),
    // which portico does not synthesise.
    headers: [
      ['host', '9pyofn5yi9.execute-api.eu-central-1.amazonaws.com'],
      ['user-agent', 'curl/7.77.0'],
      ['accept', '*/*'],
      ['content-length', '0'],
      ['x-amzn-trace-id', 'Root=1-61fff2e3-6c0b0b63585d1a33199498a6'],
      ['x-forwarded-for', '93.136.72.29'],
      ['x-forwarded-port', '443'],
      ['x-forwarded-proto', 'https'],
    ],
    sourceIp: '93.136.72.29',
    apiId: '9pyofn5yi9',
    requestId: 'NILjoi6FFiAEJ6A=',
    requestTimeEpoch: 1644163811849,
    routeKey: 'ANY /handler/{proxy+}',
    pathParameters: { proxy: 'pero' },
  });
  const event = buildHttpV2Event(ctx, Buffer.alloc(0), { accountId: '052548195718' });
  assert.deepEqual(asJson(event), capture);
});

test('writes fields in the order of AWS sample, so dumps look alike', () => {
  const event = build(
    { method: 'POST', query: 'a=1', headers: [['cookie', 'a=b'], ['content-type', 'application/json']], routeKey: 'POST /{id}', path: '/x', pathParameters: { id: 'x' }, stageVariables: { v: '1' } },
    '{}',
  );
  assert.deepEqual(Object.keys(event), [
    'version', 'routeKey', 'rawPath', 'rawQueryString', 'cookies', 'headers', 'queryStringParameters',
    'requestContext', 'body', 'pathParameters', 'isBase64Encoded', 'stageVariables',
  ]);
  assert.deepEqual(Object.keys(event.requestContext), [
    'accountId', 'apiId', 'domainName', 'domainPrefix', 'http', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch',
  ]);
});

test('omits cookies when there is no Cookie header', () => {
  const event = build({ headers: [['accept', '*/*']] });
  assert.equal('cookies' in event, false);
});

test('collects every cookie of every Cookie header and removes the cookie header', () => {
  const event = build({ headers: [['Cookie', 'a=1; b=2'], ['x-other', 'y'], ['cookie', ' c=3 ;;']] });
  assert.deepEqual(event.cookies, ['a=1', 'b=2', 'c=3']);
  assert.deepEqual(event.headers, { 'x-other': 'y' });
});

test('lower-cases header names, joins repeats with "," and drops hop-by-hop headers', () => {
  const event = build({ headers: [['X-Multi', 'a'], ['Connection', 'keep-alive'], ['x-multi', 'b'], ['Transfer-Encoding', 'chunked'], ['Accept', '*/*']] });
  assert.deepEqual(event.headers, { accept: '*/*', 'x-multi': 'a,b' });
});

test('sends a binary body as base64 with isBase64Encoded true', () => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
  const event = buildHttpV2Event(makeContext({ method: 'POST', headers: [['Content-Type', 'image/png']] }), bytes, info);
  assert.equal(event.body, bytes.toString('base64'));
  assert.equal(event.isBase64Encoded, true);
});

test('sends a JSON or text body as UTF-8 text', () => {
  for (const type of ['application/json', 'application/json; charset=utf-8', 'text/plain', 'TEXT/CSV', 'application/xml', 'application/javascript']) {
    const event = build({ method: 'POST', headers: [['content-type', type]] }, '{"é":1}');
    assert.equal(event.body, '{"é":1}', type);
    assert.equal(event.isBase64Encoded, false, type);
  }
});

test('base64-encodes form posts, +json types and bodies without Content-Type (as AWS does)', () => {
  for (const headers of [[['content-type', 'application/x-www-form-urlencoded']], [['content-type', 'application/vnd.api+json']], []] as const) {
    const event = build({ method: 'POST', headers }, 'a=1');
    assert.equal(event.body, Buffer.from('a=1').toString('base64'));
    assert.equal(event.isBase64Encoded, true);
  }
});

test('omits body for an empty body, with isBase64Encoded false', () => {
  const event = build({ method: 'POST', headers: [['content-type', 'image/png']] });
  assert.equal('body' in event, false);
  assert.equal(event.isBase64Encoded, false);
});

test('decodes the query: repeats joined with ",", "+" is a space, %2B a plus', () => {
  const event = build({ query: 'a=1&a=2&b=x+y%2B&flag&c=%E2%82%AC' });
  assert.equal(event.rawQueryString, 'a=1&a=2&b=x+y%2B&flag&c=%E2%82%AC');
  assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y+', flag: '', c: '€' });
});

test('omits queryStringParameters without a query', () => {
  const event = build({ query: '' });
  assert.equal(event.rawQueryString, '');
  assert.equal('queryStringParameters' in event, false);
});

test('rawPath includes a named stage segment; $default has no prefix', () => {
  const named = build({ stageName: 'dev', path: '/dev/items', routeKey: 'GET /items' });
  assert.equal(named.rawPath, '/dev/items');
  assert.equal(named.requestContext.http.path, '/dev/items');
  assert.equal(named.requestContext.stage, 'dev');
  const def = build({ path: '/items', routeKey: 'GET /items' });
  assert.equal(def.rawPath, '/items');
  assert.equal(def.requestContext.stage, '$default');
});

test('URL-decodes rawPath and path parameters, leaving malformed escapes as sent', () => {
  const event = build({ path: '/pets/a%20b/%E0%A4', routeKey: 'GET /pets/{id}/{x}', pathParameters: { id: 'a%20b', x: '%E0%A4' } });
  assert.equal(event.rawPath, '/pets/a b/%E0%A4');
  assert.deepEqual(event.pathParameters, { id: 'a b', x: '%E0%A4' });
});

test('omits pathParameters when the route has no variables', () => {
  assert.equal('pathParameters' in build({ routeKey: 'GET /pets', path: '/pets' }), false);
});

test('omits stageVariables when the stage has none', () => {
  assert.equal('stageVariables' in build({}), false);
  assert.deepEqual(build({ stageVariables: { a: '1' } }).stageVariables, { a: '1' });
});

test('adds requestContext.authorizer only when an authorizer result is given', () => {
  assert.equal('authorizer' in build({}).requestContext, false);
  const authorizer = { lambda: { user: 'u1' } };
  const event = buildHttpV2Event(makeContext({}), Buffer.alloc(0), { accountId: '1', authorizer });
  assert.deepEqual(event.requestContext.authorizer, authorizer);
});

test('domainName is the Host without its port; domainPrefix its first label', () => {
  const rc = build({ headers: [['Host', 'api.example.com:3000']] }).requestContext;
  assert.equal(rc.domainName, 'api.example.com');
  assert.equal(rc.domainPrefix, 'api');
  assert.equal(build({ host: 'localhost:3000' }).requestContext.domainPrefix, 'localhost');
  assert.equal(build({ host: '127.0.0.1:3000' }).requestContext.domainPrefix, '127.0.0.1');
  assert.equal(build({ host: '[::1]:3000' }).requestContext.domainName, '[::1]');
});

test('http.userAgent is "" without a User-Agent header', () => {
  assert.equal(build({}).requestContext.http.userAgent, '');
});

test('keeps a __proto__ header or parameter as plain data', () => {
  const event = asJson(build({ query: '__proto__=x', headers: [['__proto__', 'y']] }));
  assert.deepEqual(event.queryStringParameters, JSON.parse('{"__proto__":"x"}'));
  assert.deepEqual(event.headers, JSON.parse('{"__proto__":"y"}'));
});

test('throws when the route phase has not run', () => {
  assert.throws(() => buildHttpV2Event(makeContext({ unmatched: true }), Buffer.alloc(0), info), /ctx\.match/);
});
