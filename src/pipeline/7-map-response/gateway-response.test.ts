import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError, REST_GATEWAY_RESPONSES, type GatewayErrorOptions, type GatewayResponseType } from '../../errors/index.ts';
import type { GatewayResponseKey, GatewayResponseSetting, RestApi } from '../../model/index.ts';
import type { GatewayResponse } from '../types.ts';
import { compileGatewayResponses, type GatewayResponseInput } from './gateway-response.ts';

type Settings = Partial<Record<GatewayResponseKey, Omit<GatewayResponseSetting, 'responseType' | 'responseParameters' | 'responseTemplates'> & Partial<GatewayResponseSetting>>>;

function apiWith(settings: Settings = {}): RestApi {
  const gatewayResponses = Object.fromEntries(
    Object.entries(settings).map(([k, s]) => [k, { responseType: k, responseParameters: {}, responseTemplates: {}, ...s }]),
  );
  return { apiId: 'abc123', gatewayResponses } as unknown as RestApi;
}

function input(type: GatewayResponseType, o: { error?: GatewayErrorOptions; accept?: string; headers?: [string, string][] } = {}): GatewayResponseInput {
  return {
    error: new GatewayError(type, o.error),
    context: () => ({ requestId: 'req-1', stage: 'dev', identity: { sourceIp: '10.0.0.1' } }),
    request: { headers: o.headers ?? [], query: [['q', '1'], ['q', '2']], pathParameters: { id: '7' } },
    stageVariables: { env: 'test' },
    accept: o.accept,
    requestId: 'req-1',
    extendedRequestId: 'ext-1=',
  };
}

const header = (r: GatewayResponse, name: string): string | undefined => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

