import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HeaderPair } from '../pipeline/types.ts';
import {
  applyHeaderOperations,
  applyQueryOperations,
  applyRequestMapping,
  applyResponseMapping,
  compileRequestMapping,
  compileResponseMapping,
  isReservedHeader,
  type MappingInput,
  type ResponseMappingInput,
} from './http-parameter-mapping.ts';
import { compileJsonPath, selectJson } from './mapping-value.ts';

const where = 'api.yaml#/x-amazon-apigateway-integration';

/** A request with the given headers (any case), query pairs, path parameters and body. */
function input(o: {
  headers?: Record<string, string>;
  query?: HeaderPair[];
  path?: string;
  params?: Record<string, string>;
  body?: string | Buffer;
  stageVariables?: Record<string, string>;
} = {}): MappingInput {
  const headers = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const context: Record<string, string> = { requestId: 'req-1', stage: 'dev', httpMethod: 'GET' };
  return {
    header: (n) => headers[n.toLowerCase()],
    querystring: (n) => {
      const vals = (o.query ?? []).filter(([k]) => k === n).map(([, v]) => v);
      return vals.length ? vals.join(',') : undefined;
    },
    path: o.path ?? '/pets/1',
    pathParameter: (n) => o.params?.[n],
    body: typeof o.body === 'string' ? Buffer.from(o.body) : o.body,
    context: (n) => context[n],
    stageVariable: (n) => o.stageVariables?.[n],
  };
}

const map = (mapping: Record<string, string>, i: MappingInput) => applyRequestMapping(compileRequestMapping(mapping, where), i);

describe('request mapping (AWS doc examples)', () => {
  test('append:header adds the request id', () => {
    const m = map({ 'append:header.header1': '$context.requestId' }, input());
    assert.deepEqual(m.headerOps, [{ action: 'append', name: 'header1', value: 'req-1' }]);
    assert.deepEqual(applyHeaderOperations([['Accept', '*/*']], m.headerOps), [['Accept', '*/*'], ['header1', 'req-1']]);
  });

  test('renames a header: append header2 from header1, remove header1 ("\'\'")', () => {
    const m = map({ 'remove:header.header1': "''", 'append:header.header2': '$request.header.header1' }, input({ headers: { Header1: 'v' } }));
    const out = applyHeaderOperations([['Header1', 'v'], ['x', 'y']], m.headerOps);
    assert.deepEqual(out, [['x', 'y'], ['header2', 'v']]);
  });

  test('header lookups are case-insensitive and repeated values come joined with ","', () => {
    const m = map({ 'overwrite:header.out': '$request.header.X-MULTI' }, input({ headers: { 'x-multi': 'a,b' } }));
    assert.deepEqual(m.headerOps, [{ action: 'overwrite', name: 'out', value: 'a,b' }]);
  });

  test('overwrite replaces every value of the header, whatever its case', () => {
    const m = map({ 'overwrite:header.x-env': '$stageVariables.env' }, input({ stageVariables: { env: 'prod' } }));
    assert.deepEqual(applyHeaderOperations([['X-Env', 'a'], ['x-env', 'b'], ['k', 'v']], m.headerOps), [['k', 'v'], ['x-env', 'prod']]);
  });

  test('a single variable with no value skips the operation', () => {
    const m = map({ 'append:header.h': '$request.header.missing', 'append:querystring.q': '$request.querystring.none' }, input());
    assert.deepEqual(m.headerOps, []);
    assert.deepEqual(m.queryOps, []);
  });

  test('overwrite:path with several variables: "${request.path.a} ${request.path.b}"', () => {
    const m = map({ 'overwrite:path': '/items/${request.path.a}-${request.path.b}' }, input({ params: { a: 'x', b: 'y' } }));
    assert.equal(m.path, '/items/x-y');
    const m2 = map({ 'overwrite:path': '${request.path.a} ${request.path.b}' }, input({ params: { a: 'x' } }));
    assert.equal(m2.path, 'x ', 'a missing variable inside text is empty');
  });

  test('overwrite:path from $request.path (the path without the stage)', () => {
    assert.equal(map({ 'overwrite:path': '$request.path' }, input({ path: '/a/b' })).path, '/a/b');
  });

  test('remove:querystring drops every value of that (case-sensitive) name', () => {
    const m = map({ 'remove:querystring.debug': "''" }, input());
    const out = applyQueryOperations([['debug', '1'], ['Debug', '2'], ['a', 'b'], ['debug', '3']], m.queryOps);
    assert.deepEqual(out, [['Debug', '2'], ['a', 'b']]);
  });

  test('querystring values are case-sensitive and joined with ","', () => {
    const i = input({ query: [['id', '1'], ['id', '2'], ['ID', '3']] });
    assert.deepEqual(map({ 'append:querystring.ids': '$request.querystring.id' }, i).queryOps, [{ action: 'append', name: 'ids', value: '1,2' }]);
  });

  test('$request.body.<jsonpath> selects from a JSON body', () => {
    const body = JSON.stringify({ user: { id: 7, name: 'ann', tags: ['a', 'b'] }, 'odd key': true });
    const m = map({
      'append:header.x-id': '$request.body.user.id',
      'append:header.x-name': '${request.body.user.name}',
      'append:header.x-tag': '$request.body.user.tags[1]',
      'append:header.x-odd': "$request.body['odd key']",
      'append:header.x-obj': '$request.body.user.tags',
      'append:header.x-none': '$request.body.nope.deeper',
    }, input({ body }));
    assert.deepEqual(m.headerOps.map((o) => [o.name, o.value]), [['x-id', '7'], ['x-name', 'ann'], ['x-tag', 'b'], ['x-odd', 'true'], ['x-obj', '["a","b"]']]);
  });

  test('$request.body is the whole body; JSON paths see only the first 100 KB', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(110 * 1024), id: 1 });
    const m = map({ 'append:header.whole-len': '$request.body', 'append:header.id': '$request.body.id' }, input({ body: big }));
    assert.deepEqual(m.headerOps.map((o) => o.name), ['whole-len'], 'truncated JSON does not parse, so nothing is selected');
    assert.equal(m.headerOps[0]?.value.length, big.length);
  });

  test('needsBody is set only when a value reads the body', () => {
    assert.equal(compileRequestMapping({ 'append:header.a': '$request.header.b' }, where).needsBody, false);
    assert.equal(compileRequestMapping({ 'append:header.a': 'x ${request.body.b}' }, where).needsBody, true);
  });

  test('static text stays static, even with a lone "$" inside', () => {
    assert.deepEqual(map({ 'append:header.price': 'costs 5$' }, input()).headerOps, [{ action: 'append', name: 'price', value: 'costs 5$' }]);
  });
});

