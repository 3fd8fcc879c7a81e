/**
 * REST import errors: each reported at `file:line`, with its JSON path and AWS's reason,
 * and the import options (basepath, failOnWarnings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOneError, load, loadErrors, assertError, restApi, y, ARN } from './helpers.ts';

const PROJECT = y`
  functions:
    pets: { handler: h.handler }
  apis:
    - { name: pets, type: REST, openapi: api.yaml }
`;
const MOCK = '{ type: mock, requestTemplates: { application/json: "{\\"statusCode\\": 200}" } }';

test('a path part outside a-zA-Z0-9._- and {name} is refused with CreateResource\'s message', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        get: { x-amazon-apigateway-integration: ${MOCK} }
      /pets/$meta:
        get: { x-amazon-apigateway-integration: ${MOCK} }
  ` }, 'api.yaml:6', "$.paths['/pets/$meta']", /^Resource's path part only allow a-zA-Z0-9\._- and curly braces at the beginning and the end and an optional plus sign before the closing brace\. Got "\$meta"$/);
});

test('a resource under a greedy path variable is refused', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /files/{proxy+}/meta:
        get: { x-amazon-apigateway-integration: ${MOCK} }
  ` }, 'api.yaml:4', "$.paths['/files/{proxy+}/meta']", /^Cannot create a child of a resource with a greedy path variable: \{proxy\+\}$/);
});

test('two variable path parts under one parent are refused', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets/{petId}:
        get: { x-amazon-apigateway-integration: ${MOCK} }
      /pets/{id}/toys:
        get: { x-amazon-apigateway-integration: ${MOCK} }
  ` }, 'api.yaml:6', "$.paths['/pets/{id}/toys']", /^A sibling \(\{petId\}\) of this resource already has a variable path part -- only one is allowed$/);
});

test('/pets and /pets/ are one resource, defined twice', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        get: { x-amazon-apigateway-integration: ${MOCK} }
      /pets/:
        post: { x-amazon-apigateway-integration: ${MOCK} }
  ` }, 'api.yaml:6', "$.paths['/pets/']", /^Another resource with the same parent already has this name: pets/);
});

test('an unknown integration type is refused', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        get:
          x-amazon-apigateway-integration:
            type: lambda
            uri: ${ARN('pets')}
  ` }, 'api.yaml:7', "$.paths['/pets'].get['x-amazon-apigateway-integration'].type", /^unknown integration type "lambda" \(expected aws, aws_proxy, http, http_proxy or mock\)$/);
});

test('a mapping from a method request parameter the method does not declare is refused with AWS\'s message', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        get:
          parameters: [ { name: type, in: query, schema: { type: string } } ]
          x-amazon-apigateway-integration:
            type: http
            httpMethod: GET
            uri: http://127.0.0.1:8080/pets
            requestParameters:
              integration.request.querystring.type: method.request.querystring.type
              integration.request.querystring.page: method.request.querystring.page
  ` }, 'api.yaml:13', "$.paths['/pets'].get['x-amazon-apigateway-integration'].requestParameters['integration.request.querystring.page']",
  /^Invalid mapping expression specified: Validation Result: warnings : \[\], errors : \[Invalid mapping expression parameter specified: method\.request\.querystring\.page\]; declare "method\.request\.querystring\.page"/);
});

test('a selection pattern that is not a regular expression is refused with the regex error', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        post:
          responses: { "200": { description: ok }, "400": { description: bad } }
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: POST
            uri: ${ARN('pets')}
            responses:
              default: { statusCode: "200" }
              "(Invalid.*": { statusCode: "400" }
  ` }, 'api.yaml:13', "$.paths['/pets'].post['x-amazon-apigateway-integration'].responses['(Invalid.*']", /^Invalid selection pattern specified: .*Unterminated group/);
});

test('an unknown gateway response type is refused, naming the valid ones', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths: {}
    x-amazon-apigateway-gateway-responses:
      DEFAULT_4XX: { statusCode: "400" }
      NOT_FOUND: { statusCode: "404" }
  ` }, 'api.yaml:6', "$['x-amazon-apigateway-gateway-responses'].NOT_FOUND", /^unknown gateway response type "NOT_FOUND"; Member must satisfy enum value set: \[REQUEST_TOO_LARGE, .*EXPIRED_TOKEN\]$/);
});

test('a Lambda integration naming a function portico.yaml does not define is refused', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /pets:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: ${ARN('listPets')}
  ` }, 'api.yaml:9', "$.paths['/pets'].get['x-amazon-apigateway-integration'].uri", /^function "listPets" is not defined under functions: in portico\.yaml \(defined: pets\)$/);
});

test('an AWS service integration other than Lambda is refused', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths:
      /queue:
        post:
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue
  ` }, 'api.yaml:9', "$.paths['/queue'].post['x-amazon-apigateway-integration'].uri", /^only Lambda AWS integrations are supported by portico, got the "sqs" service$/);
});

test('a $ref that names no model is refused where it is written', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    paths: {}
    components:
      schemas:
        Pet:
          type: object
          properties:
            owner: { $ref: "#/components/schemas/Owner" }
  ` }, 'api.yaml:9', "$.components.schemas.Pet.properties.owner.$ref", /^unresolvable \$ref "#\/components\/schemas\/Owner": it must name a model of components\.schemas \(models: Pet\)$/);
});

test('a model name that is not alphanumeric is refused with AWS\'s message', (t) => {
  expectOneError(t, { 'portico.yaml': PROJECT, 'api.yaml': y`
    swagger: "2.0"
    info: { title: t, version: "1" }
    paths: {}
    definitions:
      inline_response_200: { type: object }
  ` }, 'api.yaml:5', '$.definitions.inline_response_200', /^Model name must be alphanumeric: inline_response_200$/);
});

test('REST APIs have no $default stage', (t) => {
  expectOneError(t, { 'portico.yaml': y`
    apis:
      - name: pets
        type: REST
        openapi: api.yaml
        stages:
          - name: prod
          - name: $default
  `, 'api.yaml': `openapi: 3.0.1\ninfo: { title: t, version: "1" }\npaths:\n  /:\n    get: { x-amazon-apigateway-integration: ${MOCK} }\n` }, 'portico.yaml:7', '$.apis[0].stages[1].name', /^REST APIs have no \$default stage/);
});

test('throttling keys must name a method of the API', (t) => {
  expectOneError(t, { 'portico.yaml': y`
    apis:
      - name: pets
        type: REST
        openapi: api.yaml
        throttling:
          routes:
            "POST /": { rateLimit: 1 }
  `, 'api.yaml': `openapi: 3.0.1\ninfo: { title: t, version: "1" }\npaths:\n  /:\n    get: { x-amazon-apigateway-integration: ${MOCK} }\n` }, 'portico.yaml:7', "$.apis[0].throttling.routes['POST /']", /^"POST \/" is not a route of this API \(routes: GET \/\)$/);
});

test('a REST API needs an openapi file and has no routes, cors, limits or route selection', (t) => {
  const errors = loadErrors(t, { 'portico.yaml': y`
    apis:
      - name: pets
        type: REST
        routes: { "GET /": { function: x } }
        cors: { allowOrigins: ["*"] }
      - name: http
        type: HTTP
        import: { failOnWarnings: true }
  ` });
  assertError(errors, 'portico.yaml:4', '$.apis[0].routes', /^"routes" is not supported for REST APIs/);
  assertError(errors, 'portico.yaml:5', '$.apis[0].cors', /^"cors" is not supported for REST APIs/);
  assertError(errors, 'portico.yaml:2', '$.apis[0]', /^a REST API needs "openapi"/);
  assertError(errors, 'portico.yaml:8', '$.apis[1].import', /^"import" is only for REST APIs$/);
  assert.equal(errors.length, 4);
});

const BASE = (mode: string): Record<string, string> => ({
  'portico.yaml': y`
    apis:
      - { name: pets, type: REST, openapi: api.yaml${mode ? `, import: { basepath: ${mode} }` : ''} }
  `,
  'api.yaml': y`
    swagger: "2.0"
    info: { title: t, version: "1" }
    basePath: /a/b/c
    paths:
      /e:
        get: { x-amazon-apigateway-integration: ${MOCK} }
      /f:
        get: { x-amazon-apigateway-integration: ${MOCK} }
  `,
});

test('basepath ignore (the default), prepend and split place resources as AWS documents it', (t) => {
  const paths = (mode: string): string[] => restApi(load(t, BASE(mode)).project).resources.map((r) => r.path);
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html
  assert.deepEqual(paths(''), ['/', '/e', '/f']);
  assert.deepEqual(paths('ignore'), ['/', '/e', '/f']);
  assert.deepEqual(paths('prepend'), ['/', '/a', '/a/b', '/a/b/c', '/a/b/c/e', '/a/b/c/f']);
  assert.deepEqual(paths('split'), ['/', '/b', '/b/c', '/b/c/e', '/b/c/f']);
});

test('an OpenAPI 3 base path comes from the server URL path when there is no basePath variable', (t) => {
  const { project } = load(t, {
    'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml, import: { basepath: prepend } }\n',
    'api.yaml': y`
      openapi: 3.0.1
      info: { title: t, version: "1" }
      servers: [ { url: "https://api.example.com/v2/shop" } ]
      paths:
        /cart:
          get: { x-amazon-apigateway-integration: ${MOCK} }
    `,
  });
  assert.deepEqual(restApi(project).resources.map((r) => r.path), ['/', '/v2', '/v2/shop', '/v2/shop/cart']);
});

test('a base path that cannot be a resource path is refused under prepend', (t) => {
  const files = BASE('prepend');
  files['api.yaml'] = (files['api.yaml'] as string).replace('basePath: /a/b/c', 'basePath: "/v1/my api"');
  expectOneError(t, files, 'api.yaml:3', '$.basePath', /^base path "\/v1\/my api": Resource's path part only allow/);
});

const WARNED = y`
  openapi: 3.0.1
  info: { title: t, version: "1" }
  x-amazon-apigateway-documentation: { version: "1" }
  paths:
    /pets:
      get: { x-amazon-apigateway-integration: ${MOCK} }
      post:
        operationId: createPet
`;

test('warnings: an operation without integration is skipped and an unused extension ignored', (t) => {
  const { project } = load(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml }\n', 'api.yaml': WARNED });
  assert.equal(project.warnings.length, 2);
  assert.match(project.warnings[0] ?? '', /api\.yaml:3: \$\['x-amazon-apigateway-documentation'\]: .* is not used by portico and is ignored$/);
  assert.match(project.warnings[1] ?? '', /api\.yaml:7: \$\.paths\['\/pets'\]\.post: POST \/pets has no x-amazon-apigateway-integration; AWS cannot deploy such a method and portico skips it$/);
  assert.deepEqual(Object.keys(restApi(project).resources[1]?.resourceMethods ?? {}), ['GET']);
});

test('import.failOnWarnings turns the warnings into errors', (t) => {
  const errors = loadErrors(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml, import: { failOnWarnings: true } }\n', 'api.yaml': WARNED });
  assertError(errors, 'api.yaml:3', "$['x-amazon-apigateway-documentation']", /is ignored \(an error because import\.failOnWarnings is true\)$/);
  assertError(errors, 'api.yaml:7', "$.paths['/pets'].post", /has no x-amazon-apigateway-integration; .* \(an error because import\.failOnWarnings is true\)$/);
  assert.equal(errors.length, 2);
});

test('root-level security is ignored by API Gateway: a warning, and the method stays open', (t) => {
  const { project } = load(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml }\n', 'api.yaml': y`
    openapi: 3.0.1
    info: { title: t, version: "1" }
    security: [ { api_key: [] } ]
    paths:
      /pets:
        get: { x-amazon-apigateway-integration: ${MOCK} }
    components:
      securitySchemes:
        api_key: { type: apiKey, name: x-api-key, in: header }
  ` });
  assert.match(project.warnings[0] ?? '', /api\.yaml:3: \$\.security: root-level security is ignored by API Gateway/);
  assert.equal(restApi(project).resources[1]?.resourceMethods['GET']?.apiKeyRequired, false);
});

test('an integration timeout above 29 s is accepted up to 300 s with a warning (AWS quota increase)', (t) => {
  const doc = (ms: number): string => `openapi: 3.0.1\ninfo: { title: t, version: "1" }\npaths:\n  /:\n    get:\n      x-amazon-apigateway-integration: { type: mock, timeoutInMillis: ${ms} }\n`;
  const { project } = load(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml }\n', 'api.yaml': doc(120000) });
  assert.equal(restApi(project).resources[0]?.resourceMethods['GET']?.methodIntegration.timeoutInMillis, 120000);
  assert.match(project.warnings[0] ?? '', /api\.yaml:6: .*timeoutInMillis: 120000 ms is above AWS's default 29000 ms limit/);
  expectOneError(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml }\n', 'api.yaml': doc(300001) }, 'api.yaml:6', "$.paths['/'].get['x-amazon-apigateway-integration'].timeoutInMillis", /^must be an integer from 50 to 29000/);
});

test('OpenAPI 3.1 is refused (API Gateway imports 3.0 and Swagger 2.0)', (t) => {
  expectOneError(t, { 'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml }\n', 'api.yaml': 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\n' }, 'api.yaml:1', '$.openapi', /^REST APIs import OpenAPI 3\.0\.x or Swagger 2\.0, got openapi "3\.1\.0"$/);
});
