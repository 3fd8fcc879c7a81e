import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CorsConfiguration } from '../../model/index.ts';
import type { GatewayRequest, HeaderPair } from '../types.ts';
import { makeContext } from '../../../test/helpers/context.ts';
import { actualResponseHeaders, compileCors, isCorsPreflight, preflightResponse, stripCorsHeaders, validateCors } from './http-cors.ts';

const config = (over: Partial<CorsConfiguration> = {}): CorsConfiguration => ({
  allowOrigins: ['https://app.example.com'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'Authorization'],
  exposeHeaders: ['X-Request-Id'],
  maxAge: 300,
  allowCredentials: false,
  ...over,
});

/** A request as the edge builds it (test/helpers/context.ts), with the given headers. */
const request = (method: string, headers: Record<string, string> = {}): GatewayRequest =>
  makeContext({ method, path: '/pets', host: 'localhost', headers: Object.entries(headers) }).request;

const preflight = (origin: string, extra: Record<string, string> = {}): GatewayRequest =>
  request('OPTIONS', { Origin: origin, 'Access-Control-Request-Method': 'POST', ...extra });

const asObject = (headers: readonly HeaderPair[]): Record<string, string> => Object.fromEntries(headers);

describe('isCorsPreflight', () => {
  test('needs OPTIONS with both Origin and Access-Control-Request-Method', () => {
    assert.equal(isCorsPreflight(preflight('https://app.example.com')), true);
    assert.equal(isCorsPreflight(request('OPTIONS', { Origin: 'https://app.example.com' })), false);
    assert.equal(isCorsPreflight(request('OPTIONS', { 'Access-Control-Request-Method': 'POST' })), false);
    assert.equal(isCorsPreflight(request('POST', { Origin: 'https://a', 'Access-Control-Request-Method': 'POST' })), false);
    assert.equal(isCorsPreflight(request('OPTIONS', { Origin: 'https://a', 'Access-Control-Request-Method': '' })), false);
  });
});

describe('preflightResponse', () => {
  test('answers an allowed origin with 204 and the configured headers', () => {
    const res = preflightResponse(compileCors(config()), preflight('https://app.example.com'));
    assert.ok(res);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, null);
    assert.deepEqual(res.headers, [
      ['access-control-allow-origin', 'https://app.example.com'],
      ['access-control-allow-methods', 'GET,POST'],
      ['access-control-allow-headers', 'content-type,authorization'],
      ['access-control-max-age', '300'],
      ['vary', 'Origin'],
    ]);
  });

  test('returns undefined for a non-preflight OPTIONS, which then goes to routing', () => {
    const cors = compileCors(config());
    assert.equal(preflightResponse(cors, request('OPTIONS', { Origin: 'https://app.example.com' })), undefined);
    assert.equal(preflightResponse(cors, request('OPTIONS')), undefined);
    assert.equal(preflightResponse(cors, request('GET', { Origin: 'https://app.example.com' })), undefined);
  });

  test('answers a disallowed origin with 204 and no CORS headers', () => {
    const res = preflightResponse(compileCors(config()), preflight('https://evil.example.org'));
    assert.deepEqual(res, { statusCode: 204, headers: [], body: null });
  });

  test('answers * with a literal * and no vary', () => {
    const res = preflightResponse(compileCors(config({ allowOrigins: ['*'] })), preflight('https://anyone.test'));
    assert.equal(asObject(res?.headers ?? [])['access-control-allow-origin'], '*');
    assert.equal(res?.headers.some(([n]) => n === 'vary'), false);
  });

  test('sends allow-credentials only when configured', () => {
    const withCreds = preflightResponse(compileCors(config({ allowCredentials: true })), preflight('https://app.example.com'));
    assert.equal(asObject(withCreds?.headers ?? [])['access-control-allow-credentials'], 'true');
    const without = preflightResponse(compileCors(config()), preflight('https://app.example.com'));
    assert.equal(asObject(without?.headers ?? [])['access-control-allow-credentials'], undefined);
  });

  test('sends the configured lists even when the requested method or headers are not on them', () => {
    const req = preflight('https://app.example.com', { 'Access-Control-Request-Method': 'DELETE', 'Access-Control-Request-Headers': 'x-custom' });
    const headers = asObject(preflightResponse(compileCors(config()), req)?.headers ?? []);
    assert.equal(headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(headers['access-control-allow-headers'], 'content-type,authorization');
  });

  test('sends a configured * literally, not the request reflected', () => {
    const cors = compileCors(config({ allowMethods: ['*'], allowHeaders: ['*'] }));
    const req = preflight('https://app.example.com', { 'Access-Control-Request-Headers': 'x-custom' });
    const headers = asObject(preflightResponse(cors, req)?.headers ?? []);
    assert.equal(headers['access-control-allow-methods'], '*');
    assert.equal(headers['access-control-allow-headers'], '*');
  });

  test('omits headers whose list is empty and max-age when unset', () => {
    const { maxAge: _unused, ...rest } = config();
    const cors = compileCors({ ...rest, allowMethods: [], allowHeaders: [] });
    const res = preflightResponse(cors, preflight('https://app.example.com'));
    assert.deepEqual(res?.headers, [['access-control-allow-origin', 'https://app.example.com'], ['vary', 'Origin']]);
  });

  test('sends max-age -1 as configured (AWS allows -1..86400)', () => {
    const res = preflightResponse(compileCors(config({ maxAge: -1 })), preflight('https://app.example.com'));
    assert.equal(asObject(res?.headers ?? [])['access-control-max-age'], '-1');
  });
});

