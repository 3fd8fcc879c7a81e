import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Method, Model, RequestValidator, RestApi } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { compileMethodValidator, compileModels, modelUrl, type MethodValidator, type ValidationInput } from './rest-validator.ts';

const ALL: RequestValidator = { id: 'all', name: 'all', validateRequestBody: true, validateRequestParameters: true };
const PARAMS: RequestValidator = { id: 'params', name: 'params', validateRequestBody: false, validateRequestParameters: true };
const BODY: RequestValidator = { id: 'body', name: 'body', validateRequestBody: true, validateRequestParameters: false };

function makeApi(models: Record<string, Model['schema']>, apiId = 'abc123'): RestApi {
  return {
    apiId, name: 'test', protocolType: 'REST', binaryMediaTypes: [], apiKeySource: 'HEADER', disableExecuteApiEndpoint: false,
    resources: [], authorizers: {}, stages: [], gatewayResponses: {}, source: 'api.yaml',
    models: Object.fromEntries(Object.entries(models).map(([name, schema]) => [name, { name, contentType: 'application/json', schema }])),
    requestValidators: { all: ALL, params: PARAMS, body: BODY },
  };
}

function makeMethod(options: { validator?: string; params?: Record<string, boolean>; models?: Record<string, string> }): Method {
  return {
    httpMethod: 'POST', authorizationType: 'NONE', apiKeyRequired: false, methodResponses: {}, source: 'api.yaml#/paths/~1pets/post',
    requestParameters: options.params ?? {}, requestModels: options.models ?? {},
    ...(options.validator === undefined ? {} : { requestValidatorId: options.validator }),
    methodIntegration: {
      type: 'MOCK', requestParameters: {}, requestTemplates: {}, passthroughBehavior: 'WHEN_NO_MATCH', timeoutInMillis: 29000,
      cacheKeyParameters: [], integrationResponses: [], source: 'api.yaml#/x',
    },
  };
}

const PET = { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', required: ['name', 'age'], properties: { name: { type: 'string', minLength: 2 }, age: { type: 'integer' }, owner: { $ref: modelUrl('abc123', 'Owner') } } };
const OWNER = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };

function validatorFor(method: Method, api = makeApi({ Pet: PET, Owner: OWNER })): MethodValidator {
  const v = compileMethodValidator(api, method, compileModels(api));
  assert.ok(v, 'expected a validator');
  return v;
}

function input(over: Partial<ValidationInput> & { text?: string } = {}): ValidationInput {
  const { text, ...rest } = over;
  return { headers: {}, query: [], pathParameters: {}, contentType: 'application/json', body: async () => Buffer.from(text ?? ''), ...rest };
}

async function rejection(promise: Promise<void>): Promise<GatewayError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof GatewayError);
    return e;
  }
  assert.fail('expected a GatewayError');
}

test('no validator, or one that validates nothing for this method, compiles to undefined', () => {
  const api = makeApi({});
  const models = compileModels(api);
  assert.equal(compileMethodValidator(api, makeMethod({}), models), undefined);
  assert.equal(compileMethodValidator(api, makeMethod({ validator: 'params', params: { 'method.request.header.x': false } }), models), undefined);
  assert.equal(compileMethodValidator(api, makeMethod({ validator: 'body' }), models), undefined);
  assert.equal(compileMethodValidator(api, makeMethod({ validator: 'body', params: { 'method.request.header.x': true } }), models), undefined);
});

test('missing parameters give BAD_REQUEST_PARAMETERS listing names sorted by full key (header, path, querystring)', async () => {
  const v = validatorFor(makeMethod({ validator: 'params', params: { 'method.request.querystring.qs1': true, 'method.request.path.issuer': true, 'method.request.header.x-header-param': true, 'method.request.querystring.opt': false } }));
  const e = await rejection(v(input()));
  assert.equal(e.type, 'BAD_REQUEST_PARAMETERS');
  assert.equal(e.bodyMessage, 'Missing required request parameters: [x-header-param, issuer, qs1]');
  await v(input({ headers: { 'x-header-param': 'h' }, pathParameters: { issuer: 'p' }, query: [['qs1', 'q']] }));
});

test('headers are matched case-insensitively; blank values count as missing', async () => {
  const v = validatorFor(makeMethod({ validator: 'params', params: { 'method.request.header.X-Api-Token': true, 'method.request.querystring.q': true } }));
  await v(input({ headers: { 'x-api-token': 't' }, query: [['q', '1']] }));
  const e = await rejection(v(input({ headers: { 'x-api-token': '  ' }, query: [['q', '1'], ['q', '']] })));
  assert.equal(e.bodyMessage, 'Missing required request parameters: [X-Api-Token, q]');
});

