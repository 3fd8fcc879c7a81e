import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../errors/index.ts';
import {
  applyRestRequestParameters,
  applyRestResponseParameters,
  compileRestRequestParameters,
  compileRestResponseParameters,
  type RestRequestSource,
} from './rest-parameter-mapping.ts';

const where = 'api.yaml#/paths/~1pets/get/x-amazon-apigateway-integration';

function source(o: Partial<Omit<RestRequestSource, 'body'>> & { body?: string } = {}): RestRequestSource {
  return {
    pathParameters: o.pathParameters ?? { path_value: 'test-path-value' },
    query: o.query ?? [['qs_value', 'test-qs-value']],
    headers: o.headers ?? [['header_value', 'test-header-value']],
    body: () => (o.body === undefined ? undefined : Buffer.from(o.body)),
    context: o.context ?? (() => ({ apiId: 'test-api', requestTimeEpoch: 1589522469693, identity: { apiKey: 'key-1', userAgent: 'ua/1', caller: null } })),
    stageVariables: o.stageVariables ?? { test_var: 'a stage variable' },
  };
}

const request = (map: Record<string, string>, src: RestRequestSource = source()) =>
  applyRestRequestParameters(compileRestRequestParameters(map, where, 'HTTP'), src);

describe('request parameters (LocalStack test_parameters_mapping cases)', () => {
  test('maps querystring → header, path → querystring, header → path', () => {
    const m = request({
      'integration.request.header.test': 'method.request.querystring.qs_value',
      'integration.request.querystring.test': 'method.request.path.path_value',
      'integration.request.path.test': 'method.request.header.header_value',
    });
    assert.deepEqual([...m.header], [['test', 'test-qs-value']]);
    assert.deepEqual([...m.querystring], [['test', 'test-path-value']]);
    assert.deepEqual([...m.path], [['test', 'test-header-value']]);
  });

  test('context (nested, numbers stringified), stage variables and static values', () => {
    const m = request({
      'integration.request.header.api_id': 'context.apiId',
      'integration.request.header.my_api_key': 'context.identity.apiKey',
      'integration.request.header.epoch': 'context.requestTimeEpoch',
      'integration.request.header.caller': 'context.identity.caller',
      'integration.request.querystring.userAgent': 'context.identity.userAgent',
      'integration.request.header.stage': 'stageVariables.test_var',
      'integration.request.header.fixed': "'static value'",
    });
    assert.deepEqual(Object.fromEntries(m.header), { api_id: 'test-api', my_api_key: 'key-1', epoch: '1589522469693', stage: 'a stage variable', fixed: 'static value' });
    assert.deepEqual([...m.querystring], [['userAgent', 'ua/1']]);
  });

  test('the whole body, the body of an empty request ({}), and a JSONPath into it', () => {
    const whole = { 'integration.request.header.b': 'method.request.body' };
    assert.equal(request(whole, source({ body: '<This is a body value>' })).header.get('b'), '<This is a body value>');
    assert.equal(request(whole, source({ body: '' })).header.get('b'), '{}');
    const path = { 'integration.request.header.b': 'method.request.body.petstore.pets[0].name' };
    const body = JSON.stringify({ petstore: { pets: [{ name: 'nested pet name value' }, { name: 'second' }] } });
    assert.equal(request(path, source({ body })).header.get('b'), 'nested pet name value');
    assert.equal(request(path, source({ body: JSON.stringify({ petstore: { pets: { name: 'x' } } }) })).header.size, 0);
    assert.equal(request({ 'integration.request.header.b': 'method.request.body.a' }, source({ body: '{"a":{"b":1}}' })).header.get('b'), '{"b":1}');
  });

  test('a body not starting with { [ " \' is not parsed: JSONPath selects nothing', () => {
    const m = request({ 'integration.request.header.b': 'method.request.body.a' }, source({ body: 'a=1&b=2' }));
    assert.equal(m.header.size, 0);
  });

  test('invalid JSON gives 400 "Invalid JSON in request body", even for the whole body', () => {
    for (const value of ['method.request.body.petstore', 'method.request.body']) {
      assert.throws(() => request({ 'integration.request.header.b': value }, source({ body: '\n{wrongjson' })), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.type, 'BAD_REQUEST_BODY');
        assert.equal(err.bodyMessage, 'Invalid JSON in request body');
        return true;
      });
    }
  });

  test('the body is read only when a mapping needs it', () => {
    let reads = 0;
    const src = { ...source(), body: () => { reads++; return Buffer.from('{}'); } };
    request({ 'integration.request.header.x': "'y'" }, src);
    assert.equal(reads, 0);
    assert.equal(compileRestRequestParameters({ 'integration.request.header.b': 'method.request.body.a' }, where, 'HTTP').readsBody, true);
  });

  test('single values are the last; multivalue headers join with ","; multivalue query strings are lists', () => {
    const m = request(
      {
        'integration.request.header.test': 'method.request.header.testMultiHeader',
        'integration.request.header.test_multi': 'method.request.multivalueheader.testMultiHeader',
        'integration.request.header.test_multi_solo': 'method.request.multivalueheader.testHeader',
        'integration.request.querystring.q': 'method.request.querystring.testMultiQuery',
        'integration.request.querystring.q_multi': 'method.request.multivaluequerystring.testMultiQuery',
        'integration.request.querystring.q_solo': 'method.request.multivaluequerystring.testQuery',
      },
      source({
        headers: [['testMultiHeader', 'value1'], ['testMultiHeader', 'value2'], ['testHeader', 'value']],
        query: [['testMultiQuery', 'value1'], ['testMultiQuery', 'value2'], ['testQuery', 'value']],
      }),
    );
    assert.deepEqual(Object.fromEntries(m.header), { test: 'value2', test_multi: 'value1,value2', test_multi_solo: 'value' });
    assert.deepEqual(Object.fromEntries(m.querystring), { q: 'value2', q_multi: ['value1', 'value2'], q_solo: 'value' });
  });

  test('names match case-sensitively; missing values are skipped', () => {
    const m = request({
      'integration.request.header.test': 'method.request.querystring.QS_value',
      'integration.request.querystring.test': 'method.request.path.PATH_value',
      'integration.request.path.test': 'method.request.header.HEADER_value',
      'integration.request.header.none': 'stageVariables.missing',
      'integration.request.header.empty': "''",
    });
    assert.equal(m.header.size + m.querystring.size + m.path.size, 0);
  });

  test('Authorization and User-Agent are seen title-cased whatever the client sent', () => {
    const m = request({ 'integration.request.header.auth': 'method.request.header.Authorization' }, source({ headers: [['authorization', 'Bearer t']] }));
    assert.equal(m.header.get('auth'), 'Bearer t');
  });

  test('AWS_PROXY integrations ignore request parameters (validated, compiled to nothing)', () => {
    const c = compileRestRequestParameters({ 'integration.request.header.x': 'method.request.header.y' }, where, 'AWS_PROXY');
    assert.equal(c.entries.length, 0);
  });
});