describe('default gateway responses (every type)', () => {
  const respond = compileGatewayResponses(apiWith());
  for (const type of Object.keys(REST_GATEWAY_RESPONSES) as GatewayResponseType[]) {
    test(`${type}: default status, body and headers`, () => {
      const def = REST_GATEWAY_RESPONSES[type];
      const r = respond(input(type));
      assert.equal(r.statusCode, def.status);
      // Integration failures carry a space after the colon, as AWS's 502/504 captures do.
      const spaced = ['INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT', 'API_CONFIGURATION_ERROR'].includes(type);
      assert.equal(r.body, JSON.stringify({ [def.key ?? 'message']: def.message }).replace(/^(\{"[^"]+":)/, spaced ? '$1 ' : '$1'));
      assert.deepEqual(r.headers, [
        ['Content-Type', 'application/json'],
        ['x-amzn-RequestId', 'req-1'],
        ['x-amzn-ErrorType', def.errorType],
        ['x-amz-apigw-id', 'ext-1='],
      ]);
    });
  }

  test('exact bodies AWS sends', () => {
    assert.equal(respond(input('MISSING_AUTHENTICATION_TOKEN')).body, '{"message":"Missing Authentication Token"}');
    assert.equal(respond(input('ACCESS_DENIED')).body, '{"Message":"User is not authorized to access this resource with an explicit deny"}');
    // Captured from AWS (content-length: 16): https://loige.co/debugging-custom-apigateway-authorizers
    assert.equal(respond(input('AUTHORIZER_CONFIGURATION_ERROR')).body, '{"message":null}');
  });

  test('the body carries the error detail AWS puts there', () => {
    const params = respond(input('BAD_REQUEST_PARAMETERS', { error: { bodyMessage: 'Missing required request parameters: [a]' } }));
    assert.equal(params.body, '{"message":"Missing required request parameters: [a]"}');
    const json = respond(input('BAD_REQUEST_BODY', { error: { bodyMessage: 'Invalid JSON in request body', message: 'log only' } }));
    assert.equal(json.statusCode, 400);
    assert.equal(json.body, '{"message":"Invalid JSON in request body"}');
    assert.equal(respond(input('THROTTLED', { error: { message: 'log detail only' } })).body, '{"message":"Too Many Requests"}');
  });

  test("the error's own headers are kept", () => {
    const r = respond(input('UNAUTHORIZED', { error: { headers: [['www-authenticate', 'Bearer']] } }));
    assert.equal(header(r, 'www-authenticate'), 'Bearer');
  });
});

describe('customised gateway responses', () => {
  test('DEFAULT_4XX applies to MISSING_AUTHENTICATION_TOKEN but not to a type with its own setting, nor to 5XX types', () => {
    const respond = compileGatewayResponses(apiWith({
      DEFAULT_4XX: { statusCode: '400', responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" }, responseTemplates: { 'application/json': '{"error":$context.error.messageString,"type":"$context.error.responseType"}' } },
      UNAUTHORIZED: { responseTemplates: { 'application/json': '{"own":true}' } },
    }));
    const missing = respond(input('MISSING_AUTHENTICATION_TOKEN'));
    assert.equal(missing.statusCode, 400);
    assert.equal(header(missing, 'Access-Control-Allow-Origin'), '*');
    assert.equal(missing.body, '{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}');
    assert.equal(header(missing, 'x-amzn-ErrorType'), 'MissingAuthenticationTokenException');
    const own = respond(input('UNAUTHORIZED'));
    assert.equal(own.statusCode, 401);
    assert.equal(own.body, '{"own":true}');
    assert.equal(header(own, 'Access-Control-Allow-Origin'), undefined);
    const fivexx = respond(input('INTEGRATION_TIMEOUT'));
    assert.equal(fivexx.statusCode, 504);
    assert.equal(header(fivexx, 'Access-Control-Allow-Origin'), undefined);
  });

  test('DEFAULT_5XX with headers only keeps the default body and status', () => {
    const respond = compileGatewayResponses(apiWith({ DEFAULT_5XX: { responseParameters: { 'gatewayresponse.header.x-a': "'b'" } } }));
    const r = respond(input('API_CONFIGURATION_ERROR'));
    assert.equal(r.statusCode, 500);
    assert.equal(r.body, '{"message": "Internal server error"}');
    assert.equal(header(r, 'x-a'), 'b');
  });

  test('statusCode overrides the type status', () => {
    const respond = compileGatewayResponses(apiWith({ THROTTLED: { statusCode: '503' } }));
    assert.equal(respond(input('THROTTLED')).statusCode, 503);
  });

  test('headers from method.request.header.x (last, exact name), querystring, path, context and static values', () => {
    const respond = compileGatewayResponses(apiWith({
      UNAUTHORIZED: {
        responseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.origin',
          'gatewayresponse.header.x-static': "'static'",
          'gatewayresponse.header.x-q': 'method.request.querystring.q',
          'gatewayresponse.header.x-id': 'method.request.path.id',
          'gatewayresponse.header.x-ip': 'context.identity.sourceIp',
          'gatewayresponse.header.x-env': 'stageVariables.env',
          'gatewayresponse.header.x-missing': 'method.request.header.Origin',
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
        },
      },
    }));
    const r = respond(input('UNAUTHORIZED', { headers: [['origin', 'https://a.example'], ['origin', 'https://b.example']] }));
    assert.equal(header(r, 'Access-Control-Allow-Origin'), 'https://b.example');
    assert.equal(header(r, 'x-static'), 'static');
    assert.equal(header(r, 'x-q'), '2');
    assert.equal(header(r, 'x-id'), '7');
    assert.equal(header(r, 'x-ip'), '10.0.0.1');
    assert.equal(header(r, 'x-env'), 'test');
    assert.equal(header(r, 'x-missing'), undefined);
    assert.equal(r.headers.filter(([n]) => n.toLowerCase() === 'content-type').length, 1);
    assert.equal(header(r, 'content-type'), 'application/problem+json');
  });

  test('templates substitute $context.error.*, $context.* and $stageVariables.* (not VTL); unknown ones render empty', () => {
    const respond = compileGatewayResponses(apiWith({
      BAD_REQUEST_BODY: { responseTemplates: { 'application/json': '{"t":"$context.error.responseType","m":$context.error.messageString,"v":"$context.error.validationErrorString","r":"$context.requestId","s":"$stageVariables.env","u":"$context.nope.x","#if":"#if(1)"}' } },
    }));
    const r = respond(input('BAD_REQUEST_BODY', { error: { validationErrorString: "[object has missing required properties ([\"name\"])]" } }));
    assert.equal(r.body, '{"t":"BAD_REQUEST_BODY","m":"Invalid request body","v":"[object has missing required properties (["name"])]","r":"req-1","s":"test","u":"","#if":"#if(1)"}');
  });

  test('the template is chosen by Accept (first type only), then application/json, then the first', () => {
    const respond = compileGatewayResponses(apiWith({
      RESOURCE_NOT_FOUND: { responseTemplates: { 'text/html': '<p>$context.error.message</p>', 'application/json': '{"j":1}' } },
      QUOTA_EXCEEDED: { responseTemplates: { 'text/plain': 'slow down', 'application/xml': '<x/>' } },
    }));
    const html = respond(input('RESOURCE_NOT_FOUND', { accept: 'text/html;q=0.9, application/json' }));
    assert.equal(html.body, '<p>Not Found</p>');
    assert.equal(header(html, 'content-type'), 'text/html');
    assert.equal(respond(input('RESOURCE_NOT_FOUND', { accept: 'application/xml, text/html' })).body, '{"j":1}');
    assert.equal(respond(input('RESOURCE_NOT_FOUND')).body, '{"j":1}');
    const first = respond(input('QUOTA_EXCEEDED', { accept: '*/*' }));
    assert.equal(first.body, 'slow down');
    assert.equal(header(first, 'content-type'), 'text/plain');
    assert.equal(respond(input('QUOTA_EXCEEDED', { accept: 'application/xml' })).body, '<x/>');
  });

  test('REQUEST_TOO_LARGE cannot be customised, not even through DEFAULT_4XX', () => {
    const respond = compileGatewayResponses(apiWith({ REQUEST_TOO_LARGE: { statusCode: '400', responseTemplates: { 'application/json': '{}' } }, DEFAULT_4XX: { statusCode: '418' } }));
    const r = respond(input('REQUEST_TOO_LARGE'));
    assert.equal(r.statusCode, 413);
    assert.equal(r.body, '{"message":"Request Too Long"}');
  });

  test('a bad setting fails at load, naming the type', () => {
    assert.throws(() => compileGatewayResponses(apiWith({ THROTTLED: { statusCode: '42' } })), /gateway response THROTTLED: statusCode "42"/);
    assert.throws(() => compileGatewayResponses(apiWith({ UNAUTHORIZED: { responseParameters: { 'method.response.header.x': "'a'" } } })), /gateway response UNAUTHORIZED: .*gatewayresponse\.header\.NAME/);
    assert.throws(() => compileGatewayResponses(apiWith({ UNAUTHORIZED: { responseParameters: { 'gatewayresponse.header.x': 'integration.response.header.y' } } })), /UNAUTHORIZED: .*is not 'static'/);
    const mismatched = { apiId: 'a', gatewayResponses: { THROTTLED: { responseType: 'UNAUTHORIZED', responseParameters: {}, responseTemplates: {} } } } as unknown as RestApi;
    assert.throws(() => compileGatewayResponses(mismatched), /THROTTLED: responseType "UNAUTHORIZED" does not match/);
  });

  test('the request context is built only when a setting reads it', () => {
    let built = 0;
    const respond = compileGatewayResponses(apiWith());
    respond({ ...input('THROTTLED'), context: () => { built++; return {}; } });
    assert.equal(built, 0);
  });
});
