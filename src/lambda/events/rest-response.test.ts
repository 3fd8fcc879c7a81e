import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors/index.ts';
import type { GatewayResponse, HeaderPair } from '../../pipeline/types.ts';
import { parseRestProxyResult, remapResponseHeaders, type RestProxyResultOptions } from './rest-response.ts';

// One test per row of spec §3.1's table (AWS-recorded by LocalStack's
// test_aws_proxy_response_payload_format_validation), then the header rules.

const TEXT: RestProxyResultOptions = { binaryMediaTypes: [], accept: undefined };
const parse = (payload: unknown, options: RestProxyResultOptions = TEXT): GatewayResponse => parseRestProxyResult(payload, options);

/** Asserts the result is a 502 (INTEGRATION_FAILURE) whose message mentions `why`. */
function assertMalformed(payload: unknown, why: RegExp): void {
  assert.throws(
    () => parse(payload),
    (err: unknown) => err instanceof GatewayError && err.type === 'INTEGRATION_FAILURE' && why.test(err.message),
  );
}

test('{"statusCode":200}: 200, empty body, Content-Type: application/json added', () => {
  assert.deepEqual(parse({ statusCode: 200 }), { statusCode: 200, headers: [['Content-Type', 'application/json']], body: null });
});

test('no statusCode (only headers): 200', () => {
  const res = parse({ headers: { 'test-header': 'value' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.headers, [['Content-Type', 'application/json'], ['test-header', 'value']]);
});

test('{"statusCode":"201"}: a numeric string is accepted', () => {
  assert.equal(parse({ statusCode: '201' }).statusCode, 201);
});

test('{"statusCode":"test"}: 502', () => {
  assertMalformed({ statusCode: 'test' }, /statusCode/);
  assertMalformed({ statusCode: 200.5 }, /statusCode/);
  assertMalformed({ statusCode: 700 }, /statusCode/);
});

test('an unknown key ({"statusCode":200,"wrongValue":"value"}): 502', () => {
  assertMalformed({ statusCode: 200, wrongValue: 'value' }, /"wrongValue"/);
  // HTTP API payload 2.0's `cookies` is not part of the REST shape.
  assertMalformed({ statusCode: 200, cookies: ['a=b'] }, /"cookies"/);
});

test('null / no payload: 502', () => {
  assertMalformed(null, /no result/);
  assertMalformed(undefined, /no result/);
});

test('"justAString" (not an object): 502', () => {
  assertMalformed('justAString', /JSON object/);
  assertMalformed([{ statusCode: 200 }], /JSON object/);
  assertMalformed(42, /JSON object/);
});

test('a Lambda unhandled error ({"errorMessage":...}): 502', () => {
  assertMalformed({ errorMessage: 'boom', errorType: 'Error', stackTrace: [] }, /function failed: "boom"/);
});

test('{"statusCode":200,"headers":null}: 200 (null is allowed)', () => {
  assert.deepEqual(parse({ statusCode: 200, headers: null, multiValueHeaders: null, body: null }).headers, [['Content-Type', 'application/json']]);
});

test('boolean header values become "true"/"false"; numbers and objects are a 502', () => {
  const res = parse({ statusCode: 200, headers: { 'test-header': 'value', 'header-bool': true, off: false } });
  assert.deepEqual(res.headers.slice(1), [
    ['test-header', 'value'],
    ['header-bool', 'true'],
    ['off', 'false'],
  ]);
  assertMalformed({ headers: { n: 1 } }, /headers\["n"\]/);
  assertMalformed({ headers: { o: {} } }, /headers\["o"\]/);
  assertMalformed({ headers: { z: null } }, /headers\["z"\]/);
  assertMalformed({ headers: ['a'] }, /headers must be an object/);
  assertMalformed({ multiValueHeaders: { m: [true, 2] } }, /multiValueHeaders\["m"\]/);
});

test('a multiValueHeaders value that is not a list: 502', () => {
  assertMalformed({ statusCode: 200, multiValueHeaders: { 'test-multi-invalid': 'value1' } }, /must be a list/);
  assertMalformed({ statusCode: 200, multiValueHeaders: 'x' }, /multiValueHeaders must be an object/);
});

test('multiValueHeaders {"test-multi":["value1","value2"]}: both values (read as "value1, value2")', () => {
  const res = parse({ statusCode: 200, multiValueHeaders: { 'test-multi': ['value1', 'value2'] } });
  assert.deepEqual(res.headers.slice(1), [
    ['test-multi', 'value1'],
    ['test-multi', 'value2'],
  ]);
  assert.equal(joined(res.headers, 'test-multi'), 'value1, value2');
});

test('multiValueHeaders + headers of one name: multi values first, casing from multiValueHeaders', () => {
  const res = parse({ statusCode: 200, multiValueHeaders: { 'tesT-Multi': ['value-multi'] }, headers: { 'test-multi': 'value-solo' } });
  assert.deepEqual(res.headers.slice(1), [
    ['tesT-Multi', 'value-multi'],
    ['tesT-Multi', 'value-solo'],
  ]);
  assert.equal(joined(res.headers, 'test-multi'), 'value-multi, value-solo');
});

test('the same key-value pair in both maps appears once (AWS docs)', () => {
  const res = parse({ multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] }, headers: { 'set-cookie': 'b=2' } });
  assert.deepEqual(res.headers.slice(1), [
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
});

test('isBase64Encoded:true is decoded only when the first Accept type is a binary media type', () => {
  const payload = { statusCode: 200, body: Buffer.from('test-data').toString('base64'), isBase64Encoded: true };
  const binary = parse(payload, { binaryMediaTypes: ['image/png'], accept: 'image/png, text/html' });
  assert.deepEqual(binary.body, Buffer.from('test-data'));
  // Otherwise the base64 text itself is the body.
  assert.equal(parse(payload).body, 'dGVzdC1kYXRh');
  // Only the FIRST Accept type counts.
  assert.equal(parse(payload, { binaryMediaTypes: ['image/png'], accept: 'text/html, image/png' }).body, 'dGVzdC1kYXRh');
  // `*/*` as a binary media type matches any Accept.
  assert.deepEqual(parse(payload, { binaryMediaTypes: ['*/*'], accept: 'application/json' }).body, Buffer.from('test-data'));
  // Without the flag a base64-looking body is plain text, Accept or not.
  assert.equal(parse({ ...payload, isBase64Encoded: false }, { binaryMediaTypes: ['*/*'], accept: '*/*' }).body, 'dGVzdC1kYXRh');
});

test('the legacy base64Encoded key is accepted', () => {
  const res = parse({ body: Buffer.from('x').toString('base64'), base64Encoded: true }, { binaryMediaTypes: ['*/*'], accept: '*/*' });
  assert.deepEqual(res.body, Buffer.from('x'));
});

test('malformed base64 (when decoding) and a non-string body are a 502', () => {
  assertMalformed({ body: { a: 1 } }, /body must be a string/);
  assert.throws(() => parse({ body: '%%%', isBase64Encoded: true }, { binaryMediaTypes: ['*/*'], accept: '*/*' }), /not valid base64/);
  assertMalformed({ isBase64Encoded: 'yes' }, /isBase64Encoded/);
});

test("the function's Content-Type is kept, in any casing", () => {
  const res = parse({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>' });
  assert.deepEqual(res, { statusCode: 200, headers: [['content-type', 'text/html']], body: '<p>' });
});

test('Connection, Content-Length, Date and Server become x-amzn-Remapped-*; Transfer-Encoding is dropped', () => {
  const res = parse({
    headers: { connection: 'close', 'Content-Length': '3', date: 'Mon', SERVER: 'nginx', 'Transfer-Encoding': 'chunked', 'X-Ok': '1' },
    body: 'abc',
  });
  assert.deepEqual(res.headers, [
    ['Content-Type', 'application/json'],
    ['x-amzn-Remapped-Connection', 'close'],
    ['x-amzn-Remapped-Content-Length', '3'],
    ['x-amzn-Remapped-Date', 'Mon'],
    ['x-amzn-Remapped-Server', 'nginx'],
    ['X-Ok', '1'],
  ]);
});

test('remapResponseHeaders: the non-proxy list adds Authorization, Host, User-Agent, WWW-Authenticate...', () => {
  const pairs: HeaderPair[] = [
    ['authorization', 'a'],
    ['content-md5', 'b'],
    ['expect', 'c'],
    ['host', 'd'],
    ['max-forwards', 'e'],
    ['proxy-authenticate', 'f'],
    ['trailer', 'g'],
    ['upgrade', 'h'],
    ['user-agent', 'i'],
    ['www-authenticate', 'j'],
    ['date', 'k'],
    ['transfer-encoding', 'chunked'],
    ['x-kept', 'l'],
  ];
  assert.deepEqual(remapResponseHeaders(pairs, 'non-proxy'), [
    ['x-amzn-Remapped-Authorization', 'a'],
    ['x-amzn-Remapped-Content-MD5', 'b'],
    ['x-amzn-Remapped-Expect', 'c'],
    ['x-amzn-Remapped-Host', 'd'],
    ['x-amzn-Remapped-Max-Forwards', 'e'],
    ['x-amzn-Remapped-Proxy-Authenticate', 'f'],
    ['x-amzn-Remapped-Trailer', 'g'],
    ['x-amzn-Remapped-Upgrade', 'h'],
    ['x-amzn-Remapped-User-Agent', 'i'],
    ['x-amzn-Remapped-WWW-Authenticate', 'j'],
    ['x-amzn-Remapped-Date', 'k'],
    ['x-kept', 'l'],
  ]);
  // The proxy list leaves those alone (only Connection, Content-Length, Date, Server).
  const proxied = remapResponseHeaders(pairs, 'proxy');
  assert.deepEqual(proxied.slice(0, 3), pairs.slice(0, 3));
  assert.ok(proxied.some(([n]) => n === 'x-amzn-Remapped-Date'));
  assert.ok(!proxied.some(([n]) => n.toLowerCase() === 'transfer-encoding'));
});

test('a header name or value Node cannot write is a 502', () => {
  assertMalformed({ headers: { 'bad name': 'x' } }, /invalid header name/);
  assertMalformed({ headers: { ok: 'a\r\nInjected: 1' } }, /invalid value/);
});

/** How a client reads repeated header lines: one value, joined with `, ` (RFC 9110 §5.3). */
function joined(headers: readonly HeaderPair[], lowerName: string): string {
  return headers
    .filter(([n]) => n.toLowerCase() === lowerName)
    .map(([, v]) => v)
    .join(', ');
}
