import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { Method, Resource, RestApi, RestStage } from '../model/index.ts';
import type { RestContext } from '../pipeline/types.ts';
import { bufferBody } from '../../test/helpers/context.ts';
import { errorTree, lookupContext, restContextTree } from './rest-context.ts';

const resource: Resource = { id: 'res123', path: '/pets/{id}', pathPart: '{id}', parentId: 'root', resourceMethods: {} };
const stage: RestStage = { stageName: 'dev', variables: {}, methodSettings: {} };
const api = { apiId: 'abc123', name: 'pets', protocolType: 'REST' } as unknown as RestApi;

function ctx(o: { rawPath?: string; stagePath?: string; matched?: boolean; ua?: string; extra?: Partial<RestContext> } = {}): RestContext {
  const headers: Record<string, string> = o.ua === undefined ? {} : { 'user-agent': o.ua };
  return {
    requestId: 'c0ffee00-0000-4000-8000-000000000001',
    requestTimeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58),
    request: {
      method: 'GET', rawPath: o.rawPath ?? '/dev/pets/7', rawQuery: '', rawHeaders: [], headers,
      host: 'abc123.execute-api.localhost:3000', sourceIp: '10.0.0.9', protocol: 'HTTP/1.1',
      scheme: 'http', localPort: 3000, body: bufferBody(Buffer.alloc(0)),
    },
    timings: { start: 0n },
    log: pino({ enabled: false }),
    api,
    stage,
    extendedRequestId: 'TWegAcC4EowCHnA=',
    stagePath: o.stagePath ?? '/pets/7',
    httpMethod: 'GET',
    ...(o.matched === false ? {} : { match: { resource, method: {} as Method, pathParameters: { id: '7' } } }),
    ...o.extra,
  };
}

const info = { accountId: '123456789012', deploymentId: 'dep1' };

describe('restContextTree', () => {
  test('fills the request variables as AWS documents them', () => {
    const t = restContextTree(ctx({ ua: 'curl/8' }), info);
    assert.equal(t.accountId, '123456789012');
    assert.equal(t.apiId, 'abc123');
    assert.equal(t.deploymentId, 'dep1');
    assert.equal(t.domainName, 'abc123.execute-api.localhost');
    assert.equal(t.domainPrefix, 'abc123');
    assert.equal(t.extendedRequestId, 'TWegAcC4EowCHnA=');
    assert.equal(t.httpMethod, 'GET');
    assert.equal(t.path, '/dev/pets/7');
    assert.equal(t.protocol, 'HTTP/1.1');
    assert.equal(t.requestTime, '12/Mar/2020:19:03:58 +0000');
    assert.equal(t.requestTimeEpoch, Date.UTC(2020, 2, 12, 19, 3, 58));
    assert.equal(t.resourceId, 'res123');
    assert.equal(t.resourcePath, '/pets/{id}');
    assert.equal(t.stage, 'dev');
    assert.equal(lookupContext(t, 'identity.sourceIp'), '10.0.0.9');
    assert.equal(lookupContext(t, 'identity.userAgent'), 'curl/8');
  });

  test('values that do not apply are null', () => {
    const t = restContextTree(ctx({ matched: false }), info);
    for (const k of ['accountId', 'apiKey', 'apiKeyId', 'caller', 'cognitoIdentityId', 'user', 'userArn', 'vpceId', 'userAgent']) {
      assert.equal(lookupContext(t, `identity.${k}`), null, k);
    }
    assert.equal(t.resourceId, null);
    assert.equal(t.isCanaryRequest, null);
    assert.equal(t.wafResponseCode, null);
    assert.equal(t.awsEndpointRequestId, null);
    assert.equal(lookupContext(t, 'integration.status'), null);
    assert.equal(t.error, undefined);
    assert.equal(lookupContext(t, 'authorizer.principalId'), undefined);
  });

  test('the bare stage keeps no trailing slash; a trailing slash is kept', () => {
    assert.equal(restContextTree(ctx({ rawPath: '/dev', stagePath: '/' }), info).path, '/dev');
    assert.equal(restContextTree(ctx({ rawPath: '/dev/', stagePath: '/' }), info).path, '/dev/');
    assert.equal(restContextTree(ctx({ rawPath: '/dev/pets/', stagePath: '/pets/' }), info).path, '/dev/pets/');
  });

  test('authorizer context values are stringified, claims stay a map; identity overrides apply', () => {
    const t = restContextTree(ctx({ extra: { authorizer: { principalId: 'u1', numKey: 1, boolKey: true, claims: { sub: 'x' } }, identity: { apiKey: 'k', apiKeyId: 'kid' } } }), info);
    assert.equal(lookupContext(t, 'authorizer.principalId'), 'u1');
    assert.equal(lookupContext(t, 'authorizer.numKey'), '1');
    assert.equal(lookupContext(t, 'authorizer.boolKey'), 'true');
    assert.equal(lookupContext(t, 'authorizer.claims.sub'), 'x');
    assert.equal(lookupContext(t, 'identity.apiKey'), 'k');
    assert.equal(lookupContext(t, 'identity.apiKeyId'), 'kid');
  });

  test('extras fill error.*, integration.* and the access-log variables', () => {
    const t = restContextTree(ctx(), info, {
      error: { message: 'Missing Authentication Token', responseType: 'MISSING_AUTHENTICATION_TOKEN' },
      integration: { status: 200, latency: 12, requestId: 'lambda-req' },
      responseLatency: 15,
      status: 403,
    });
    assert.equal(lookupContext(t, 'error.message'), 'Missing Authentication Token');
    assert.equal(lookupContext(t, 'error.messageString'), '"Missing Authentication Token"');
    assert.equal(lookupContext(t, 'error.responseType'), 'MISSING_AUTHENTICATION_TOKEN');
    assert.equal(lookupContext(t, 'error.validationErrorString'), null);
    assert.equal(lookupContext(t, 'integration.latency'), 12);
    assert.equal(t.integrationLatency, 12);
    assert.equal(t.awsEndpointRequestId, 'lambda-req');
    assert.equal(t.responseLatency, 15);
    assert.equal(t.status, 403);
  });

  test('messageString is JSON: quotes are escaped and a null message is null', () => {
    assert.equal(errorTree({ message: 'say "hi"', responseType: 'X' }).messageString, '"say \\"hi\\""');
    assert.equal(errorTree({ message: null, responseType: 'AUTHORIZER_CONFIGURATION_ERROR' }).messageString, 'null');
  });

  test('override maps are fresh per tree; lookups ignore inherited properties', () => {
    const a = restContextTree(ctx(), info);
    const b = restContextTree(ctx(), info);
    assert.notEqual(lookupContext(a, 'requestOverride.header'), lookupContext(b, 'requestOverride.header'));
    assert.equal(lookupContext(a, 'constructor'), undefined);
    assert.equal(lookupContext(a, 'identity.toString'), undefined);
  });
});
