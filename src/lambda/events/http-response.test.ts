import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, HTTP_GATEWAY_RESPONSES } from '../../errors/index.ts';
import { DEFAULT_CONTENT_TYPE, DROPPED_RESPONSE_HEADERS, isDroppedResponseHeader, parseHttpV1Result, parseHttpV2Result } from './http-response.ts';

const JSON_TYPE = ['content-type', 'application/json'] as const;

/** Asserts a malformed result: INTEGRATION_FAILURE, which HTTP APIs render as 500 Internal Server Error. */
function assertMalformed(parse: (p: unknown) => unknown, payload: unknown, why: RegExp): void {
  assert.throws(
    () => parse(payload),
    (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.type, 'INTEGRATION_FAILURE');
      assert.match(err.message, why);
      return true;
    },
    JSON.stringify(payload),
  );
}

test('2.0 without statusCode: a string is the body as is, 200 application/json', () => {
  // The doc's table: "Hello from Lambda!" → body Hello from Lambda!
  assert.deepEqual(parseHttpV2Result('Hello from Lambda!'), { statusCode: 200, headers: [JSON_TYPE], body: 'Hello from Lambda!' });
});

test('2.0 without statusCode: an object is its JSON text', () => {
  assert.deepEqual(parseHttpV2Result({ message: 'Hello from Lambda!' }), { statusCode: 200, headers: [JSON_TYPE], body: '{"message":"Hello from Lambda!"}' });
  // An object with other response keys but no statusCode is still just data.
  assert.equal(parseHttpV2Result({ body: 'x', headers: { a: 'b' } }).body, '{"body":"x","headers":{"a":"b"}}');
});

test('2.0 without statusCode: numbers, booleans and lists are JSON text; null is an empty body', () => {
  assert.equal(parseHttpV2Result(42).body, '42');
  assert.equal(parseHttpV2Result(true).body, 'true');
  assert.equal(parseHttpV2Result([1, 'a']).body, '[1,"a"]');
  assert.deepEqual(parseHttpV2Result(null), { statusCode: 200, headers: [JSON_TYPE], body: null });
});

