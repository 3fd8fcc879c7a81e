/**
 * The loader's promise: a bad definition fails at load with the file and line, the JSON
 * path and the reason, every problem of a file reported together; unknown
 * `x-amazon-apigateway-*` keys are warnings naming the key, not failures.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/config/load-project.ts';
import { ConfigErrors } from '../../src/errors/index.ts';
import { ARN, assertError, expectOneError, load, loadErrors, y, httpApi } from './helpers.ts';

/** portico.yaml with function `f` and one HTTP API `a` using `api.yaml` (OpenAPI on line 6). */
const WITH_OPENAPI = y`
  functions:
    f: { handler: h.handler }
  apis:
    - name: a
      type: HTTP
      openapi: api.yaml
`;

/** An OpenAPI document: `paths:` on line 3 (plus the lines of `extra`), the first path on the next. */
const oas = (paths: string, extra = ''): string => `openapi: 3.0.1\ninfo: { title: t, version: "1" }\n${extra}paths:\n${paths}`;

describe('the project file', () => {
  test('a YAML syntax error is located at file:line:col', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - name: a
           type: HTTP
      `,
    };
    expectOneError(t, files, 'portico.yaml:3:1', '$', /syntax error: .*(indicator|indent)/i);
  });

  test('every YAML syntax error is reported, duplicate keys included', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
          f: { handler: h.handler }
        apis:
          - name: a
            type: HTTP
            routes:
              "GET /a": { function: f }
              "GET /a": { function: f }
      `,
    });
    assertError(errors, 'portico.yaml:3:3', '$', /syntax error: Map keys must be unique/);
    assertError(errors, 'portico.yaml:9:7', '$', /syntax error: Map keys must be unique/);
    assert.equal(errors.length, 2);
  });

  test('a directory without portico.yaml', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.throws(
      () => loadProject(dir),
      (e: unknown) => e instanceof ConfigErrors && e.errors.length === 1 && e.errors[0]?.file === dir && /no portico\.yaml/.test(e.errors[0].reason),
    );
  });

  test('a missing project file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'nope.yaml');
    assert.throws(() => loadProject(file), (e: unknown) => e instanceof ConfigErrors && e.errors[0]?.file === file && e.errors[0].reason === 'file not found');
  });

  test('an empty file', (t) => {
    expectOneError(t, { 'portico.yaml': '' }, 'portico.yaml', '$', /must be object/);
  });

  test('missing apis', (t) => {
    expectOneError(t, { 'portico.yaml': 'functions: {}\n' }, 'portico.yaml:1', '$', /missing required key "apis"/);
  });

  test('an unknown top-level key is located at the key and the known keys are listed', (t) => {
    const files = {
      'portico.yaml': y`
        apis: []
        regoin:
          name: us-east-1
      `,
    };
    expectOneError(t, files, 'portico.yaml:2', '$.regoin', /unknown key "regoin" \(expected one of region, .*apis, apiKeys, usagePlans, credentials, .*cognito\)/);
  });

  test('an API without name or type', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        apis:
          - type: HTTP
          - name: b
      `,
    });
    assertError(errors, 'portico.yaml:2', '$.apis[0]', /missing required key "name"/);
    assertError(errors, 'portico.yaml:3', '$.apis[1]', /missing required key "type"/);
    assert.equal(errors.length, 2);
  });

  test('a bad API type', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - name: a
            type: GRPC
      `,
    };
    expectOneError(t, files, 'portico.yaml:3', '$.apis[0].type', /must be one of "HTTP", "REST", "WEBSOCKET", got "GRPC"/);
  });

  test('a REST API without an OpenAPI definition is refused', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        apis:
          - name: a
            type: REST
      `,
    });
    assertError(errors, 'portico.yaml:2', '$.apis[0]', /a REST API needs "openapi"/);
    assert.equal(errors.length, 1);
  });

  test('duplicate API names are reported once (not also as a duplicate id)', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - { name: a, type: HTTP }
          - { name: a, type: HTTP }
      `,
    };
    expectOneError(t, files, 'portico.yaml:3', '$.apis[1].name', /another API is already named "a"/);
  });

  test('a duplicate explicit apiId', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - { name: a, type: HTTP, apiId: abc123 }
          - { name: b, type: HTTP, apiId: abc123 }
      `,
    };
    expectOneError(t, files, 'portico.yaml:3', '$.apis[1].apiId', /API id "abc123" is already used by "a"/);
  });

  test('a schema type error says what it got', (t) => {
    const files = {
      'portico.yaml': y`
        port: 70000
        apis: []
      `,
    };
    expectOneError(t, files, 'portico.yaml:1', '$.port', /must be <= 65535, got 70000/);
  });
});

describe('functions', () => {
  test('a missing handler file', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f:
            handler: handlers/nope.handler
        apis: []
      `,
    };
    expectOneError(t, files, 'portico.yaml:3', '$.functions.f.handler', /handler file not found: none of handlers\/nope\.js, handlers\/nope\.mjs, handlers\/nope\.cjs exists/);
  });

  test('a handler written with its file extension gets a hint', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f: { handler: h.mjs.handler }
        apis: []
      `,
    };
    expectOneError(t, files, 'portico.yaml:2', '$.functions.f.handler', /without the file extension, e\.g\. "h\.handler"/);
  });

  test('a handler without an export name', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f: { handler: h }
        apis: []
      `,
    };
    expectOneError(t, files, 'portico.yaml:2', '$.functions.f.handler', /"h" does not match .*path\/file\.export/);
  });

  test('a function name that cannot be part of a Lambda ARN', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          my.fn: { handler: h.handler }
        apis: []
      `,
    };
    expectOneError(t, files, 'portico.yaml:2', "$.functions['my.fn']", /"my\.fn" is not a valid name; .*letters, digits/);
  });

  test('a native route naming a function not defined under functions', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
        apis:
          - name: a
            type: HTTP
            routes:
              "GET /a":
                function: nope
      `,
    };
    expectOneError(t, files, 'portico.yaml:8', "$.apis[0].routes['GET /a'].function", /function "nope" is not defined under functions: .*\(defined: f\)/);
  });

  test('an OpenAPI integration naming a function not defined under functions', (t) => {
    const files = {
      'portico.yaml': WITH_OPENAPI,
      'api.yaml': oas(y`
        /a:
          get:
            x-amazon-apigateway-integration:
              type: aws_proxy
              uri: ${ARN('nope')}
      `.replace(/^(?=.)/gm, '  ')),
    };
    expectOneError(t, files, 'api.yaml:8', "$.paths['/a'].get['x-amazon-apigateway-integration'].uri", /function "nope" is not defined under functions:/);
  });

  test('a missing handler file is reported once, not again by every route using the function', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f: { handler: gone.handler }
        apis:
          - name: a
            type: HTTP
            routes:
              "GET /a": { function: f }
              "GET /b": { function: f }
      `,
    };
    expectOneError(t, files, 'portico.yaml:2', '$.functions.f.handler', /handler file not found/);
  });
});

describe('native routes', () => {
  const api = (routes: string): string => y`
    functions:
      f: { handler: h.handler }
    apis:
      - name: a
        type: HTTP
        routes:
  ` + routes;

  test('bad route key syntax, each route at its own key', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET pets": { function: f }
        "FETCH /x": { function: f }
        "GET /a/{id": { function: f }
        "GET /b/": { function: f }
        "GET /{p+}/c": { function: f }
        "GET /ok": { function: f }
      `.replace(/^(?=.)/gm, '      ')),
    });
    assertError(errors, 'portico.yaml:7', "$.apis[0].routes['GET pets']", /route key "GET pets": the path must start with "\/"/);
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['FETCH /x']", /method "FETCH" is not one of ANY, GET/);
    assertError(errors, 'portico.yaml:9', "$.apis[0].routes['GET /a/{id']", /segment "\{id" is neither a literal nor a \{variable\}/);
    assertError(errors, 'portico.yaml:10', "$.apis[0].routes['GET /b/']", /must not end with "\/"/);
    assertError(errors, 'portico.yaml:11', "$.apis[0].routes['GET /{p+}/c']", /greedy variable \{p\+\} must be the last segment/);
    assert.equal(errors.length, 5);
  });

  test('a route key without a space', (t) => {
    expectOneError(t, { 'portico.yaml': api('      "/pets": { function: f }\n') }, 'portico.yaml:7', "$.apis[0].routes['/pets']", /must be "\$default" or "METHOD \/path"/);
  });

  test('routes that conflict in the router are reported at the later route', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /pets/{id}": { function: f }
        "GET /pets/{petId}": { function: f }
        "GET /x/{a+}": { function: f }
        "POST /x/{b+}": { function: f }
      `.replace(/^(?=.)/gm, '      ')),
    });
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /pets/{petId}']", /\{petId\} conflicts with \{id\} at the same position/);
    assertError(errors, 'portico.yaml:10', "$.apis[0].routes['POST /x/{b+}']", /\{b\+\} conflicts with \{a\+\}/);
    assert.equal(errors.length, 2);
  });

  test('a route with both function and http, or with neither', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /a": { function: f, http: "http://127.0.0.1:1/" }
        "GET /b": { method: GET }
      `.replace(/^(?=.)/gm, '      ')),
    });
    assertError(errors, 'portico.yaml:7', "$.apis[0].routes['GET /a']", /exactly one of "function", "http" or "integration", got "function" and "http"/);
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /b']", /exactly one of .*, got none/);
    assert.equal(errors.length, 2);
  });

  test('a bad HTTP URL is reported at the key it was written under', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /a": { http: "not a url" }
        "GET /b": { http: "ftp://example.com/" }
      `.replace(/^(?=.)/gm, '      ')),
    });
    assertError(errors, 'portico.yaml:7', "$.apis[0].routes['GET /a'].http", /"not a url" is not a valid URL/);
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /b'].http", /need an http:\/\/ or https:\/\/ URL/);
    assert.equal(errors.length, 2);
  });

  test('a native integration: bad Lambda ARN, unsupported types', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /arn":
          integration: { type: aws_proxy, uri: "arn:aws:lambda:us-east-1:f" }
        "GET /mock":
          integration: { type: mock }
        "GET /aws":
          integration: { type: AWS, uri: "${ARN('f')}" }
        "GET /http":
          integration: { type: http, uri: "https://example.com/" }
        "GET /kafka":
          integration: { type: kafka }
        "GET /none":
          integration: { uri: "https://example.com/" }
      `.replace(/^(?=.)/gm, '      ')),
    });
    const r = "$.apis[0].routes";
    assertError(errors, 'portico.yaml:8', `${r}['GET /arn'].integration.uri`, /"arn:aws:lambda:us-east-1:f" is not a Lambda integration URI; expected a function ARN/);
    assertError(errors, 'portico.yaml:10', `${r}['GET /mock'].integration.type`, /MOCK integrations are not supported by HTTP APIs/);
    assertError(errors, 'portico.yaml:12', `${r}['GET /aws'].integration.type`, /"AWS" \(non-proxy\) integrations are not supported by HTTP APIs/);
    assertError(errors, 'portico.yaml:14', `${r}['GET /http'].integration.type`, /"http" \(non-proxy\) integrations are not supported/);
    assertError(errors, 'portico.yaml:16', `${r}['GET /kafka'].integration.type`, /unknown integration type "kafka"/);
    assertError(errors, 'portico.yaml:18', `${r}['GET /none'].integration`, /missing "type" \(aws_proxy or http_proxy\)/);
    assert.equal(errors.length, 6);
  });

  test('schema bounds of native route fields: timeoutInMillis and payloadFormatVersion', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /a": { function: f, timeoutInMillis: 49 }
        "GET /b": { function: f, timeoutInMillis: 30001 }
        "GET /c": { function: f, payloadFormatVersion: "3.0" }
      `.replace(/^(?=.)/gm, '      ')),
    });
    assertError(errors, 'portico.yaml:7', "$.apis[0].routes['GET /a'].timeoutInMillis", /must be >= 50, got 49/);
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /b'].timeoutInMillis", /must be <= 30000, got 30001/);
    assertError(errors, 'portico.yaml:9', "$.apis[0].routes['GET /c'].payloadFormatVersion", /must be one of "1\.0", "2\.0", got "3\.0"/);
    assert.equal(errors.length, 3);
  });

  test('parameter mapping: a reserved header, a bad key, a bad status key', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': api(y`
        "GET /a":
          http: "https://example.com/"
          requestParameters:
            "append:header.Authorization": "$request.header.x-token"
        "GET /b":
          http: "https://example.com/"
          requestParameters:
            "append:header.x-ok": "$context.requestId"
            "rename:header.x-id": "$context.requestId"
        "GET /c":
          http: "https://example.com/"
          responseParameters:
            ok: { "overwrite:statuscode": "200" }
        "GET /d":
          http: "https://example.com/"
          responseParameters:
            "500": { "overwrite:header.x-amzn-trace": "x" }
      `.replace(/^(?=.)/gm, '      ')),
    });
    const r = "$.apis[0].routes";
    assertError(errors, 'portico.yaml:10', `${r}['GET /a'].requestParameters['append:header.Authorization']`, /header "Authorization" is reserved and cannot be mapped/);
    assertError(errors, 'portico.yaml:15', `${r}['GET /b'].requestParameters['rename:header.x-id']`, /"rename:header\.x-id" is not a request parameter mapping key/);
    assertError(errors, 'portico.yaml:19', `${r}['GET /c'].responseParameters.ok`, /"ok" is not a status code/);
    assertError(errors, 'portico.yaml:23', `${r}['GET /d'].responseParameters['500']['overwrite:header.x-amzn-trace']`, /header "x-amzn-trace" is reserved/);
    assert.equal(errors.length, 4);
    // The location is said once, by the error, not repeated inside the reason.
    for (const e of errors) assert.doesNotMatch(e.reason, /portico\.yaml/);
  });

  test('CORS: credentials with origin *, and other AWS rules, at the field concerned', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        apis:
          - name: a
            type: HTTP
            routes: { "GET /a": { http: "https://example.com/" } }
            cors:
              allowOrigins: ["*"]
              allowCredentials: true
              allowMethods: [ANY]
      `,
    });
    assertError(errors, 'portico.yaml:7', '$.apis[0].cors.allowCredentials', /allow-credentials is not supported if 'allow-origin' is \*/);
    assertError(errors, 'portico.yaml:8', '$.apis[0].cors.allowMethods', /Method ANY is not supported/);
    assert.equal(errors.length, 2);
  });

  test('throttling settings for a route the API does not have', (t) => {
    const files = {
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
        apis:
          - name: a
            type: HTTP
            routes:
              "GET /pets": { function: f }
            throttling:
              routes:
                "GET /petz": { rateLimit: 1 }
      `,
    };
    expectOneError(t, files, 'portico.yaml:10', "$.apis[0].throttling.routes['GET /petz']", /"GET \/petz" is not a route of this API \(routes: GET \/pets\)/);
  });
});

describe('stages', () => {
  test('a stage name with invalid characters, short form and list form', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        apis:
          - name: a
            type: HTTP
            stage: "my stage"
          - name: b
            type: HTTP
            stages:
              - name: ok
              - name: dev/1
      `,
    });
    assertError(errors, 'portico.yaml:4', '$.apis[0].stage', /"my stage" does not match .*letters, digits, `-` and `_`/);
    assertError(errors, 'portico.yaml:9', '$.apis[1].stages[1].name', /"dev\/1" does not match .*letters, digits/);
    assert.equal(errors.length, 2);
  });

  test('both stages and the one-stage form', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - name: a
            type: HTTP
            routes: { "GET /a": { http: "https://example.com/" } }
            stage: dev
            stages:
              - name: prod
      `,
    };
    expectOneError(t, files, 'portico.yaml:6', '$.apis[0].stages', /either "stages" or the one-stage form .*not both \(also given: "stage"\)/);
  });

  test('duplicate stage names', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - name: a
            type: HTTP
            routes: { "GET /a": { http: "https://example.com/" } }
            stages:
              - name: dev
              - { name: prod }
              - name: dev
      `,
    };
    expectOneError(t, files, 'portico.yaml:8', '$.apis[0].stages[2].name', /stage "dev" is listed twice/);
  });

  test('throttling of a stage in the list form names a route the API does not have', (t) => {
    const files = {
      'portico.yaml': y`
        apis:
          - name: a
            type: HTTP
            routes: { "GET /a": { http: "https://example.com/" } }
            stages:
              - name: dev
                throttling: { routes: { "GET /b": { burstLimit: 1 } } }
      `,
    };
    expectOneError(t, files, 'portico.yaml:7', "$.apis[0].stages[0].throttling.routes['GET /b']", /"GET \/b" is not a route of this API/);
  });
});

