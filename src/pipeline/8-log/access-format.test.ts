import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessLogFormatError, compileAccessLogFormat, PRESETS, renderLine } from './access-format.ts';

test('splits a format into literals and variables, and prints - for missing values', () => {
  const f = compileAccessLogFormat('$context.requestId [$context.status] $context.integrationLatency.', 'HTTP');
  assert.deepEqual(f.variables, ['requestId', 'status', 'integrationLatency']);
  assert.deepEqual(f.literals, ['', ' [', '] ', '.']);
  const line = renderLine(f, (n) => ({ requestId: 'abc', status: 200 })[n]);
  assert.equal(line, 'abc [200] -.');
});

test('expands every preset of every flavour, and each compiles', () => {
  for (const flavour of ['REST', 'HTTP', 'WEBSOCKET'] as const) {
    for (const name of ['CLF', 'JSON', 'XML', 'CSV'] as const) {
      const f = compileAccessLogFormat(name, flavour);
      assert.ok(f.variables.includes('requestId'), `${flavour} ${name}`);
      // Rendering puts each value exactly where its variable stood.
      assert.equal(renderLine(f, (n) => `<${n}>`), PRESETS[flavour][name].replace(/\$context\.([A-Za-z.]+)/g, '<$1>'));
    }
  }
});

test('refuses unknown variables, by flavour', () => {
  assert.throws(() => compileAccessLogFormat('$context.requestId $context.nope', 'HTTP'), (e: unknown) => e instanceof AccessLogFormatError && /\$context\.nope is not a HTTP access-log variable/.test(e.message));
  // routeKey is an HTTP API variable, resourcePath a REST one.
  assert.throws(() => compileAccessLogFormat('$context.requestId $context.routeKey', 'REST'), AccessLogFormatError);
  assert.throws(() => compileAccessLogFormat('$context.requestId $context.resourcePath', 'HTTP'), AccessLogFormatError);
  // Authorizer context keys and claims are the user's.
  assert.deepEqual(compileAccessLogFormat('$context.requestId $context.authorizer.claims.sub $context.authorizer.tenant', 'REST').variables, ['requestId', 'authorizer.claims.sub', 'authorizer.tenant']);
});

test('requires $context.requestId or extendedRequestId, on one line', () => {
  assert.throws(() => compileAccessLogFormat('$context.status', 'REST'), /must include \$context\.requestId or \$context\.extendedRequestId/);
  assert.doesNotThrow(() => compileAccessLogFormat('$context.extendedRequestId', 'REST'));
  assert.throws(() => compileAccessLogFormat('$context.requestId\n$context.status', 'REST'), /single line/);
});
