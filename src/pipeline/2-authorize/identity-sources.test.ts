import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileIdentitySources, identityValue, identityValues, type IdentityInput } from './identity-sources.ts';

const input: IdentityInput = {
  headers: [['Authorization', 'first'], ['X-User', 'bob'], ['authorization', 'last'], ['X-Empty', '']],
  query: [['tenant', 'a'], ['tenant', 'b'], ['Case', 'upper']],
  stageVariables: { realm: 'zoo' },
  context: (path) => (path === 'identity.sourceIp' ? '10.0.0.1' : undefined),
};

describe('compileIdentitySources', () => {
  test('reads a REST comma-separated list of the four forms', () => {
    const sources = compileIdentitySources('method.request.header.X-User, method.request.querystring.tenant,stageVariables.realm , context.identity.sourceIp', 'REST');
    assert.deepEqual(sources.map((s) => [s.kind, s.name]), [['header', 'x-user'], ['querystring', 'tenant'], ['stageVariables', 'realm'], ['context', 'identity.sourceIp']]);
  });

  test('reads a WebSocket list with route.request.*', () => {
    const sources = compileIdentitySources(['route.request.header.Auth', 'route.request.querystring.token'], 'WEBSOCKET');
    assert.deepEqual(sources.map((s) => s.kind), ['header', 'querystring']);
  });

  test('refuses path parameters, the other flavour\'s prefix and unknown forms', () => {
    assert.throws(() => compileIdentitySources('method.request.path.id', 'REST'), /path parameters cannot be identity sources/);
    assert.throws(() => compileIdentitySources('route.request.header.Auth', 'REST'), /not method\.request\.header\.NAME/);
    assert.throws(() => compileIdentitySources(['method.request.header.Auth'], 'WEBSOCKET'), /not route\.request\.header\.NAME/);
    assert.throws(() => compileIdentitySources('$request.header.Auth', 'REST'));
    assert.throws(() => compileIdentitySources('method.request.header.', 'REST'));
  });

  test('an empty string is no sources', () => {
    assert.deepEqual(compileIdentitySources('', 'REST'), []);
  });
});

describe('identity values', () => {
  const [auth, tenant, caseQ, realm, ip, missing] = compileIdentitySources(
    'method.request.header.AUTHORIZATION, method.request.querystring.tenant, method.request.querystring.case, stageVariables.realm, context.identity.sourceIp, method.request.header.X-Missing',
    'REST',
  );

  test('a header matches case-insensitively and gives its last value', () => {
    assert.equal(identityValue(auth!, input), 'last');
  });

  test('a query parameter matches case-sensitively and gives its last value', () => {
    assert.equal(identityValue(tenant!, input), 'b');
    assert.equal(identityValue(caseQ!, input), undefined);
  });

  test('stage variables and $context are read', () => {
    assert.equal(identityValue(realm!, input), 'zoo');
    assert.equal(identityValue(ip!, input), '10.0.0.1');
  });

  test('identityValues: all values, or undefined when one is missing or empty', () => {
    assert.deepEqual(identityValues([auth!, tenant!, realm!], input), ['last', 'b', 'zoo']);
    assert.equal(identityValues([auth!, missing!], input), undefined);
    assert.equal(identityValues(compileIdentitySources('method.request.header.X-Empty', 'REST'), input), undefined);
    assert.deepEqual(identityValues([], input), []);
  });
});