test('2.0 with statusCode: status, headers, one set-cookie per cookie, body', () => {
  const res = parseHttpV2Result({
    statusCode: 201,
    headers: { 'Content-Type': 'text/html', 'X-Count': 3, 'X-Flag': false, 'X-Skip': null, Vary: 'a,b' },
    cookies: ['a=1; Path=/', 'b=2'],
    body: '<p>hi</p>',
  });
  assert.deepEqual(res, {
    statusCode: 201,
    headers: [
      ['Content-Type', 'text/html'],
      ['X-Count', '3'],
      ['X-Flag', 'false'],
      ['Vary', 'a,b'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2'],
    ],
    body: '<p>hi</p>',
  });
});

test('2.0 accepts a numeric-string statusCode', () => {
  assert.equal(parseHttpV2Result({ statusCode: '404' }).statusCode, 404);
});

test('2.0 decodes a base64 body to bytes when isBase64Encoded is true', () => {
  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  const res = parseHttpV2Result({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: bytes.toString('base64'), isBase64Encoded: true });
  assert.ok(Buffer.isBuffer(res.body));
  assert.deepEqual(res.body, bytes);
  // Without the flag the text goes out as is.
  assert.equal(parseHttpV2Result({ statusCode: 200, body: 'AAEC', isBase64Encoded: false }).body, 'AAEC');
});

test('adds the HTTP API default Content-Type only to a body without one', () => {
  assert.deepEqual(parseHttpV2Result({ statusCode: 200, body: 'hi' }).headers, [['content-type', DEFAULT_CONTENT_TYPE]]);
  assert.deepEqual(parseHttpV2Result({ statusCode: 204 }), { statusCode: 204, headers: [], body: null });
  assert.deepEqual(parseHttpV2Result({ statusCode: 200, body: '' }).body, null);
  assert.deepEqual(parseHttpV2Result({ statusCode: 200, headers: { 'CONTENT-TYPE': 'a/b' }, body: 'x' }).headers, [['CONTENT-TYPE', 'a/b']]);
});

test("drops the function's framing headers so they cannot corrupt the response", () => {
  const res = parseHttpV2Result({
    statusCode: 200,
    headers: { 'Content-Length': '999', 'Transfer-Encoding': 'chunked', Connection: 'close', 'Keep-Alive': 'timeout=5', Upgrade: 'h2c', TE: 'trailers', Trailer: 'x', 'Proxy-Foo': '1', 'X-Ok': 'y' },
    body: 'x',
  });
  assert.deepEqual(res.headers, [['X-Ok', 'y'], ['content-type', DEFAULT_CONTENT_TYPE]]);
  assert.ok(DROPPED_RESPONSE_HEADERS.includes('content-length'));
  assert.equal(isDroppedResponseHeader('PROXY-Authenticate'), true);
  assert.equal(isDroppedResponseHeader('content-type'), false);
});

test('2.0 malformed results are INTEGRATION_FAILURE, rendered as 500 Internal Server Error', () => {
  assert.deepEqual(HTTP_GATEWAY_RESPONSES.INTEGRATION_FAILURE, { status: 500, message: 'Internal Server Error', errorType: 'InternalServerErrorException' });
  const cases: Array<[unknown, RegExp]> = [
    [{ statusCode: 'abc' }, /statusCode/],
    [{ statusCode: 99 }, /statusCode/],
    [{ statusCode: 600 }, /statusCode/],
    [{ statusCode: 200.5 }, /statusCode/],
    [{ statusCode: null }, /statusCode/],
    [{ statusCode: '20' }, /statusCode/],
    [{ statusCode: 200, body: { a: 1 } }, /body must be a string/],
    [{ statusCode: 200, body: 42 }, /body must be a string/],
    [{ statusCode: 200, headers: ['a'] }, /headers must be an object/],
    [{ statusCode: 200, headers: 'a: b' }, /headers must be an object/],
    [{ statusCode: 200, headers: { a: { b: 1 } } }, /headers\["a"\] must be a string/],
    [{ statusCode: 200, headers: { 'bad name': 'x' } }, /invalid header name/],
    [{ statusCode: 200, headers: { a: 'x\r\nInjected: 1' } }, /invalid value/],
    [{ statusCode: 200, cookies: 'a=1' }, /cookies must be a list/],
    [{ statusCode: 200, cookies: ['a=1', 2] }, /cookies must hold strings/],
    [{ statusCode: 200, cookies: ['a=1\n'] }, /invalid value/],
    [{ statusCode: 200, isBase64Encoded: 'yes', body: 'x' }, /isBase64Encoded/],
    [{ statusCode: 200, isBase64Encoded: true, body: 'not base64!' }, /base64/],
  ];
  for (const [payload, why] of cases) assertMalformed(parseHttpV2Result, payload, why);
});

test('1.0 requires an object with statusCode', () => {
  assertMalformed(parseHttpV1Result, { body: 'x' }, /no statusCode/);
  assertMalformed(parseHttpV1Result, 'Hello', /JSON object/);
  assertMalformed(parseHttpV1Result, null, /JSON object/);
  assertMalformed(parseHttpV1Result, [1], /JSON object/);
  assertMalformed(parseHttpV1Result, { statusCode: 'test' }, /statusCode/);
});

test('1.0 emits multiValueHeaders first, then headers, a repeated value once', () => {
  const res = parseHttpV1Result({
    statusCode: 200,
    multiValueHeaders: { 'tesT-Multi': ['value-multi'], 'Set-Cookie': ['a=1', 'b=2'], 'X-Null': null },
    headers: { 'test-multi': 'value-solo', 'set-cookie': 'b=2', 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.deepEqual(res, {
    statusCode: 200,
    headers: [
      ['tesT-Multi', 'value-multi'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['test-multi', 'value-solo'],
      ['Content-Type', 'application/json'],
    ],
    body: '{}',
  });
});

test('1.0 ignores unknown keys, cookies included (HTTP APIs do not fail on them)', () => {
  const res = parseHttpV1Result({ statusCode: 200, wrongValue: 'value', cookies: ['a=1'], headers: null, multiValueHeaders: null });
  assert.deepEqual(res, { statusCode: 200, headers: [], body: null });
});

test('1.0 decodes a base64 body and validates its parts', () => {
  const res = parseHttpV1Result({ statusCode: '200', body: Buffer.from('hi').toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'text/plain' } });
  assert.deepEqual(res.body, Buffer.from('hi'));
  assertMalformed(parseHttpV1Result, { statusCode: 200, multiValueHeaders: { a: 'b' } }, /must be a list/);
  assertMalformed(parseHttpV1Result, { statusCode: 200, multiValueHeaders: [] }, /must be an object/);
  assertMalformed(parseHttpV1Result, { statusCode: 200, multiValueHeaders: { a: [{}] } }, /must be a string/);
  assertMalformed(parseHttpV1Result, { statusCode: 200, body: ['x'] }, /body must be a string/);
});

test('1.0 drops framing headers and adds the default Content-Type', () => {
  const res = parseHttpV1Result({ statusCode: 200, multiValueHeaders: { 'Content-Length': ['3'] }, headers: { 'transfer-encoding': 'chunked' }, body: 'abc' });
  assert.deepEqual(res.headers, [['content-type', DEFAULT_CONTENT_TYPE]]);
});

test('a 1xx statusCode (an interim response the client would wait past forever) is malformed, in 2.0 and 1.0', () => {
  for (const statusCode of [100, 101, 103, 199, '100', '101']) {
    assertMalformed(parseHttpV2Result, { statusCode }, /statusCode must be an integer from 200 to 599/);
    assertMalformed(parseHttpV1Result, { statusCode }, /statusCode must be an integer from 200 to 599/);
  }
  assert.equal(parseHttpV2Result({ statusCode: 200 }).statusCode, 200);
  assert.equal(parseHttpV1Result({ statusCode: 599 }).statusCode, 599);
});
