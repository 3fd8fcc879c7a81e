/**
 * An OpenAPI 3 export of an HTTP API, written the way AWS's ExportApi writes it
 * (spec §13.4, without authorizers), loads into the expected model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { HttpApi, Integration } from '../../src/model/index.ts';
import { ARN, load, y, httpApi } from './helpers.ts';

const EXPORT = y`
  openapi: "3.0.1"
  info:
    title: "http-example"
    description: "Pets, exported from API Gateway"
    version: "2024-05-01 10:00:00UTC"
  servers:
  - url: "https://k3j9x0c2aa.execute-api.us-east-1.amazonaws.com/{basePath}"
    variables:
      basePath:
        default: ""
    x-amazon-apigateway-endpoint-configuration:
      disableExecuteApiEndpoint: false
  tags:
  - name: "team"
    x-amazon-apigateway-tag-value: "pets"
  paths:
    /pets/{id}:
      get:
        operationId: getPet
        responses:
          "200":
            description: "A pet"
            content:
              application/json:
                schema: { $ref: "#/components/schemas/Pet" }
          default:
            description: "Default response for GET /pets/{id}"
        x-amazon-apigateway-integration:
          payloadFormatVersion: "2.0"
          type: "aws_proxy"
          httpMethod: "POST"
          uri: "${ARN('getPet')}"
          connectionType: "INTERNET"
          timeoutInMillis: 30000
      parameters:
      - name: "id"
        in: "path"
        description: "Generated path parameter for id"
        required: true
        schema:
          type: "string"
    /pets:
      get:
        parameters:
        - { name: limit, in: query, required: false, schema: { type: integer } }
        responses:
          default: { description: "Default response for GET /pets" }
        x-amazon-apigateway-integration:
          payloadFormatVersion: "1.0"
          type: "aws_proxy"
          httpMethod: "POST"
          uri: "arn:aws:lambda:us-east-1:123456789012:function:listPets"
          connectionType: "INTERNET"
          timeoutInMillis: 6000
      post:
        requestBody:
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        responses:
          default: { description: "Default response for POST /pets" }
        x-amazon-apigateway-integration:
          $ref: "#/components/x-amazon-apigateway-integrations/createPet"
    /items:
      post:
        responses:
          default: { description: "Default response for POST /items" }
        x-amazon-apigateway-integration:
          type: "http_proxy"
          httpMethod: "ANY"
          uri: "https://backend.example.com/items"
          payloadFormatVersion: "1.0"
          connectionType: "INTERNET"
          timeoutInMillis: 5000
          requestParameters:
            "append:header.x-request-id": "$context.requestId"
            "overwrite:path": "/v2/items"
          responseParameters:
            "500":
              "overwrite:statuscode": "503"
            "404":
              "append:header.x-missing": "yes"
    /$default:
      x-amazon-apigateway-any-method:
        isDefaultRoute: true
        responses:
          default: { description: "Default response for ANY /$default" }
        x-amazon-apigateway-integration:
          $ref: "#/components/x-amazon-apigateway-integrations/fallback"
  components:
    schemas:
      Pet:
        type: object
        required: [name]
        properties:
          id: { type: string }
          name: { type: string }
    x-amazon-apigateway-integrations:
      createPet:
        payloadFormatVersion: "2.0"
        type: "aws_proxy"
        httpMethod: "POST"
        uri: "${ARN('createPet')}"
        connectionType: "INTERNET"
      fallback:
        type: "http_proxy"
        httpMethod: "ANY"
        uri: "https://example.com/"
        payloadFormatVersion: "1.0"
        connectionType: "INTERNET"
  x-amazon-apigateway-cors:
    allowOrigins: [ "https://www.example.com" ]
    allowMethods: [ GET, POST, OPTIONS ]
    allowHeaders: [ authorization, content-type ]
    exposeHeaders: [ x-request-id ]
    allowCredentials: true
    maxAge: 3600
  x-amazon-apigateway-importexport-version: "1.0"
`;

const projectFile = (openapi: string): string => y`
  functions:
    getPet: { handler: h.handler }
    listPets: { handler: h.handler }
    createPet: { handler: h.handler }
  apis:
    - name: pets
      type: HTTP
      openapi: ${openapi}
`;

/** The fields of an integration a test compares (the rest is checked separately). */
function summary(i: Integration | undefined): Record<string, unknown> {
  assert.ok(i);
  switch (i.integrationType) {
    case 'AWS_PROXY':
      return { type: i.integrationType, functionName: i.functionName, payloadFormatVersion: i.payloadFormatVersion, timeoutInMillis: i.timeoutInMillis };
    case 'HTTP_PROXY':
      return { type: i.integrationType, uri: i.integrationUri, method: i.integrationMethod, payloadFormatVersion: i.payloadFormatVersion, timeoutInMillis: i.timeoutInMillis };
    default:
      return { type: i.integrationType };
  }
}

