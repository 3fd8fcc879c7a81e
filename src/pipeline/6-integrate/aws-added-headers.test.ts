import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeContext } from '../../../test/helpers/context.ts';
import { forwardedHeaders, withAwsAddedHeaders } from './aws-added-headers.ts';

const pairs = (flat: readonly string[]): Array<[string, string]> => flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] as string] as [string, string]] : []));

const request = makeContext({
  sourceIp: '203.0.113.9', scheme: 'https', localPort: 443,
  headers: [['X-Forwarded-For', '10.0.0.1'], ['x-forwarded-for', '10.0.0.2'], ['X-Forwarded-Proto', 'http'], ['X-Forwarded-Port', '1'], ['X-Amzn-Trace-Id', 'Root=1-client'], ['Accept', '*/*']],
}).request;

test('Lambda and HTTP_PROXY get the same X-Forwarded-* and trace id: chain appended, proto/port replaced, trace kept', () => {
  const lambda = pairs(withAwsAddedHeaders(request, 0));
  const proxy = pairs(forwardedHeaders(request, undefined, (lower) => lower === 'accept'));
  const added = [['X-Forwarded-For', '10.0.0.1, 10.0.0.2, 203.0.113.9'], ['X-Forwarded-Port', '443'], ['X-Forwarded-Proto', 'https']];
  assert.deepEqual(lambda, [['X-Amzn-Trace-Id', 'Root=1-client'], ['Accept', '*/*'], ['Content-Length', '0'], ...added]);
  assert.deepEqual(proxy, [['X-Amzn-Trace-Id', 'Root=1-client'], ...added], 'what differs is only what the caller drops and the length');
});

test('a trace id is added when the client sent none; a client Content-Length is kept over the computed one', () => {
  const bare = makeContext({ headers: [['content-length', '5']] }).request;
  const out = pairs(withAwsAddedHeaders(bare, 5));
  assert.deepEqual(out.filter(([n]) => n.toLowerCase() === 'content-length'), [['content-length', '5']]);
  assert.match(out.find(([n]) => n === 'X-Amzn-Trace-Id')?.[1] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  assert.deepEqual(pairs(forwardedHeaders(bare, '7', (l) => l === 'content-length')).filter(([n]) => n.toLowerCase() === 'content-length'), [['Content-Length', '7']]);
});
