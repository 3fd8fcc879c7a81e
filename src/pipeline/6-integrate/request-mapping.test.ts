import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { makeContext } from '../../../test/helpers/context.ts';
import { GatewayError } from '../../errors/index.ts';
import { buildHttpV2Event } from '../../lambda/events/http-v2.ts';
import { compileRequestMapping, compileResponseMapping, applyRequestMapping } from '../../mapping/http-parameter-mapping.ts';
import type { GatewayResponse } from '../types.ts';
import { MAPPED_BODY_LIMIT, mappedQueryString, mappingInput, mapResponse } from './request-mapping.ts';

const noContext = (): undefined => undefined;

test('$request.querystring.* decodes exactly as the Lambda event does (malformed escapes kept, the rest decoded)', () => {
  const ctx = makeContext({ query: 'q=%E0%A4%41bc%20x&p=a+b&p=%2B' });
  const input = mappingInput(ctx, undefined, noContext);
  const event = buildHttpV2Event(ctx, Buffer.alloc(0), { accountId: '1' });
  assert.equal(input.querystring('q'), '%E0%A4%41bc x');
  assert.equal(input.querystring('q'), event.queryStringParameters?.['q']);
  assert.equal(input.querystring('p'), event.queryStringParameters?.['p']);
  // Re-encoded for the upstream: the kept escapes stay, the space is escaped again.
  const ops = applyRequestMapping(compileRequestMapping({ 'remove:querystring.p': "''" }, 'w'), input).queryOps;
  assert.equal(mappedQueryString(ctx.request.rawQuery, ops), 'q=%E0%A4%41bc%20x');
});

const rule = compileResponseMapping({ '200': { 'overwrite:statuscode': '201', 'append:header.x-v': '$response.body.v' } }, 'w');

test('mapResponse: one function for a Lambda result (body in memory) and a streamed upstream body', async () => {
  const ctx = makeContext({});
  const lambda: GatewayResponse = { statusCode: 200, headers: [['content-type', 'application/json']], body: '{"v":"1"}' };
  assert.deepEqual(await mapResponse(rule, lambda, ctx, noContext), { statusCode: 201, headers: [['content-type', 'application/json'], ['x-v', '1']], body: '{"v":"1"}' });

  const streamed: GatewayResponse = { statusCode: 200, headers: [['content-length', '9'], ['x-up', 'u']], body: Readable.from([Buffer.from('{"v":'), Buffer.from('"2"}')]) };
  const out = await mapResponse(rule, streamed, ctx, noContext);
  assert.equal(out.statusCode, 201);
  assert.deepEqual(out.body, Buffer.from('{"v":"2"}'));
  assert.deepEqual(out.headers, [['x-up', 'u'], ['x-v', '2']], 'the upstream Content-Length goes with the stream');

  // No rule for the status, or a rule that does not read the body: the stream is left alone.
  const other: GatewayResponse = { statusCode: 404, headers: [['content-length', '1']], body: Readable.from(['x']) };
  assert.equal(await mapResponse(rule, other, ctx, noContext), other);
  const noBody = compileResponseMapping({ '200': { 'append:header.x-s': 'static' } }, 'w');
  const kept = await mapResponse(noBody, { statusCode: 200, headers: [['content-length', '1']], body: Readable.from(['x']) }, ctx, noContext);
  assert.ok(kept.body instanceof Readable);
  assert.deepEqual(kept.headers, [['content-length', '1'], ['x-s', 'static']]);
});

test('mapResponse refuses a body over 10 MB (declared or received) and destroys the stream', async () => {
  const ctx = makeContext({});
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let pushed = 0;
  const endless = new Readable({ read() { pushed++; this.push(chunk); } });
  await assert.rejects(mapResponse(rule, { statusCode: 200, headers: [], body: endless }, ctx, noContext), (err: unknown) => err instanceof GatewayError && err.type === 'INTEGRATION_FAILURE');
  assert.ok(endless.destroyed);
  assert.ok(pushed <= 13, `stopped reading after the limit (read ${pushed} MB)`);
  assert.equal(MAPPED_BODY_LIMIT, 10 * 1024 * 1024);

  const declared = new Readable({ read() {} });
  await assert.rejects(mapResponse(rule, { statusCode: 200, headers: [['Content-Length', String(MAPPED_BODY_LIMIT + 1)]], body: declared }, ctx, noContext), /over the 10485760-byte limit/);
  assert.ok(declared.destroyed);
});