describe('request mapping validation (at load)', () => {
  const rejects = (mapping: Record<string, string>, pattern: RegExp) =>
    assert.throws(() => compileRequestMapping(mapping, where), (err: Error) => pattern.test(err.message) && err.message.startsWith(where));

  test('rejects reserved headers, naming the key', () => {
    rejects({ 'append:header.Authorization': 'x' }, /"append:header\.Authorization".*reserved/);
    rejects({ 'overwrite:header.x-amzn-trace-id': 'x' }, /reserved/);
    rejects({ 'remove:header.Access-Control-Allow-Origin': "''" }, /reserved/);
    rejects({ 'append:header.x-forwarded-for': 'x' }, /reserved/);
    assert.equal(isReservedHeader('X-Amz-Date'), true);
    assert.equal(isReservedHeader('x-amzn-requestid'), true);
    assert.equal(isReservedHeader('x-custom'), false);
  });

  test('rejects unknown keys and targets', () => {
    rejects({ 'add:header.a': 'x' }, /"add:header\.a" is not a request parameter mapping key/);
    rejects({ 'append:path': 'x' }, /"append:path" is not/);
    rejects({ 'overwrite:statuscode': '403' }, /not a request parameter mapping key/);
    rejects({ 'append:body.a': 'x' }, /not a request parameter mapping key/);
  });

  test('rejects bad values', () => {
    rejects({ 'append:header.a': '$request.nothing' }, /"append:header\.a": unknown variable/);
    rejects({ 'append:header.a': '$response.header.b' }, /can only read \$request/);
    rejects({ 'append:header.a': '${request.path.a' }, /unterminated/);
    rejects({ 'append:header.a': '$request.body..name' }, /recursive descent/);
    rejects({ 'append:header.a': '$request.body.items[?(@.x)]' }, /filters/);
    rejects({ 'append:header.a': '$context.bad-name' }, /invalid context variable/);
    rejects({ 'append:header.bad name': 'x' }, /not a valid header name/);
  });
});

describe('response mapping', () => {
  const response = (o: Partial<ResponseMappingInput> = {}): ResponseMappingInput => ({
    statusCode: 500,
    headers: [['content-type', 'application/json'], ['x-backend', 'b1']],
    body: undefined,
    context: (n) => (n === 'requestId' ? 'req-1' : undefined),
    stageVariable: (n) => (n === 'environmentId' ? 'env-9' : undefined),
    ...o,
  });
  const mappings = compileResponseMapping(
    {
      '500': { 'append:header.header1': '$context.requestId', 'overwrite:statuscode': '403' },
      '404': { 'append:header.error': '$stageVariables.environmentId' },
    },
    where,
  );

  test('{"500":{"overwrite:statuscode":"403"}} changes the status and adds a header (AWS example)', () => {
    const out = applyResponseMapping(mappings, response());
    assert.equal(out.statusCode, 403);
    assert.deepEqual(out.headers.at(-1), ['header1', 'req-1']);
  });

  test('rules are keyed by the backend status; other statuses pass through', () => {
    assert.deepEqual(applyResponseMapping(mappings, response({ statusCode: 404 })).headers.at(-1), ['error', 'env-9']);
    const ok = applyResponseMapping(mappings, response({ statusCode: 200 }));
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers.length, 2);
  });

  test('reads $response.header and $response.body, and removes headers', () => {
    const m = compileResponseMapping({ '200': {
      'append:header.x-copy': '$response.header.X-Backend',
      'overwrite:header.x-code': '$response.body.error.code',
      'remove:header.x-backend': "''",
      'overwrite:statuscode': '${response.body.status}',
    } }, where);
    assert.equal(m.get(200)?.needsBody, true);
    const out = applyResponseMapping(m, response({ statusCode: 200, body: Buffer.from('{"error":{"code":"E1"},"status":"202"}') }));
    assert.equal(out.statusCode, 202);
    assert.deepEqual(out.headers, [['content-type', 'application/json'], ['x-code', 'E1'], ['x-copy', 'b1']]);
  });

  test('a dynamic status that is not a status code leaves the backend status', () => {
    const m = compileResponseMapping({ '200': { 'overwrite:statuscode': '$response.header.x-backend' } }, where);
    assert.equal(applyResponseMapping(m, response({ statusCode: 200 })).statusCode, 200);
  });

  test('validation names the status and key', () => {
    assert.throws(() => compileResponseMapping({ '200': { 'overwrite:statuscode': 'abc' } }, where), /"200": "overwrite:statuscode": "abc" is not a status code/);
    assert.throws(() => compileResponseMapping({ '2xx': {} }, where), /"2xx" is not a status code/);
    assert.throws(() => compileResponseMapping({ '200': { 'overwrite:path': '/x' } }, where), /not a response parameter mapping key/);
    assert.throws(() => compileResponseMapping({ '200': { 'append:header.content-length': '1' } }, where), /reserved/);
    assert.throws(() => compileResponseMapping({ '200': { 'append:header.a': '$request.header.b' } }, where), /can only read \$response/);
  });
});