describe('origin matching', () => {
  test('https://* allows any https origin and echoes it', () => {
    const cors = compileCors(config({ allowOrigins: ['https://*'] }));
    assert.equal(asObject(actualResponseHeaders(cors, request('GET', { Origin: 'https://x.y.test:8443' })))['access-control-allow-origin'], 'https://x.y.test:8443');
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'http://x.test' })), []);
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'https://' })), []);
  });

  test('http://* allows only http origins', () => {
    const cors = compileCors(config({ allowOrigins: ['http://*'] }));
    assert.equal(actualResponseHeaders(cors, request('GET', { Origin: 'http://localhost:5173' })).length > 0, true);
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'https://localhost:5173' })), []);
  });

  test('exact origins compare without case but echo the request as sent', () => {
    const cors = compileCors(config({ allowOrigins: ['HTTPS://App.Example.com'] }));
    assert.equal(asObject(actualResponseHeaders(cors, request('GET', { Origin: 'https://app.example.com' })))['access-control-allow-origin'], 'https://app.example.com');
  });

  test('an exact origin does not match a different port or a suffix', () => {
    const cors = compileCors(config());
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'https://app.example.com:8443' })), []);
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'https://app.example.com.evil.test' })), []);
  });

  test('Origin: null matches only *', () => {
    assert.deepEqual(actualResponseHeaders(compileCors(config()), request('GET', { Origin: 'null' })), []);
    assert.equal(asObject(actualResponseHeaders(compileCors(config({ allowOrigins: ['*'] })), request('GET', { Origin: 'null' })))['access-control-allow-origin'], '*');
  });
});