describe('request parameters: load-time errors name the key', () => {
  const bad = (map: Record<string, string>, type: 'HTTP' | 'AWS' = 'HTTP') => () => compileRestRequestParameters(map, where, type);
  test('refuses malformed keys and values', () => {
    assert.throws(bad({ 'integration.request.body.x': "'a'" }), /api\.yaml.*"integration\.request\.body\.x": keys must be/);
    assert.throws(bad({ 'integration.request.header.x': 'method.request.cookie.a' }), /unknown mapping expression/);
    assert.throws(bad({ 'integration.request.header.x': '$context.requestId' }), /unknown mapping expression/);
    assert.throws(bad({ 'integration.request.header.x': 'method.request.body..a' }), /JSON path/);
    assert.throws(bad({ 'integration.request.header.x': 'context.a..b' }), /invalid context variable/);
  });

  test('refuses headers AWS never maps, and the AWS-only ones for AWS integrations', () => {
    for (const h of ['Content-Length', 'transfer-encoding', 'X-Amzn-Trace-Id', 'X-Amzn-Apigateway-Api-Id']) {
      assert.throws(bad({ [`integration.request.header.${h}`]: "'v'" }), /cannot be mapped/);
    }
    assert.doesNotThrow(bad({ 'integration.request.header.Authorization': "'v'" }));
    for (const h of ['Authorization', 'connection', 'Expect', 'proxy-authenticate', 'TE']) {
      assert.throws(bad({ [`integration.request.header.${h}`]: "'v'" }, 'AWS'), /for AWS integrations/);
    }
  });
});

describe('response parameters', () => {
  const response = (map: Record<string, string>, headers: [string, string][], body?: string) =>
    applyRestResponseParameters(compileRestResponseParameters(map, where), {
      headers,
      body: () => body,
      context: () => ({ apiId: 'test-api', identity: { apiKey: 'key-1' } }),
      stageVariables: { test_var: 'a stage variable' },
    });

  test('headers, context, stage variables and static values; missing ones skipped', () => {
    const out = response(
      {
        'method.response.header.method_test': 'integration.response.header.test',
        'method.response.header.api_id': 'context.apiId',
        'method.response.header.my_api_key': 'context.identity.apiKey',
        'method.response.header.my_stage_var': 'stageVariables.test_var',
        'method.response.header.missing_test': 'integration.response.header.missingtest',
        'method.response.header.fixed': "'*'",
      },
      [['test', 'value']],
    );
    assert.deepEqual(out, [['method_test', 'value'], ['api_id', 'test-api'], ['my_api_key', 'key-1'], ['my_stage_var', 'a stage variable'], ['fixed', '*']]);
  });

  test('body, empty body ({}) and JSONPath', () => {
    assert.deepEqual(response({ 'method.response.header.b': 'integration.response.body' }, [], '<body>'), [['b', '<body>']]);
    assert.deepEqual(response({ 'method.response.header.b': 'integration.response.body' }, []), [['b', '{}']]);
    assert.deepEqual(response({ 'method.response.header.b': 'integration.response.body.a[1]' }, [], '{"a":[1,"two"]}'), [['b', 'two']]);
  });

  test('invalid JSON in the integration body is a 500 (API_CONFIGURATION_ERROR)', () => {
    assert.throws(() => response({ 'method.response.header.b': 'integration.response.body' }, [], '\n{wrongjson'), (err: unknown) => err instanceof GatewayError && err.type === 'API_CONFIGURATION_ERROR');
  });

  test('multivalue headers join, single takes the last, names are case-insensitive (the client lower-cases them)', () => {
    const out = response(
      {
        'method.response.header.test': 'integration.response.header.testMulti',
        'method.response.header.multi': 'integration.response.multivalueheader.testMulti',
        'method.response.header.cased': 'integration.response.header.TEST2',
      },
      [['testMulti', 'v1'], ['testMulti', 'v2'], ['test2', 'x']],
    );
    assert.deepEqual(out, [['test', 'v2'], ['multi', 'v1,v2'], ['cased', 'x']]);
  });

  test('refuses method.request sources and other keys', () => {
    assert.throws(() => compileRestResponseParameters({ 'method.response.header.x': 'method.request.header.y' }, where), /unknown mapping expression/);
    assert.throws(() => compileRestResponseParameters({ 'method.response.body': "'y'" }, where), /keys must be method\.response\.header\.NAME/);
  });
});
