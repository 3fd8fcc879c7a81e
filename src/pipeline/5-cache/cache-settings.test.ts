import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Method, MethodSetting, Resource, RestIntegration, RestStage } from '../../model/index.ts';
import { clusterBytes, methodCacheSettings } from './cache-settings.ts';

const integration: RestIntegration = { type: 'MOCK', requestParameters: {}, requestTemplates: {}, passthroughBehavior: 'WHEN_NO_MATCH', timeoutInMillis: 29000, cacheKeyParameters: [], integrationResponses: [], source: 'test' };
const method = (httpMethod: Method['httpMethod']): Method => ({ httpMethod, authorizationType: 'NONE', apiKeyRequired: false, requestParameters: {}, requestModels: {}, methodResponses: {}, methodIntegration: integration, source: 'test' });
const resource: Resource = { id: 'r1', path: '/pets', resourceMethods: {} };
const stage = (settings: Record<string, MethodSetting>, enabled = true): RestStage => ({ stageName: 'prod', variables: {}, methodSettings: settings, cacheClusterEnabled: enabled, cacheClusterSize: '1.6' });

test('stage-wide caching covers GET (and the GET requests of ANY) only, with AWS defaults', () => {
  const s = stage({ '*/*': { cachingEnabled: true } });
  const get = methodCacheSettings(s, resource, method('GET'));
  assert.deepEqual(get, { ttlSeconds: 300, methods: new Set(['GET']), requireAuthorizationForCacheControl: true, unauthorizedStrategy: 'SUCCEED_WITH_RESPONSE_HEADER', capacityBytes: clusterBytes('1.6') });
  assert.deepEqual(methodCacheSettings(s, resource, method('ANY'))?.methods, new Set(['GET']));
  assert.equal(methodCacheSettings(s, resource, method('POST')), undefined);
});

test("a method's own cachingEnabled turns any method on or off, and its fields override the stage's", () => {
  const s = stage({ '*/*': { cachingEnabled: true, cacheTtlInSeconds: 60 }, '/pets/POST': { cachingEnabled: true, requireAuthorizationForCacheControl: false }, '/pets/GET': { cachingEnabled: false } });
  const post = methodCacheSettings(s, resource, method('POST'));
  assert.equal(post?.methods, 'all');
  assert.equal(post?.ttlSeconds, 60);
  assert.equal(post?.requireAuthorizationForCacheControl, false);
  assert.equal(methodCacheSettings(s, resource, method('GET')), undefined);
});

test('no cache cluster, a TTL of 0, or caching not enabled: not cached', () => {
  assert.equal(methodCacheSettings(stage({ '*/*': { cachingEnabled: true } }, false), resource, method('GET')), undefined);
  assert.equal(methodCacheSettings(stage({ '*/*': { cachingEnabled: true, cacheTtlInSeconds: 0 } }), resource, method('GET')), undefined);
  assert.equal(methodCacheSettings(stage({}), resource, method('GET')), undefined);
});

test('cacheClusterSize is in GB', () => {
  assert.equal(clusterBytes('0.5'), 536_870_912);
  assert.equal(clusterBytes(undefined), 536_870_912);
  assert.equal(clusterBytes('237'), 237 * 1024 ** 3);
});