describe('JSON path', () => {
  test('compiles names, indexes and quoted keys', () => {
    assert.deepEqual(compileJsonPath('a.b[2]["c d"]'), ['a', 'b', 2, 'c d']);
    assert.throws(() => compileJsonPath('a.*'));
    assert.throws(() => compileJsonPath('a[x]'));
  });

  test('selects strings raw and other values as JSON', () => {
    const doc = { a: { b: [1, { c: null }] } };
    assert.equal(selectJson(doc, ['a', 'b', 0]), '1');
    assert.equal(selectJson(doc, ['a', 'b', 1, 'c']), 'null');
    assert.equal(selectJson(doc, ['a', 'x']), undefined);
    assert.equal(selectJson(doc, ['a', 0]), undefined);
  });
});

describe('header values a mapping cannot send (CR/LF, controls, chars above 0xFF)', () => {
  const ok = (value: string) => ({ body: Buffer.from(JSON.stringify({ name: value })) });

  test('a response header operation whose value is not a field value is dropped, the others apply', () => {
    const m = compileResponseMapping({ '200': { 'overwrite:header.x-name': '$response.body.name', 'append:header.x-tpl': 'n=${response.body.name}', 'append:header.x-ok': 'yes' } }, where);
    const base: ResponseMappingInput = { statusCode: 200, headers: [['x-name', 'old']], body: undefined, context: () => undefined, stageVariable: () => undefined };
    for (const bad of ['a\nb', 'a\r\nInjected: 1', 'nul\0', 'del\x7f', 'euro €', 'emoji 😀']) {
      const out = applyResponseMapping(m, { ...base, ...ok(bad) });
      assert.deepEqual(out.headers, [['x-name', 'old'], ['x-ok', 'yes']], JSON.stringify(bad));
    }
    // Visible ASCII, SP, HTAB and obs-text (0x80-0xFF, e.g. "é") are field values (RFC 9110 §5.5).
    const out = applyResponseMapping(m, { ...base, ...ok('caf\u00e9\t x') });
    assert.deepEqual(out.headers, [['x-name', 'caf\u00e9\t x'], ['x-tpl', 'n=caf\u00e9\t x'], ['x-ok', 'yes']]);
  });

  test('request header operations are dropped the same way; query operations keep the value (it is percent-encoded)', () => {
    const m = map(
      { 'append:header.x-q': '$request.querystring.q', 'append:header.x-b': '$request.body.name', 'append:querystring.q2': '$request.querystring.q' },
      input({ query: [['q', 'line1\nline2']], body: JSON.stringify({ name: 'ok' }) }),
    );
    assert.deepEqual(m.headerOps, [{ action: 'append', name: 'x-b', value: 'ok' }]);
    assert.deepEqual(m.queryOps, [{ action: 'append', name: 'q2', value: 'line1\nline2' }]);
  });
});

describe('overwrite:statuscode never answers with a 1xx (an interim status the client would wait past)', () => {
  test('a static 1xx is refused at load; a dynamic one leaves the backend status', () => {
    assert.throws(() => compileResponseMapping({ '200': { 'overwrite:statuscode': '101' } }, where), /"101" is not a status code/);
    const m = compileResponseMapping({ '200': { 'overwrite:statuscode': '$response.header.x-s' } }, where);
    const input = (s: string): ResponseMappingInput => ({ statusCode: 200, headers: [['x-s', s]], body: undefined, context: () => undefined, stageVariable: () => undefined });
    assert.equal(applyResponseMapping(m, input('100')).statusCode, 200);
    assert.equal(applyResponseMapping(m, input('204')).statusCode, 204);
  });
});