describe('OpenAPI definitions of HTTP APIs', () => {
  /** `api.yaml` with the given paths (indented under `paths:`, first path on line 4). */
  const files = (paths: string, extra = ''): Record<string, string> => ({ 'portico.yaml': WITH_OPENAPI, 'api.yaml': oas(paths.replace(/^(?=.)/gm, '  '), extra) });
  const INT = '$.paths';

  test('the openapi file is missing', (t) => {
    const err = expectOneError(t, { 'portico.yaml': WITH_OPENAPI }, 'portico.yaml:6', '$.apis[0].openapi', /api\.yaml: file not found \(\/.*\/api\.yaml\)/);
    assert.match(err.reason, /api\.yaml/);
  });

  test('a syntax error in the openapi file is located in that file', (t) => {
    expectOneError(t, { 'portico.yaml': WITH_OPENAPI, 'api.yaml': 'openapi: 3.0.1\npaths:\n  /a: [\n' }, 'api.yaml:4:1', '$', /syntax error/);
  });

  test('a Swagger 2.0 document given to an HTTP API', (t) => {
    const doc = y`
      swagger: "2.0"
      info: { title: t, version: "1" }
      paths: {}
    `;
    expectOneError(t, { 'portico.yaml': WITH_OPENAPI, 'api.yaml': doc }, 'api.yaml:1', '$.swagger', /HTTP APIs import OpenAPI 3 only; Swagger 2\.0 is for REST APIs/);
  });

  test('a document without an openapi version', (t) => {
    expectOneError(t, { 'portico.yaml': WITH_OPENAPI, 'api.yaml': 'info: { title: t }\npaths: {}\n' }, 'api.yaml:1', '$', /missing "openapi: 3\.x"/);
  });

  test('an openapi version that is not a 3.x string', (t) => {
    expectOneError(t, { 'portico.yaml': WITH_OPENAPI, 'api.yaml': 'openapi: 3\npaths: {}\n' }, 'api.yaml:1', '$.openapi', /must be an OpenAPI 3 version string such as "3\.0\.1", got 3/);
  });

  test('malformed documents are errors, not crashes', (t) => {
    const errors = loadErrors(t, files(y`
      /a: null
      /b: { get: "x" }
      /c: { x-amazon-apigateway-any-method: null }
      /d: { get: { x-amazon-apigateway-integration: "s" } }
      /e: { get: { x-amazon-apigateway-integration: { type: 5 } } }
    `));
    assertError(errors, 'api.yaml:4', `${INT}['/a']`, /a path item must be an object of operations/);
    assertError(errors, 'api.yaml:5', `${INT}['/b'].get`, /an operation must be an object/);
    assertError(errors, 'api.yaml:6', `${INT}['/c']['x-amazon-apigateway-any-method']`, /an operation must be an object/);
    assertError(errors, 'api.yaml:7', `${INT}['/d'].get['x-amazon-apigateway-integration']`, /an integration must be an object/);
    assertError(errors, 'api.yaml:8', `${INT}['/e'].get['x-amazon-apigateway-integration'].type`, /must be a string, got number/);
    assert.equal(errors.length, 5);
  });

  test('bad paths are reported once per path, not once per operation', (t) => {
    const errors = loadErrors(t, files(y`
      pets:
        get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
        post: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
      /pets/{id:
        get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
    `));
    assertError(errors, 'api.yaml:4', `${INT}.pets`, /path "pets": the path must start with "\/"/);
    assertError(errors, 'api.yaml:7', `${INT}['/pets/{id']`, /segment "\{id" is neither a literal nor a \{variable\}/);
    assert.equal(errors.length, 2);
  });

  test('duplicate routes: two default routes, OpenAPI and native route with one key, conflicting variables', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': WITH_OPENAPI + '    routes:\n      "GET /pets": { function: f }\n',
      'api.yaml': oas(
        y`
          /pets:
            get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
          /pets/{id}:
            get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
          /pets/{petId}:
            put: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
          /$default:
            x-amazon-apigateway-any-method:
              isDefaultRoute: true
              x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
          /fallback:
            get:
              isDefaultRoute: true
              x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
        `.replace(/^(?=.)/gm, '  '),
      ),
    });
    assertError(errors, 'api.yaml:9', `${INT}['/pets/{petId}'].put`, /\{petId\} conflicts with \{id\}/);
    assertError(errors, 'api.yaml:15', `${INT}['/fallback'].get`, /duplicate route key "\$default" \(also defined at .*api\.yaml:11\)/);
    assertError(errors, 'portico.yaml:8', "$.apis[0].routes['GET /pets']", /duplicate route key "GET \/pets" \(also defined at .*api\.yaml:5\)/);
    assert.equal(errors.length, 3);
  });

  test('bad Lambda ARN and unsupported integration types', (t) => {
    const errors = loadErrors(t, files(y`
      /arn:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: "arn:aws:lambda:us-east-1:123456789012:f"
      /mock:
        get:
          x-amazon-apigateway-integration: { type: mock }
      /aws:
        get:
          x-amazon-apigateway-integration: { type: aws, uri: "${ARN('f')}", httpMethod: POST }
      /http:
        get:
          x-amazon-apigateway-integration: { type: http, uri: "https://example.com/", httpMethod: GET }
      /sqs:
        post:
          x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: SQS-SendMessage }
      /vpc:
        get:
          x-amazon-apigateway-integration: { type: http_proxy, connectionType: VPC_LINK, uri: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2" }
      /what:
        get:
          x-amazon-apigateway-integration: { type: grpc_proxy }
    `));
    const i = "['x-amazon-apigateway-integration']";
    assertError(errors, 'api.yaml:8', `${INT}['/arn'].get${i}.uri`, /is not a Lambda integration URI/);
    assertError(errors, 'api.yaml:11', `${INT}['/mock'].get${i}.type`, /MOCK integrations are not supported by HTTP APIs/);
    assertError(errors, 'api.yaml:14', `${INT}['/aws'].get${i}.type`, /"aws" \(non-proxy\) integrations are not supported by HTTP APIs; use aws_proxy or http_proxy/);
    assertError(errors, 'api.yaml:17', `${INT}['/http'].get${i}.type`, /"http" \(non-proxy\) integrations are not supported/);
    assertError(errors, 'api.yaml:20', `${INT}['/sqs'].post${i}.integrationSubtype`, /AWS service integrations \("SQS-SendMessage"\) are not supported/);
    assertError(errors, 'api.yaml:23', `${INT}['/vpc'].get${i}.connectionType`, /private integrations \(VPC_LINK\) are not supported/);
    assertError(errors, 'api.yaml:26', `${INT}['/what'].get${i}.type`, /unknown integration type "grpc_proxy"/);
    assert.equal(errors.length, 7);
  });

  test('bad HTTP URL, timeouts out of 50..30000, payload format versions', (t) => {
    const errors = loadErrors(t, files(y`
      /url:
        get:
          x-amazon-apigateway-integration:
            type: http_proxy
            uri: "ftp://example.com/"
      /slow:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: "${ARN('f')}"
            timeoutInMillis: 30001
      /fast:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: "${ARN('f')}"
            timeoutInMillis: 49
      /v3:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: "${ARN('f')}"
            payloadFormatVersion: "3.0"
      /unquoted:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: "${ARN('f')}"
            payloadFormatVersion: 1.0
      /proxy2:
        get:
          x-amazon-apigateway-integration:
            type: http_proxy
            uri: "https://example.com/"
            payloadFormatVersion: "2.0"
    `));
    const i = "['x-amazon-apigateway-integration']";
    assertError(errors, 'api.yaml:8', `${INT}['/url'].get${i}.uri`, /"ftp:\/\/example\.com\/": HTTP integrations need an http:\/\/ or https:\/\/ URL/);
    assertError(errors, 'api.yaml:14', `${INT}['/slow'].get${i}.timeoutInMillis`, /must be an integer from 50 to 30000 .*got 30001/);
    assertError(errors, 'api.yaml:20', `${INT}['/fast'].get${i}.timeoutInMillis`, /from 50 to 30000 .*got 49/);
    assertError(errors, 'api.yaml:26', `${INT}['/v3'].get${i}.payloadFormatVersion`, /must be "1\.0" or "2\.0", got "3\.0"/);
    assertError(errors, 'api.yaml:32', `${INT}['/unquoted'].get${i}.payloadFormatVersion`, /must be the string "1\.0" or "2\.0" \(quote it in YAML\), got the number 1/);
    assertError(errors, 'api.yaml:38', `${INT}['/proxy2'].get${i}.payloadFormatVersion`, /HTTP_PROXY integrations only support payload format 1\.0/);
    assert.equal(errors.length, 6);
  });

  test('a reserved header and a bad key in requestParameters', (t) => {
    const errors = loadErrors(t, files(y`
      /a:
        get:
          x-amazon-apigateway-integration:
            type: http_proxy
            uri: "https://example.com/"
            requestParameters:
              "append:header.Authorization": "$request.header.x-token"
      /b:
        get:
          x-amazon-apigateway-integration:
            type: http_proxy
            uri: "https://example.com/"
            requestParameters:
              "overwrite:body": "x"
    `));
    const i = "['x-amazon-apigateway-integration']";
    assertError(errors, 'api.yaml:10', `${INT}['/a'].get${i}.requestParameters['append:header.Authorization']`, /header "Authorization" is reserved and cannot be mapped/);
    assertError(errors, 'api.yaml:17', `${INT}['/b'].get${i}.requestParameters['overwrite:body']`, /"overwrite:body" is not a request parameter mapping key/);
    assert.equal(errors.length, 2);
  });

  test('a $ref to a missing shared integration', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': WITH_OPENAPI,
      'api.yaml':
        oas(y`
          /a:
            get:
              x-amazon-apigateway-integration:
                $ref: "#/components/x-amazon-apigateway-integrations/nope"
        `.replace(/^(?=.)/gm, '  ')) +
        y`
          components:
            x-amazon-apigateway-integrations:
              f: { type: aws_proxy, uri: "${ARN('f')}" }
        `,
    });
    assertError(errors, 'api.yaml:7', `${INT}['/a'].get['x-amazon-apigateway-integration'].$ref`, /"#\/components\/x-amazon-apigateway-integrations\/nope" does not name an entry of components\.x-amazon-apigateway-integrations \(defined: f\)/);
    assert.equal(errors.length, 1);
  });

  test('a bad shared integration is reported once, where it is written', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': WITH_OPENAPI,
      'api.yaml':
        oas(y`
          /a:
            get: { x-amazon-apigateway-integration: { $ref: "#/components/x-amazon-apigateway-integrations/bad" } }
          /b:
            get: { x-amazon-apigateway-integration: { $ref: "#/components/x-amazon-apigateway-integrations/bad" } }
        `.replace(/^(?=.)/gm, '  ')) +
        y`
          components:
            x-amazon-apigateway-integrations:
              bad:
                type: aws_proxy
                uri: "${ARN('gone')}"
        `,
    });
    assertError(errors, 'api.yaml:12', "$.components['x-amazon-apigateway-integrations'].bad.uri", /function "gone" is not defined/);
    assert.equal(errors.length, 1);
  });

  test('an operation requiring an undefined security scheme is an error, not an open route', (t) => {
    const errors = loadErrors(t, files(y`
      /a:
        get:
          security: [ { jwt: [] } ]
          x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
      /open:
        get:
          security: []
          x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
    `));
    assertError(errors, 'api.yaml:6', `${INT}['/a'].get.security[0].jwt`, /security scheme "jwt" is not defined in components.securitySchemes/);
    assert.equal(errors.length, 1);
  });

  test('a root security requirement applies to every operation without its own', (t) => {
    const errors = loadErrors(t, files(
      y`
        /a:
          get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
        /b:
          get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
        /open:
          get: { security: [], x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }
      `,
      'security: [ { jwt: [] } ]\n',
    ));
    assertError(errors, 'api.yaml:3', '$.security[0].jwt', /security scheme "jwt" is not defined/);
    assert.equal(errors.length, 1);
  });

  test('x-amazon-apigateway-cors: unknown keys and AWS rules', (t) => {
    const errors = loadErrors(t, files(
      `/a:\n  get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }\n`,
      y`
        x-amazon-apigateway-cors:
          allowOrigin: ["https://example.com"]
          allowOrigins: ["*"]
          allowCredentials: true
      `,
    ));
    assertError(errors, 'api.yaml:4', "$['x-amazon-apigateway-cors'].allowOrigin", /unknown CORS key "allowOrigin" \(expected allowOrigins, /);
    assert.equal(errors.length, 1);
    const again = loadErrors(t, files(
      `/a:\n  get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }\n`,
      y`
        x-amazon-apigateway-cors:
          allowOrigins: ["*"]
          allowCredentials: true
      `,
    ));
    assertError(again, 'api.yaml:5', "$['x-amazon-apigateway-cors'].allowCredentials", /allow-credentials is not supported if 'allow-origin' is \*/);
    assert.equal(again.length, 1);
  });
});