function checkApi(api: HttpApi | undefined, file: string): void {
  assert.ok(api);
  assert.equal(api.name, 'pets');
  assert.equal(api.protocolType, 'HTTP');
  assert.match(api.apiId, /^[a-z0-9]{10}$/);
  assert.deepEqual(
    api.routes.map((r) => [r.routeKey, summary(r.integration)]),
    [
      ['GET /pets/{id}', { type: 'AWS_PROXY', functionName: 'getPet', payloadFormatVersion: '2.0', timeoutInMillis: 30000 }],
      ['GET /pets', { type: 'AWS_PROXY', functionName: 'listPets', payloadFormatVersion: '1.0', timeoutInMillis: 6000 }],
      ['POST /pets', { type: 'AWS_PROXY', functionName: 'createPet', payloadFormatVersion: '2.0', timeoutInMillis: 30000 }],
      ['POST /items', { type: 'HTTP_PROXY', uri: 'https://backend.example.com/items', method: 'ANY', payloadFormatVersion: '1.0', timeoutInMillis: 5000 }],
      ['$default', { type: 'HTTP_PROXY', uri: 'https://example.com/', method: 'ANY', payloadFormatVersion: '1.0', timeoutInMillis: 30000 }],
    ],
  );
  for (const r of api.routes) {
    assert.equal(r.routeId, r.routeKey);
    assert.equal(r.authorizationType, 'NONE');
    assert.ok(r.source.startsWith(`${file}:`), r.source);
  }
  const items = api.routes.find((r) => r.routeKey === 'POST /items')?.integration;
  assert.deepEqual(items?.requestParameters, { 'append:header.x-request-id': '$context.requestId', 'overwrite:path': '/v2/items' });
  assert.deepEqual(items?.responseParameters, { '500': { 'overwrite:statuscode': '503' }, '404': { 'append:header.x-missing': 'yes' } });
  assert.deepEqual(api.corsConfiguration, {
    allowOrigins: ['https://www.example.com'],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type'],
    exposeHeaders: ['x-request-id'],
    allowCredentials: true,
    maxAge: 3600,
  });
  // No stage given: one `$default` stage, as an HTTP API created by import with auto-deploy.
  assert.deepEqual(api.stages, [{ stageName: '$default', stageVariables: {}, defaultRouteSettings: {}, routeSettings: {} }]);
  assert.equal(api.port, undefined);
}

test('an AWS export of an HTTP API (YAML) loads into the expected model, without warnings', (t) => {
  const { project, dir } = load(t, { 'portico.yaml': projectFile('pets.openapi.yaml'), 'pets.openapi.yaml': EXPORT });
  assert.deepEqual(project.warnings, []);
  assert.equal(project.apis.length, 1);
  checkApi(httpApi(project), join(dir, 'pets.openapi.yaml'));
  // Route sources point at the operation's line.
  assert.equal(httpApi(project).routes[0]?.source, `${join(dir, 'pets.openapi.yaml')}:18`);
  assert.equal(httpApi(project).routes.at(-1)?.source, `${join(dir, 'pets.openapi.yaml')}:84`);
});

test('the same export as JSON loads into the same model', (t) => {
  const json = JSON.stringify(parse(EXPORT), null, 2);
  const { project, dir } = load(t, { 'portico.yaml': projectFile('pets.openapi.json'), 'pets.openapi.json': json });
  assert.deepEqual(project.warnings, []);
  checkApi(httpApi(project), join(dir, 'pets.openapi.json'));
});

test('the apiId is derived from the name: stable across loads and directories, different per name', (t) => {
  const files = { 'portico.yaml': projectFile('api.yaml'), 'api.yaml': EXPORT };
  const first = load(t, files).project.apis[0]?.apiId;
  const second = load(t, files).project.apis[0]?.apiId;
  assert.ok(first);
  assert.match(first, /^[a-z0-9]{10}$/);
  assert.equal(second, first);
  const renamed = load(t, { ...files, 'portico.yaml': projectFile('api.yaml').replace('name: pets', 'name: pets2') }).project.apis[0]?.apiId;
  assert.match(renamed ?? '', /^[a-z0-9]{10}$/);
  assert.notEqual(renamed, first);
  const explicit = load(t, { ...files, 'portico.yaml': projectFile('api.yaml') + '    apiId: abc123\n' }).project.apis[0]?.apiId;
  assert.equal(explicit, 'abc123');
});
