import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InvokeResult } from '../../lambda/types.ts';
import { authorizerContext, judgeInvocation, outputToJson, parseAuthorizerOutput } from './authorizer-result.ts';

const allow = { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] };
const ok = (payload: unknown): InvokeResult => ({ ok: true, payload });
const failed = (kind: 'handler-error' | 'function-timeout', errorMessage: string): InvokeResult => ({ ok: false, kind, errorType: 'Error', errorMessage, trace: [] });

describe('parseAuthorizerOutput', () => {
  test('accepts principalId, policyDocument, scalar context values (null included) and usageIdentifierKey', () => {
    const out = parseAuthorizerOutput({ principalId: 'u', policyDocument: allow, context: { s: 'x', n: 1, b: false, z: null }, usageIdentifierKey: 'k' });
    assert.equal(out.principalId, 'u');
    assert.deepEqual(out.context, { s: 'x', n: 1, b: false, z: null });
    assert.equal(out.usageIdentifierKey, 'k');
    assert.equal(out.policyDocument.Statement.length, 1);
  });

  test('principalId and context are optional', () => {
    assert.deepEqual(parseAuthorizerOutput({ policyDocument: allow }).context, {});
  });

  test('refuses what AWS answers with AUTHORIZER_CONFIGURATION_ERROR', () => {
    for (const [payload, reason] of [
      [null, /must be an object/],
      ['Allow', /must be an object/],
      [[allow], /an array/],
      [{ principalId: 'u' }, /no policyDocument/],
      [{ policyDocument: { Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] } }, /policyDocument: .*Effect/],
      [{ policyDocument: allow, context: { o: { a: 1 } } }, /context\.o is an object/],
      [{ policyDocument: allow, context: { a: [1] } }, /context\.a is an array/],
      [{ policyDocument: allow, context: 'x' }, /context must be an object/],
      [{ policyDocument: allow, principalId: 7 }, /principalId must be a string/],
      [{ policyDocument: allow, usageIdentifierKey: 7 }, /usageIdentifierKey must be a string/],
    ] as const) {
      assert.throws(() => parseAuthorizerOutput(payload), reason, JSON.stringify(payload));
    }
  });

  test('a `__proto__` context key stays data', () => {
    const out = parseAuthorizerOutput(JSON.parse(`{"policyDocument":${JSON.stringify(allow)},"context":{"__proto__":"x"}}`));
    assert.equal(Object.getOwnPropertyDescriptor(out.context, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(out.context), Object.prototype);
  });

  test('round-trips through the cache form', () => {
    const out = parseAuthorizerOutput({ principalId: 'u', policyDocument: allow, context: { n: 1 }, usageIdentifierKey: 'k' });
    assert.deepEqual(parseAuthorizerOutput(outputToJson(out)), out);
  });
});

describe('judgeInvocation', () => {
  test('exactly "Unauthorized" from the handler is unauthorized (401)', () => {
    assert.deepEqual(judgeInvocation(failed('handler-error', 'Unauthorized')), { kind: 'unauthorized' });
  });

  test('any other failure is invalid (500): other messages, near misses, timeouts', () => {
    for (const r of [failed('handler-error', 'unauthorized'), failed('handler-error', 'Unauthorized '), failed('handler-error', 'boom'), failed('function-timeout', 'Unauthorized')]) {
      assert.equal(judgeInvocation(r).kind, 'invalid');
    }
  });

  test('a valid output is an output; an invalid one is invalid', () => {
    assert.equal(judgeInvocation(ok({ policyDocument: allow })).kind, 'output');
    assert.equal(judgeInvocation(ok({ principalId: 'u' })).kind, 'invalid');
    assert.equal(judgeInvocation(ok(null)).kind, 'invalid');
  });
});

describe('authorizerContext', () => {
  test('stringified context, then principalId, then integrationLatency (a number)', () => {
    const out = parseAuthorizerOutput({ principalId: 'u', policyDocument: allow, context: { s: 'x', n: 123, b: true, z: null } });
    const ctx = authorizerContext(out, 4);
    assert.deepEqual(Object.keys(ctx), ['s', 'n', 'b', 'z', 'principalId', 'integrationLatency']);
    assert.deepEqual(ctx, { s: 'x', n: '123', b: 'true', z: null, principalId: 'u', integrationLatency: 4 });
  });

  test('usageIdentifierKey is readable but never enumerated or serialised', () => {
    const ctx = authorizerContext(parseAuthorizerOutput({ policyDocument: allow, usageIdentifierKey: 'key-1' }));
    assert.equal(ctx['usageIdentifierKey'], 'key-1');
    assert.deepEqual(Object.keys(ctx), []);
    assert.equal(JSON.stringify(ctx), '{}');
    assert.deepEqual(structuredClone(ctx), {});
  });
});