describe('several problems', () => {
  test('are all reported together, from both files, in one ConfigErrors', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
          g: { handler: missing.handler }
        apis:
          - name: a
            type: HTTP
            openapi: api.yaml
            routes:
              "GET pets": { function: f }
              "GET /b": { function: nope }
              "GET /c": { http: "nope" }
            stages:
              - name: dev
              - name: dev
          - name: b
            type: REST
      `,
      'api.yaml': oas(y`
        /x:
          get:
            x-amazon-apigateway-integration: { type: mock }
        /y:
          get:
            x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('h')}" }
      `.replace(/^(?=.)/gm, '  ')),
    });
    assertError(errors, 'portico.yaml:3', '$.functions.g.handler', /handler file not found/);
    assertError(errors, 'portico.yaml:9', "$.apis[0].routes['GET pets']", /must start with "\/"/);
    assertError(errors, 'portico.yaml:10', "$.apis[0].routes['GET /b'].function", /function "nope" is not defined/);
    assertError(errors, 'portico.yaml:11', "$.apis[0].routes['GET /c'].http", /is not a valid URL/);
    assertError(errors, 'portico.yaml:14', '$.apis[0].stages[1].name', /listed twice/);
    assertError(errors, 'portico.yaml:15', '$.apis[1]', /a REST API needs "openapi"/);
    assertError(errors, 'api.yaml:6', "$.paths['/x'].get['x-amazon-apigateway-integration'].type", /MOCK/);
    assertError(errors, 'api.yaml:9', "$.paths['/y'].get['x-amazon-apigateway-integration'].uri", /function "h" is not defined/);
    assert.equal(errors.length, 8);
  });

  test('schema problems are all reported together, in line order', (t) => {
    const errors = loadErrors(t, {
      'portico.yaml': y`
        region: moon
        funtions: {}
        apis:
          - name: a
            type: HTTP
            port: -1
          - type: SOAP
      `,
    });
    assertError(errors, 'portico.yaml:1', '$.region', /"moon" does not match/);
    assertError(errors, 'portico.yaml:2', '$.funtions', /unknown key "funtions"/);
    assertError(errors, 'portico.yaml:6', '$.apis[0].port', /must be >= 1, got -1/);
    assertError(errors, 'portico.yaml:7', '$.apis[1]', /missing required key "name"/);
    assertError(errors, 'portico.yaml:7', '$.apis[1].type', /must be one of/);
    assert.equal(errors.length, 5);
    const lines = errors.map((e) => Number(/:(\d+)$/.exec(e.file)?.[1]));
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  });
});

describe('warnings', () => {
  test('unknown x-amazon-apigateway-* keys at root, path item, operation and components are named with file:line; loading succeeds', (t) => {
    const { project, dir } = load(t, {
      'portico.yaml': WITH_OPENAPI,
      'api.yaml': y`
        openapi: 3.0.1
        info: { title: t, version: "1" }
        x-amazon-apigateway-foo: 1
        x-amazon-apigateway-policy: { Version: "2012-10-17" }
        paths:
          x-amazon-apigateway-paths-ext: {}
          /a:
            x-amazon-apigateway-bar: true
            get:
              x-amazon-apigateway-baz: { a: 1 }
              x-amazon-apigateway-request-validator: all
              x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
            trace:
              x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
        components:
          x-amazon-apigateway-gateway-responses: {}
      `,
    });
    const file = join(dir, 'api.yaml');
    const expected = [
      `${file}:3: $['x-amazon-apigateway-foo']: x-amazon-apigateway-foo is not supported for HTTP APIs and is ignored`,
      `${file}:4: $['x-amazon-apigateway-policy']: x-amazon-apigateway-policy is not supported for HTTP APIs and is ignored`,
      `${file}:16: $.components['x-amazon-apigateway-gateway-responses']: x-amazon-apigateway-gateway-responses is not supported for HTTP APIs and is ignored`,
      `${file}:6: $.paths['x-amazon-apigateway-paths-ext']: x-amazon-apigateway-paths-ext is not supported for HTTP APIs and is ignored`,
      `${file}:8: $.paths['/a']['x-amazon-apigateway-bar']: x-amazon-apigateway-bar is not supported for HTTP APIs and is ignored`,
      `${file}:13: $.paths['/a'].trace: HTTP API routes have no TRACE method; the operation is skipped`,
      `${file}:10: $.paths['/a'].get['x-amazon-apigateway-baz']: x-amazon-apigateway-baz is not supported for HTTP APIs and is ignored`,
      `${file}:11: $.paths['/a'].get['x-amazon-apigateway-request-validator']: x-amazon-apigateway-request-validator is not supported for HTTP APIs and is ignored`,
    ];
    assert.deepEqual(project.warnings, expected);
    assert.deepEqual(httpApi(project).routes.map((r) => r.routeKey), ['GET /a']);
  });

  test('an operation without an integration is a warning and is skipped', (t) => {
    const { project, dir } = load(t, {
      'portico.yaml': WITH_OPENAPI,
      'api.yaml': oas(y`
        /a:
          get:
            responses: { "200": { description: ok } }
        /b:
          post:
            x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
      `.replace(/^(?=.)/gm, '  ')),
    });
    assert.deepEqual(project.warnings, [
      `${join(dir, 'api.yaml')}:5: $.paths['/a'].get: GET /a has no x-amazon-apigateway-integration; the route is skipped (AWS would create it without a target)`,
    ]);
    assert.deepEqual(httpApi(project).routes.map((r) => r.routeKey), ['POST /b']);
  });

  test('an API without routes, and native cors overriding x-amazon-apigateway-cors', (t) => {
    const { project, dir } = load(t, {
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
        apis:
          - name: a
            type: HTTP
            openapi: api.yaml
            cors: { allowOrigins: ["https://a.example"] }
          - name: empty
            type: HTTP
      `,
      'api.yaml': oas(
        `  /a:\n    get: { x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" } }\n`,
        'x-amazon-apigateway-cors: { allowOrigins: ["https://b.example"] }\n',
      ),
    });
    const file = join(dir, 'portico.yaml');
    assert.deepEqual(project.warnings, [
      `${file}:7: $.apis[0].cors: overrides x-amazon-apigateway-cors of ${join(dir, 'api.yaml')}:3`,
      `${file}:8: $.apis[1]: API "empty" has no routes; every request gets 404`,
    ]);
    assert.deepEqual(httpApi(project).corsConfiguration?.allowOrigins, ['https://a.example']);
  });
});

