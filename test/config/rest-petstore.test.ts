/**
 * AWS's PetStore example API (the one the console creates) loads unchanged, both as the
 * OpenAPI 3 export and as the Swagger 2.0 text the console imports; so does the compact REST
 * example of spec §13.3.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-create-api-from-example.html
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RestApi } from '../../src/model/index.ts';
import { deriveResourceId } from '../../src/config/rest/resource-tree.ts';
import { load, methodAt, resourceAt, restApi, y } from './helpers.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/openapi-rest/${name}`, import.meta.url), 'utf8');
const PETS = 'http://petstore-demo-endpoint.execute-api.com/petstore/pets';

function loadPetStore(t: TestContext, file: string): { api: RestApi; warnings: readonly string[] } {
  const { project } = load(t, {
    'portico.yaml': y`
      apis:
        - name: PetStore
          type: REST
          openapi: ${file}
    `,
    [file]: fixture(file),
  });
  return { api: restApi(project), warnings: project.warnings };
}

function assertPetStore(api: RestApi, ref: string): void {
  assert.equal(api.name, 'PetStore');
  assert.equal(api.description, 'Your first API with Amazon API Gateway. This is a sample API that integrates via HTTP with our demo Pet Store endpoints');
  // The resource tree: root first, parents before children, ids stable and derived from the path.
  assert.deepEqual(api.resources.map((r) => [r.path, r.pathPart, Object.keys(r.resourceMethods).sort()]), [
    ['/', undefined, ['GET']],
    ['/pets', 'pets', ['GET', 'OPTIONS', 'POST']],
    ['/pets/{petId}', '{petId}', ['GET', 'OPTIONS']],
  ]);
  const [root, pets, pet] = api.resources;
  assert.equal(root?.id, deriveResourceId(api.apiId, '/'));
  assert.equal(pets?.parentId, root?.id);
  assert.equal(pet?.parentId, pets?.id);
  assert.match(pet?.id ?? '', /^[a-z0-9]{6,10}$/);

  // The root answers HTML from a MOCK integration.
  const home = methodAt(api, '/', 'GET');
  assert.equal(home.methodIntegration.type, 'MOCK');
  assert.deepEqual(home.methodIntegration.requestTemplates, { 'application/json': '{"statusCode": 200}' });
  assert.equal(home.methodResponses['200']?.responseParameters['method.response.header.Content-Type'], false);
  const homeResponse = home.methodIntegration.integrationResponses[0];
  assert.equal(homeResponse?.statusCode, '200');
  assert.equal(homeResponse?.selectionPattern, undefined);
  assert.deepEqual(homeResponse?.responseParameters, { 'method.response.header.Content-Type': "'text/html'" });
  assert.match(homeResponse?.responseTemplates['text/html'] ?? '', /^<html>[\s\S]*Welcome to your Pet Store API[\s\S]*\$context\.stage\/pets\/1[\s\S]*<\/html>$/);

  const list = methodAt(api, '/pets', 'GET');
  assert.equal(list.authorizationType, 'NONE');
  assert.equal(list.apiKeyRequired, false);
  assert.deepEqual(list.requestParameters, { 'method.request.querystring.type': false, 'method.request.querystring.page': false });
  assert.deepEqual(list.methodResponses['200']?.responseModels, { 'application/json': 'Pets' });
  const li = list.methodIntegration;
  assert.deepEqual([li.type, li.httpMethod, li.uri, li.passthroughBehavior, li.timeoutInMillis], ['HTTP', 'GET', PETS, 'WHEN_NO_MATCH', 29000]);
  assert.deepEqual(li.requestParameters, { 'integration.request.querystring.page': 'method.request.querystring.page', 'integration.request.querystring.type': 'method.request.querystring.type' });
  assert.deepEqual(li.integrationResponses, [{ statusCode: '200', responseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" }, responseTemplates: {} }]);

  const create = methodAt(api, '/pets', 'POST');
  assert.equal(create.operationName, 'CreatePet');
  assert.deepEqual(create.requestModels, { 'application/json': 'NewPet' });
  assert.deepEqual(create.methodResponses['200']?.responseModels, { 'application/json': 'NewPetResponse' });
  assert.deepEqual([create.methodIntegration.type, create.methodIntegration.httpMethod, create.methodIntegration.uri], ['HTTP', 'POST', PETS]);

  const get = methodAt(api, '/pets/{petId}', 'GET');
  assert.equal(get.operationName, 'GetPet');
  assert.deepEqual(get.requestParameters, { 'method.request.path.petId': true });
  assert.equal(get.methodIntegration.uri, `${PETS}/{petId}`);
  assert.deepEqual(get.methodIntegration.requestParameters, { 'integration.request.path.petId': 'method.request.path.petId' });

  // CORS preflights are MOCK integrations answering the headers from integration responses.
  const preflight = methodAt(api, '/pets/{petId}', 'OPTIONS');
  assert.equal(preflight.methodIntegration.type, 'MOCK');
  assert.equal(preflight.methodIntegration.integrationResponses[0]?.responseParameters['method.response.header.Access-Control-Allow-Methods'], "'GET,OPTIONS'");
  assert.deepEqual(Object.keys(preflight.methodResponses['200']?.responseParameters ?? {}).sort(), [
    'method.response.header.Access-Control-Allow-Headers',
    'method.response.header.Access-Control-Allow-Methods',
    'method.response.header.Access-Control-Allow-Origin',
  ]);
  assert.equal(resourceAt(api, '/pets').resourceMethods['OPTIONS']?.methodIntegration.integrationResponses[0]?.responseParameters['method.response.header.Access-Control-Allow-Methods'], "'POST,GET,OPTIONS'");

  // Models, with every $ref in AWS's canonical form.
  assert.deepEqual(Object.keys(api.models).sort(), ['Empty', 'NewPet', 'NewPetResponse', 'Pet', 'PetType', 'Pets']);
  const model = `https://apigateway.amazonaws.com/restapis/${api.apiId}/models/`;
  assert.deepEqual(api.models['Pets'], { name: 'Pets', contentType: 'application/json', schema: { type: 'array', items: { $ref: `${model}Pet` } } });
  assert.deepEqual(api.models['NewPet']?.schema['properties'], { type: { $ref: `${model}PetType` }, price: { type: 'number' } });
  assert.deepEqual(api.models['PetType']?.schema['enum'], ['dog', 'cat', 'fish', 'bird', 'gecko']);
  assert.ok(ref);

  assert.deepEqual(api.stages, [{ stageName: 'dev', variables: {}, methodSettings: {} }]);
  assert.deepEqual([api.apiKeySource, api.binaryMediaTypes, api.disableExecuteApiEndpoint], ['HEADER', [], false]);
  assert.deepEqual([api.requestValidators, api.gatewayResponses, api.authorizers], [{}, {}, {}]);
}

test('the PetStore example, as AWS exports it in OpenAPI 3, loads with its resources, methods, integrations and models', (t) => {
  const { api, warnings } = loadPetStore(t, 'petstore-oas30.json');
  assertPetStore(api, '#/components/schemas/');
  assert.deepEqual(warnings, []);
  assert.equal(methodAt(api, '/pets', 'GET').source.endsWith('petstore-oas30.json:20'), true);
});

test('the PetStore example, as the Swagger 2.0 text the console imports, loads the same API (documentation is warned about)', (t) => {
  const { api, warnings } = loadPetStore(t, 'petstore-swagger20.json');
  assertPetStore(api, '#/definitions/');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /petstore-swagger20\.json:\d+: \$\['x-amazon-apigateway-documentation'\]: .*ignored/);
  // Swagger's `produces` names the media type of a response model.
  assert.deepEqual(methodAt(api, '/', 'GET').methodResponses['200']?.responseModels, {});
});

test('the compact REST example of the spec (§13.3) loads: validators, gateway responses, API key, authorizers, IAM', (t) => {
  const { project } = load(t, {
    'portico.yaml': y`
      functions:
        CreatePet: { handler: h.handler }
        Proxy: { handler: h.handler }
        Auth: { handler: h.handler }
      apis:
        - { name: compact, type: REST, openapi: api.yaml, stage: prod }
    `,
    'api.yaml': fixture('compact-oas30.yaml'),
  });
  const api = restApi(project);
  assert.deepEqual(project.warnings, []);
  assert.deepEqual(api.resources.map((r) => r.path), ['/', '/pets', '/{proxy+}']);
  assert.deepEqual(api.binaryMediaTypes, ['image/png']);
  assert.deepEqual(Object.keys(api.requestValidators), ['all', 'params']);
  assert.deepEqual(api.requestValidators['params'], { id: 'params', name: 'params', validateRequestBody: false, validateRequestParameters: true });
  assert.deepEqual(api.gatewayResponses.MISSING_AUTHENTICATION_TOKEN, {
    responseType: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: '404',
    responseParameters: {},
    responseTemplates: { 'application/json': '{"message":"Not Found","type":"$context.error.responseType"}' },
  });
  assert.deepEqual(api.gatewayResponses.DEFAULT_4XX?.responseParameters, { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" });

  const list = methodAt(api, '/pets', 'GET');
  assert.deepEqual([list.apiKeyRequired, list.authorizationType, list.requestValidatorId], [true, 'NONE', 'params']);
  assert.deepEqual(list.methodIntegration.cacheKeyParameters, ['method.request.querystring.type']);
  assert.equal(list.methodIntegration.passthroughBehavior, 'WHEN_NO_TEMPLATES');
  assert.equal(list.methodIntegration.connectionType, 'INTERNET');

  const create = methodAt(api, '/pets', 'POST');
  assert.deepEqual([create.authorizationType, create.authorizerId, create.requestValidatorId], ['CUSTOM', 'token-auth', 'all']);
  assert.deepEqual([create.methodIntegration.type, create.methodIntegration.functionName, create.methodIntegration.passthroughBehavior], ['AWS', 'CreatePet', 'NEVER']);
  assert.deepEqual(create.methodIntegration.integrationResponses.map((r) => [r.selectionPattern, r.statusCode]), [[undefined, '200'], ['.*ValidationError.*', '400']]);
  assert.deepEqual(create.requestModels, { 'application/json': 'Pet' });

  const proxy = methodAt(api, '/{proxy+}', 'ANY');
  assert.deepEqual([proxy.authorizationType, proxy.methodIntegration.type, proxy.methodIntegration.functionName], ['AWS_IAM', 'AWS_PROXY', 'Proxy']);
  assert.deepEqual(proxy.requestParameters, { 'method.request.path.proxy': true });

  assert.deepEqual(api.authorizers['token-auth'], {
    id: 'token-auth',
    name: 'token-auth',
    type: 'TOKEN',
    authorizerResultTtlInSeconds: 300,
    identitySource: 'method.request.header.Authorization',
    identityValidationExpression: '^Bearer .+',
    authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations',
    functionName: 'Auth',
    source: api.authorizers['token-auth']?.source,
  });
  assert.deepEqual(api.authorizers['cognito']?.providerARNs, ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC']);
  assert.deepEqual(api.stages.map((s) => s.stageName), ['prod']);
});
