/**
 * Two larger exports written the way API Gateway exports REST APIs load into the model:
 * an OpenAPI 3 export (Lambda proxy and non-proxy, selection patterns, MOCK CORS, validators,
 * gateway responses, binary types, API key, Cognito and Lambda authorizers, IAM) and a Swagger
 * 2.0 export (`{proxy+}`, ANY, HTTP_PROXY with parameter mapping, stage variables in URIs,
 * models with nested `$ref`s).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Project } from '../../src/model/index.ts';
import { load, methodAt, restApi, y } from './helpers.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/openapi-rest/${name}`, import.meta.url), 'utf8');

function loadOrders(t: TestContext, extra = ''): Project {
  return load(t, {
    'portico.yaml': y`
      functions:
        listOrders: { handler: h.handler }
        createOrder: { handler: h.handler }
        getOrder: { handler: h.handler }
        orderAuthorizer: { handler: h.handler }
        renderReceipt: { handler: h.handler }
      apis:
        - name: orders
          type: REST
          openapi: orders.yaml
          ${extra}
    `,
    'orders.yaml': fixture('orders-oas30.yaml'),
  }).project;
}

test('an OpenAPI 3 export with Lambda proxy and non-proxy methods, MOCK CORS, validators, gateway responses and authorizers loads', (t) => {
  const project = loadOrders(t);
  assert.deepEqual(project.warnings, []);
  const api = restApi(project);
  assert.deepEqual(api.resources.map((r) => r.path), ['/', '/orders', '/orders/{orderId}', '/orders/{orderId}/receipt', '/health']);
  assert.deepEqual([api.binaryMediaTypes, api.apiKeySource, api.minimumCompressionSize, api.disableExecuteApiEndpoint], [['image/png', 'application/octet-stream'], 'HEADER', 1024, true]);
  assert.equal((api.policy?.['Statement'] as { Resource: string }[])[0]?.Resource, 'execute-api:/*');

  const list = methodAt(api, '/orders', 'GET');
  assert.deepEqual([list.apiKeyRequired, list.authorizationType, list.requestValidatorId], [true, 'NONE', 'params-only']);
  assert.deepEqual([list.methodIntegration.type, list.methodIntegration.functionName, list.methodIntegration.timeoutInMillis], ['AWS_PROXY', 'listOrders', 10000]);

  const create = methodAt(api, '/orders', 'POST');
  assert.deepEqual([create.authorizationType, create.authorizerId, create.authorizationScopes], ['COGNITO_USER_POOLS', 'orders-pool', ['orders/write']]);
  assert.equal(create.requestValidatorId, 'all');
  assert.deepEqual(create.requestModels, { 'application/json': 'Order' });
  assert.deepEqual(Object.keys(create.methodResponses), ['201', '400', '500']);
  assert.deepEqual(create.methodResponses['201']?.responseParameters, { 'method.response.header.Location': false });
  const ci = create.methodIntegration;
  assert.deepEqual([ci.type, ci.functionName, ci.passthroughBehavior], ['AWS', 'createOrder', 'NEVER']);
  assert.match(ci.requestTemplates['application/json'] ?? '', /"customer": "\$context\.authorizer\.claims\.sub"/);
  // Integration responses keep the order they are written in.
  assert.deepEqual(ci.integrationResponses.map((r) => [r.selectionPattern, r.statusCode]), [
    [undefined, '201'],
    ['.*"type":"ValidationError".*', '400'],
    ['^(Internal|Timeout).*', '500'],
  ]);
  assert.deepEqual(ci.integrationResponses[0]?.responseParameters, { 'method.response.header.Location': 'integration.response.body.location' });

  const preflight = methodAt(api, '/orders', 'OPTIONS');
  assert.equal(preflight.methodIntegration.type, 'MOCK');
  assert.equal(preflight.methodIntegration.integrationResponses[0]?.responseParameters['method.response.header.Access-Control-Allow-Origin'], "'https://shop.example.com'");

  const get = methodAt(api, '/orders/{orderId}', 'GET');
  assert.deepEqual([get.authorizationType, get.authorizerId], ['CUSTOM', 'order-authorizer']);
  // Path-level parameters apply to every operation of the path.
  assert.deepEqual(get.requestParameters, { 'method.request.path.orderId': true, 'method.request.header.X-Tenant': true });
  assert.equal(get.methodIntegration.contentHandling, 'CONVERT_TO_TEXT');

  const cancel = methodAt(api, '/orders/{orderId}', 'DELETE');
  assert.deepEqual([cancel.authorizationType, cancel.requestValidatorId], ['AWS_IAM', 'params-only']);
  assert.deepEqual(cancel.methodIntegration.requestParameters, {
    'integration.request.path.id': 'method.request.path.orderId',
    'integration.request.header.X-Cancel-Reason': 'method.request.header.X-Reason',
    'integration.request.header.X-Request-Id': 'context.requestId',
    'integration.request.header.X-Caller': 'context.identity.caller',
    'integration.request.querystring.env': 'stageVariables.environment',
    'integration.request.header.X-Source': "'api-gateway'",
  });
  assert.deepEqual(cancel.methodIntegration.integrationResponses.map((r) => [r.selectionPattern, r.statusCode]), [['4\\d{2}', '404'], [undefined, '204']]);
  assert.equal(cancel.methodIntegration.timeoutInMillis, 5000);

  const receipt = methodAt(api, '/orders/{orderId}/receipt', 'GET');
  // A path-level parameter given as a $ref to components.parameters.
  assert.deepEqual(receipt.requestParameters, { 'method.request.path.orderId': true });
  assert.deepEqual([receipt.methodIntegration.cacheNamespace, receipt.methodIntegration.cacheKeyParameters], ['receipt', ['method.request.path.orderId']]);
  assert.equal(receipt.methodIntegration.integrationResponses[0]?.contentHandling, 'CONVERT_TO_BINARY');
  assert.equal(receipt.methodIntegration.passthroughBehavior, 'WHEN_NO_TEMPLATES');

  assert.equal(methodAt(api, '/health', 'GET').methodIntegration.type, 'MOCK');

  // Nested models point at each other in AWS's canonical form.
  const model = `https://apigateway.amazonaws.com/restapis/${api.apiId}/models/`;
  assert.deepEqual(api.models['Order']?.schema['properties'], {
    id: { type: 'string' },
    items: { type: 'array', items: { $ref: `${model}LineItem` } },
    total: { $ref: `${model}Money` },
  });
  assert.deepEqual((api.models['LineItem']?.schema['properties'] as Record<string, unknown>)['price'], { $ref: `${model}Money` });

  assert.deepEqual(api.authorizers['order-authorizer'], {
    id: 'order-authorizer',
    name: 'order-authorizer',
    type: 'REQUEST',
    authorizerResultTtlInSeconds: 0,
    identitySource: 'method.request.header.Authorization, method.request.header.X-Tenant',
    authorizerUri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orderAuthorizer/invocations',
    functionName: 'orderAuthorizer',
    source: api.authorizers['order-authorizer']?.source,
  });
  assert.deepEqual([api.authorizers['orders-pool']?.type, api.authorizers['orders-pool']?.providerARNs], ['COGNITO_USER_POOLS', ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Orders1']]);

  assert.deepEqual(Object.keys(api.gatewayResponses).sort(), ['BAD_REQUEST_BODY', 'DEFAULT_4XX', 'UNAUTHORIZED']);
  assert.equal(api.gatewayResponses.BAD_REQUEST_BODY?.statusCode, '422');
  assert.deepEqual(api.gatewayResponses.UNAUTHORIZED?.responseParameters, {
    'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="orders"'`,
    'gatewayresponse.header.X-Request-Tenant': 'method.request.header.X-Tenant',
  });
});

test('an OpenAPI 3 export with basepath prepend puts every resource under the basePath server variable', (t) => {
  const api = restApi(loadOrders(t, 'import: { basepath: prepend }'));
  assert.deepEqual(api.resources.map((r) => r.path), ['/', '/v1', '/v1/orders', '/v1/orders/{orderId}', '/v1/orders/{orderId}/receipt', '/v1/health']);
  assert.equal(methodAt(api, '/v1/orders/{orderId}', 'DELETE').methodIntegration.type, 'HTTP');
});

test('a Swagger 2.0 export with {proxy+}, ANY, HTTP_PROXY mappings, stage variables in URIs and nested models loads; throttling becomes methodSettings', (t) => {
  const { project } = load(t, {
    'portico.yaml': y`
      functions:
        catalog: { handler: h.handler }
        catalogWriter: { handler: h.handler }
      apis:
        - name: catalog
          type: REST
          openapi: catalog.json
          stages:
            - name: prod
              variables: { backend: "http://127.0.0.1:9000", catalogFn: catalog }
              throttling:
                rateLimit: 100
                burstLimit: 200
                routes:
                  "ANY /{proxy+}": { rateLimit: 5 }
                  "GET /products/{sku}": { rateLimit: 50, burstLimit: 20 }
            - name: beta
              variables: { backend: "http://127.0.0.1:9001", catalogFn: catalog }
    `,
    'catalog.json': fixture('catalog-swagger20.json'),
  });
  assert.deepEqual(project.warnings, []);
  const api = restApi(project);
  assert.equal(api.description, 'Product catalog behind a legacy backend, exported from API Gateway (Swagger + API Gateway extensions)');
  assert.deepEqual(api.resources.map((r) => r.path), ['/', '/products', '/products/{sku}', '/{proxy+}']);
  assert.deepEqual(api.binaryMediaTypes, ['*/*']);

  const proxy = methodAt(api, '/{proxy+}', 'ANY');
  const pi = proxy.methodIntegration;
  assert.deepEqual([pi.type, pi.httpMethod, pi.uri], ['HTTP_PROXY', 'ANY', '${stageVariables.backend}/{proxy}']);
  assert.deepEqual(pi.requestParameters, { 'integration.request.path.proxy': 'method.request.path.proxy', 'integration.request.header.X-Forwarded-Api': 'context.apiId' });
  assert.deepEqual(pi.cacheKeyParameters, ['method.request.path.proxy']);

  const list = methodAt(api, '/products', 'GET');
  assert.deepEqual([list.apiKeyRequired, list.methodIntegration.type, list.methodIntegration.functionName], [true, 'AWS_PROXY', '${stageVariables.catalogFn}']);
  assert.deepEqual(list.methodResponses['200']?.responseModels, { 'application/json': 'ProductList' });

  const create = methodAt(api, '/products', 'POST');
  assert.deepEqual([create.authorizationType, create.requestValidatorId, create.methodIntegration.functionName], ['AWS_IAM', 'body', 'catalogWriter']);
  assert.deepEqual(create.requestModels, { 'application/json': 'Product' });
  // "422" is written after "default": document order, not JavaScript's integer-keys-first order.
  assert.deepEqual(create.methodIntegration.integrationResponses.map((r) => [r.selectionPattern, r.statusCode]), [[undefined, '200'], ['422', '422'], ['.*Invalid.*', '422']]);

  const get = methodAt(api, '/products/{sku}', 'GET');
  assert.deepEqual(get.requestParameters, { 'method.request.path.sku': true, 'method.request.header.Accept-Language': false });
  assert.equal(get.methodIntegration.requestParameters['integration.request.header.Accept-Language'], 'method.request.multivalueheader.Accept-Language');
  assert.deepEqual(get.methodIntegration.integrationResponses.map((r) => [r.selectionPattern, r.statusCode]), [[undefined, '200'], ['404', '404']]);
  assert.deepEqual(get.methodResponses['200']?.responseParameters, { 'method.response.header.Cache-Control': false });

  // A model $ref in any of the three forms becomes AWS's canonical form for this API.
  const model = `https://apigateway.amazonaws.com/restapis/${api.apiId}/models/`;
  assert.deepEqual(api.models['Product']?.schema['properties'], {
    sku: { type: 'string' },
    name: { type: 'string' },
    category: { $ref: `${model}Category` },
    price: { $ref: `${model}Price` },
    related: { type: 'array', items: { $ref: `${model}Product` } },
  });

  assert.deepEqual(api.stages, [
    {
      stageName: 'prod',
      variables: { backend: 'http://127.0.0.1:9000', catalogFn: 'catalog' },
      methodSettings: {
        '*/*': { throttlingRateLimit: 100, throttlingBurstLimit: 200 },
        '/{proxy+}/ANY': { throttlingRateLimit: 5 },
        '/products/{sku}/GET': { throttlingRateLimit: 50, throttlingBurstLimit: 20 },
      },
    },
    { stageName: 'beta', variables: { backend: 'http://127.0.0.1:9001', catalogFn: 'catalog' }, methodSettings: {} },
  ]);
});