describe('actualResponseHeaders', () => {
  test('adds allow-origin, expose-headers and vary for an allowed origin', () => {
    const headers = actualResponseHeaders(compileCors(config()), request('GET', { Origin: 'https://app.example.com' }));
    assert.deepEqual(headers, [
      ['access-control-allow-origin', 'https://app.example.com'],
      ['access-control-expose-headers', 'x-request-id'],
      ['vary', 'Origin'],
    ]);
  });

  test('adds allow-credentials when configured', () => {
    const headers = actualResponseHeaders(compileCors(config({ allowCredentials: true })), request('POST', { Origin: 'https://app.example.com' }));
    assert.equal(asObject(headers)['access-control-allow-credentials'], 'true');
  });

  test('returns [] without an Origin, and for a disallowed origin', () => {
    const cors = compileCors(config());
    assert.deepEqual(actualResponseHeaders(cors, request('GET')), []);
    assert.deepEqual(actualResponseHeaders(cors, request('GET', { Origin: 'https://evil.test' })), []);
  });

  test('with *, answers * and adds no vary', () => {
    const headers = actualResponseHeaders(compileCors(config({ allowOrigins: ['*'] })), request('GET', { Origin: 'https://a.test' }));
    assert.deepEqual(headers, [['access-control-allow-origin', '*'], ['access-control-expose-headers', 'x-request-id']]);
  });

  test('a preflight that a route handled gets the preflight headers', () => {
    const headers = asObject(actualResponseHeaders(compileCors(config()), preflight('https://app.example.com')));
    assert.equal(headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(headers['access-control-max-age'], '300');
  });

  test('de-duplicates configured values after normalising case', () => {
    const cors = compileCors(config({ exposeHeaders: ['X-A', 'x-a', ' x-b '], allowMethods: ['get', 'GET'] }));
    assert.equal(cors.exposeHeaders, 'x-a,x-b');
    assert.equal(cors.allowMethods, 'GET');
  });
});

describe('stripCorsHeaders', () => {
  test("drops the integration's access-control-* headers in any case and keeps the rest", () => {
    const out = stripCorsHeaders([
      ['Access-Control-Allow-Origin', '*'],
      ['content-type', 'application/json'],
      ['access-control-expose-headers', 'x'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['vary', 'Accept'],
    ]);
    assert.deepEqual(out, [['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['vary', 'Accept']]);
  });
});

describe('validateCors', () => {
  test('accepts a sound configuration', () => {
    assert.deepEqual(validateCors(config()), []);
    assert.deepEqual(validateCors(config({ allowOrigins: ['*', 'https://*', 'http://*'], allowMethods: ['*'], allowHeaders: ['*'] })), []);
  });

  test('rejects allowCredentials with the * origin, with AWS message', () => {
    assert.deepEqual(validateCors(config({ allowOrigins: ['*'], allowCredentials: true })), ["allow-credentials is not supported if 'allow-origin' is *"]);
  });

  test('accepts allowCredentials with a scheme wildcard', () => {
    assert.deepEqual(validateCors(config({ allowOrigins: ['https://*'], allowCredentials: true })), []);
  });

  test('rejects subdomain and other wildcard origins', () => {
    const problems = validateCors(config({ allowOrigins: ['https://*.example.com', 'http://localhost:*'] }));
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /https:\/\/\*\.example\.com/);
  });

  test('rejects the method ANY and non-token methods', () => {
    assert.deepEqual(validateCors(config({ allowMethods: ['ANY'] })), ['allowMethods: Method ANY is not supported']);
    assert.equal(validateCors(config({ allowMethods: ['GET POST'] })).length, 1);
  });

  test('rejects header names that would corrupt the response', () => {
    assert.equal(validateCors(config({ allowHeaders: ['x-a\r\nx-b'] })).length, 1);
    assert.equal(validateCors(config({ exposeHeaders: ['x a'] })).length, 1);
  });

  test('rejects maxAge outside -1..86400 or fractional', () => {
    assert.equal(validateCors(config({ maxAge: 86401 })).length, 1);
    assert.equal(validateCors(config({ maxAge: -2 })).length, 1);
    assert.equal(validateCors(config({ maxAge: 1.5 })).length, 1);
    assert.deepEqual(validateCors(config({ maxAge: 86400 })), []);
  });

  test('rejects an empty origin', () => {
    assert.equal(validateCors(config({ allowOrigins: [''] })).length, 1);
  });
});