test('parameters are validated before the body', async () => {
  const v = validatorFor(makeMethod({ validator: 'all', params: { 'method.request.querystring.q': true }, models: { 'application/json': 'Pet' } }));
  assert.equal((await rejection(v(input({ text: 'not json' })))).type, 'BAD_REQUEST_PARAMETERS');
});

test('a body failing its model gives BAD_REQUEST_BODY with AWS-worded validationErrorString', async () => {
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'Pet' } }));
  const e = await rejection(v(input({ text: '{"name":"x","owner":{}}' })));
  assert.equal(e.type, 'BAD_REQUEST_BODY');
  assert.equal(e.message, 'Invalid request body');
  assert.equal(e.validationErrorString, '[object has missing required properties (["age"]), string "x" is too short (length: 1, required minimum: 2), object has missing required properties (["id"])]');
  await v(input({ text: '{"name":"rex","age":3,"owner":{"id":"o"}}' }));
});

test('an empty body is validated as {}; a non-JSON body is invalid', async () => {
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'Pet' } }));
  const empty = await rejection(v(input({ contentType: undefined })));
  assert.equal(empty.validationErrorString, '[object has missing required properties (["age","name"])]');
  assert.equal((await rejection(v(input({ text: '{name:' })))).type, 'BAD_REQUEST_BODY');
});

test('the model is chosen by Content-Type essence, then $default; no model means no body validation', async () => {
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'Pet' } }));
  await v(input({ contentType: 'text/plain', text: 'anything' }));
  await rejection(v(input({ contentType: 'Application/JSON; charset=utf-8', text: '{}' })));
  const d = validatorFor(makeMethod({ validator: 'body', models: { $default: 'Pet' } }));
  assert.equal((await rejection(d(input({ contentType: 'text/plain', text: '{}' })))).type, 'BAD_REQUEST_BODY');
});

test('the body is not read when no model applies', async () => {
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'Pet' } }));
  await v(input({ contentType: 'text/plain', body: () => Promise.reject(new Error('read')) }));
});

test('the built-in Empty model accepts any object', async () => {
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'Empty' } }));
  await v(input({ text: '{"a":1}' }));
  await v(input({ text: '' }));
  assert.equal((await rejection(v(input({ text: '[1]' })))).validationErrorString, '[instance type (array) does not match any allowed primitive type (allowed: ["object"])]');
});

test('models of two APIs with the same names do not clash', async () => {
  const a = makeApi({ M: { type: 'object', required: ['a'] } }, 'api1');
  const b = makeApi({ M: { type: 'object', required: ['b'] } }, 'api2');
  const method = makeMethod({ validator: 'body', models: { 'application/json': 'M' } });
  await validatorFor(method, a)(input({ text: '{"a":1}' }));
  await validatorFor(method, b)(input({ text: '{"b":1}' }));
  await rejection(validatorFor(method, b)(input({ text: '{"a":1}' })));
});

test('AWS wording for type, enum, bounds, pattern, additionalProperties', async () => {
  const api = makeApi({ T: { type: 'object', additionalProperties: false, properties: { n: { type: 'number', minimum: 1, maximum: 5 }, e: { enum: ['a', 'b'] }, p: { type: 'string', pattern: '^x' }, i: { type: 'integer' } } } });
  const v = validatorFor(makeMethod({ validator: 'body', models: { 'application/json': 'T' } }), api);
  const e = await rejection(v(input({ text: '{"n":9,"e":"c","p":"y","i":"s","z":1,"y":2}' })));
  assert.equal(e.validationErrorString, [
    '[object instance has properties which are not allowed by the schema: ["y","z"]',
    'numeric instance is greater than the required maximum (maximum: 5, found: 9)',
    'instance value ("c") not found in enum (possible values: ["a","b"])',
    'ECMA 262 regex "^x" does not match input string "y"',
    'instance type (string) does not match any allowed primitive type (allowed: ["integer"])]',
  ].join(', '));
});

test('bad schemas, unresolvable $refs, unknown models and validators fail at compile, naming them', () => {
  assert.throws(() => compileModels(makeApi({ Bad: { type: 'wat' } })), /model "Bad" is not a valid JSON Schema draft 4/);
  assert.throws(() => compileModels(makeApi({ Dangling: { $ref: modelUrl('abc123', 'Nope') } })), /model "Dangling" cannot be compiled/);
  const api = makeApi({});
  const models = compileModels(api);
  assert.throws(() => compileMethodValidator(api, makeMethod({ validator: 'body', models: { 'application/json': 'Nope' } }), models), /request model "Nope"/);
  assert.throws(() => compileMethodValidator(api, makeMethod({ validator: 'ghost' }), models), /requestValidatorId "ghost"/);
});