describe('native routes load into the model', () => {
  test('function, http and integration shorthands, stages and throttling', (t) => {
    const { project, dir } = load(t, {
      'portico.yaml': y`
        region: eu-west-1
        accountId: "111122223333"
        functions:
          f: { handler: h.handler, timeout: 5, environment: { A: 1 } }
        apis:
          - name: a
            type: HTTP
            port: 3005
            routes:
              "GET /f/{id}": { function: f, payloadFormatVersion: "1.0", timeoutInMillis: 1000 }
              "ANY /p/{proxy+}": { http: "https://example.com/{proxy}", method: get }
              $default: { integration: { type: AWS_PROXY, uri: "arn:aws:lambda:eu-west-1:111122223333:function:f:live" } }
            stages:
              - { name: dev, variables: { v: 1 }, throttling: { rateLimit: 5, routes: { "GET /f/{id}": { burstLimit: 1 } } } }
              - name: $default
      `,
    });
    assert.deepEqual(project.warnings, []);
    assert.equal(project.functions['f']?.modulePath, join(dir, 'h.mjs'));
    assert.equal(project.functions['f']?.region, 'eu-west-1');
    assert.deepEqual(project.functions['f']?.environment, { A: '1' });
    const api = httpApi(project);
    assert.equal(api.port, 3005);
    const [fn, proxy, def] = api.routes;
    assert.equal(fn?.routeKey, 'GET /f/{id}');
    assert.equal(fn?.source, `${join(dir, 'portico.yaml')}:10`);
    assert.deepEqual(
      fn?.integration.integrationType === 'AWS_PROXY' && [fn.integration.functionName, fn.integration.payloadFormatVersion, fn.integration.timeoutInMillis, fn.integration.integrationUri],
      ['f', '1.0', 1000, 'arn:aws:lambda:eu-west-1:111122223333:function:f'],
    );
    assert.deepEqual(
      proxy?.integration.integrationType === 'HTTP_PROXY' && [proxy.routeKey, proxy.integration.integrationUri, proxy.integration.integrationMethod, proxy.integration.timeoutInMillis],
      ['ANY /p/{proxy+}', 'https://example.com/{proxy}', 'GET', 30000],
    );
    assert.deepEqual(def?.integration.integrationType === 'AWS_PROXY' && [def.routeKey, def.integration.functionName, def.integration.payloadFormatVersion], ['$default', 'f', '2.0']);
    assert.deepEqual(api.stages, [
      { stageName: 'dev', stageVariables: { v: '1' }, defaultRouteSettings: { throttlingRateLimit: 5 }, routeSettings: { 'GET /f/{id}': { throttlingBurstLimit: 1 } } },
      { stageName: '$default', stageVariables: {}, defaultRouteSettings: {}, routeSettings: {} },
    ]);
  });

  test('JSON project files and YAML merge keys work', (t) => {
    const { project } = load(t, {
      'portico.json': JSON.stringify({ functions: { f: { handler: 'h.handler' } }, apis: [{ name: 'a', type: 'HTTP', routes: { 'GET /a': { function: 'f' } } }] }, null, 2),
    });
    assert.equal(httpApi(project).routes[0]?.routeKey, 'GET /a');
    const merged = load(t, {
      'portico.yaml': y`
        functions:
          f: &fn { handler: h.handler, timeout: 7 }
          g: { <<: *fn, memorySize: 512 }
        apis: []
      `,
    });
    assert.equal(merged.project.functions['g']?.timeout, 7);
    assert.equal(merged.project.functions['g']?.memorySize, 512);
  });
});
