/**
 * portico.yaml's apiKeys, usagePlans and credentials: the model they load into, and the load
 * errors (file:line, JSON path, and AWS's wording where its control plane has one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectOneError, load, loadErrors, y } from './helpers.ts';

const API = y`
  openapi: 3.0.1
  info: { title: pets, version: "1" }
  paths:
    /pets:
      get: { x-amazon-apigateway-integration: { type: mock } }
    /pets/{id}:
      get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: { type: mock } }
  components: { securitySchemes: { api_key: { type: apiKey, name: x-api-key, in: header } } }
`;
/** Two APIs (lines 1–4), then whatever the test adds from line 5. */
const project = (rest: string): Record<string, string> => ({
  'api.yaml': API,
  'portico.yaml': y`
    apis:
      - { name: pets, type: REST, openapi: api.yaml, stages: [{ name: prod }, { name: dev }] }
      - { name: web, type: HTTP, routes: { "GET /x": { http: "http://127.0.0.1:9" } } }
    credentials: [{ accessKeyId: AKIDEXAMPLE, secretAccessKey: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY }]
  ` + rest,
});
const KEYS = y`
  apiKeys:
    - { name: alice, value: alice-key-0123456789abcdef }
    - { name: bob, value: bob-key-0123456789abcdefgh, enabled: false, id: bob01 }
`;

test('keys, plans and credentials load into the model, with AWS-style ids and method keys', (t) => {
  const { project: p } = load(t, project(KEYS + y`
    usagePlans:
      - name: basic
        apiStages: [{ api: pets, stage: prod, throttle: { "GET /pets/{id}": { rateLimit: 1, burstLimit: 1 } } }]
        throttle: { rateLimit: 10, burstLimit: 5 }
        quota: { limit: 1000, period: DAY }
        apiKeys: [alice, bob]
  `));
  const [alice, bob] = p.apiKeys;
  assert.ok(alice && bob);
  assert.match(alice.id, /^[a-z0-9]{10}$/);
  assert.deepEqual({ ...alice, id: '' }, { id: '', name: 'alice', value: 'alice-key-0123456789abcdef', enabled: true });
  assert.deepEqual(bob, { id: 'bob01', name: 'bob', value: 'bob-key-0123456789abcdefgh', enabled: false });
  const [plan] = p.usagePlans;
  assert.ok(plan);
  assert.match(plan.id, /^[a-z0-9]{6}$/);
  assert.deepEqual({ ...plan, id: '' }, {
    id: '',
    name: 'basic',
    apiStages: [{ apiId: p.apis[0]?.apiId, stage: 'prod', throttle: { '/pets/{id}/GET': { rateLimit: 1, burstLimit: 1 } } }],
    throttle: { rateLimit: 10, burstLimit: 5 },
    quota: { limit: 1000, period: 'DAY', offset: 0 },
    apiKeyIds: [alice.id, 'bob01'],
  });
  assert.deepEqual(p.credentials, [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }]);
  assert.deepEqual(p.warnings, []);
  // Ids are derived from names, so they survive a reload.
  assert.equal(load(t, project(KEYS)).project.apiKeys[0]?.id, alice.id);
});

test('a project without access keys loads with empty lists', (t) => {
  const { project: p } = load(t, project(''));
  assert.deepEqual([p.apiKeys, p.usagePlans], [[], []]);
});

test("an API key value under 20 characters is refused with CreateApiKey's message", (t) => {
  expectOneError(t, project('apiKeys: [{ name: short, value: too-short }]\n'), 'portico.yaml:5', '$.apiKeys[0].value', /^API Key value should be at least 20 characters$/);
});

test("an API key value over 128 characters is refused with CreateApiKey's message", (t) => {
  expectOneError(t, project(`apiKeys: [{ name: long, value: ${'k'.repeat(129)} }]\n`), 'portico.yaml:5', '$.apiKeys[0].value', /^API Key value exceeds maximum size of 128 characters$/);
});

test("an API key name over 1024 characters is refused with AWS's message", (t) => {
  expectOneError(t, project(`apiKeys: [{ name: ${'n'.repeat(1025)}, value: alice-key-0123456789abcdef }]\n`), 'portico.yaml:5', '$.apiKeys[0].name', /^Invalid API Key name, can be at most 1024 characters\.$/);
});

test('two keys with one name, or one value, are refused', (t) => {
  const errors = loadErrors(t, project(y`
    apiKeys:
      - { name: alice, value: alice-key-0123456789abcdef }
      - { name: alice, value: other-key-0123456789abcdef }
      - { name: carol, value: alice-key-0123456789abcdef }
  `));
  assertError(errors, 'portico.yaml:7', '$.apiKeys[1].name', /^another API key is named "alice"$/);
  assertError(errors, 'portico.yaml:8', '$.apiKeys[2].value', /^API Key already exists: this value is also the value of "alice"$/);
  assert.equal(errors.length, 2);
});

test('a plan naming an unknown key is refused, listing the keys', (t) => {
  expectOneError(t, project(KEYS + y`
    usagePlans:
      - { name: basic, apiStages: [{ api: pets, stage: prod }], apiKeys: [alice, carol] }
  `), 'portico.yaml:9', '$.usagePlans[0].apiKeys[1]', /^no API key named "carol" \(apiKeys: alice, bob\)$/);
});

test("an unknown API is refused with CreateUsagePlan's wording", (t) => {
  expectOneError(t, project(y`
    usagePlans:
      - { name: basic, apiStages: [{ api: petz, stage: prod }] }
  `), 'portico.yaml:6', '$.usagePlans[0].apiStages[0].api', /^Invalid API Stage \{api: petz, stage: prod\} specified for usageplan basic: no API is named "petz" \(APIs: pets, web\)$/);
});

test('an unknown stage is refused, listing the stages', (t) => {
  expectOneError(t, project(y`
    usagePlans:
      - name: basic
        apiStages:
          - { api: pets, stage: test }
  `), 'portico.yaml:8', '$.usagePlans[0].apiStages[0].stage', /^Invalid API Stage \{api: pets, stage: test\} specified for usageplan basic: API "pets" has no stage "test" \(stages: prod, dev\)$/);
});

test('an API named by its apiId is found', (t) => {
  const { project: p } = load(t, project(''));
  const id = p.apis[0]?.apiId ?? '';
  assert.equal(load(t, project(`usagePlans: [{ name: basic, apiStages: [{ api: ${id}, stage: dev }] }]\n`)).project.usagePlans[0]?.apiStages[0]?.apiId, id);
});

test('an HTTP API in a plan is refused: usage plans are for REST APIs', (t) => {
  expectOneError(t, project('usagePlans: [{ name: basic, apiStages: [{ api: web, stage: $default }] }]\n'), 'portico.yaml:5', '$.usagePlans[0].apiStages[0].api', /: "web" is an HTTP API; usage plans apply to REST APIs$/);
});

test('a per-method throttle for a method the API lacks is refused, listing the methods', (t) => {
  expectOneError(t, project(y`
    usagePlans:
      - name: basic
        apiStages:
          - api: pets
            stage: prod
            throttle: { "POST /pets": { rateLimit: 1 } }
  `), 'portico.yaml:10', "$.usagePlans[0].apiStages[0].throttle['POST /pets']", /^"POST \/pets" is not a method of API "pets" \(methods: GET \/pets, GET \/pets\/\{id\}\)$/);
});

test('a per-method throttle for a method without apiKeyRequired loads with a warning: it would never apply', (t) => {
  const { project: p } = load(t, project('usagePlans: [{ name: basic, apiStages: [{ api: pets, stage: prod, throttle: { "GET /pets": { burstLimit: 1 } } }] }]\n'));
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0] ?? '', /portico\.yaml:5: \$\.usagePlans\[0\]\.apiStages\[0\]\.throttle\['GET \/pets'\]: "GET \/pets" does not require an API key, so usage plan limits never apply to it$/);
});

test('one key in two plans covering the same API stage is refused (one plan per key and stage)', (t) => {
  const errors = loadErrors(t, project(KEYS + y`
    usagePlans:
      - { name: gold, apiStages: [{ api: pets, stage: prod }], apiKeys: [alice] }
      - { name: silver, apiStages: [{ api: pets, stage: dev }], apiKeys: [alice, bob] }
      - { name: bronze, apiStages: [{ api: pets, stage: dev }, { api: pets, stage: prod }], apiKeys: [bob, alice] }
  `));
  assertError(errors, 'portico.yaml:11', '$.usagePlans[2].apiKeys[1]', /^API key "alice" is already in usage plan "silver", which covers the same API stage pets\/dev; a key can be in only one usage plan per API stage$/);
  assertError(errors, 'portico.yaml:11', '$.usagePlans[2].apiKeys[1]', /^API key "alice" is already in usage plan "gold", which covers the same API stage pets\/prod;/);
  assertError(errors, 'portico.yaml:11', '$.usagePlans[2].apiKeys[0]', /^API key "bob" is already in usage plan "silver", which covers the same API stage pets\/dev;/);
  assert.equal(errors.length, 3);
});

test('a key in more than 10 plans is refused (AWS limit)', (t) => {
  const plans = Array.from({ length: 11 }, (_, i) => `  - { name: p${i}, apiKeys: [alice] }\n`).join('');
  expectOneError(t, project(KEYS + 'usagePlans:\n' + plans), 'portico.yaml:19', '$.usagePlans[10].apiKeys[0]', /^API key "alice" is in more than 10 usage plans \(AWS's limit per key\)$/);
});

test('duplicate plan names and duplicate API stages in a plan are refused', (t) => {
  const errors = loadErrors(t, project(y`
    usagePlans:
      - { name: basic, apiStages: [{ api: pets, stage: prod }, { api: pets, stage: prod }] }
      - { name: basic }
  `));
  assertError(errors, 'portico.yaml:6', '$.usagePlans[0].apiStages[1]', /^API stage pets\/prod is listed twice in usage plan "basic"$/);
  assertError(errors, 'portico.yaml:7', '$.usagePlans[1].name', /^another usage plan is named "basic"$/);
  assert.equal(errors.length, 2);
});

test('schema errors: a quota period outside DAY/WEEK/MONTH, a negative limit, over 20 method throttles', (t) => {
  const throttles = Array.from({ length: 21 }, (_, i) => `"GET /m${i}": {}`).join(', ');
  const errors = loadErrors(t, project(y`
    usagePlans:
      - name: basic
        quota: { limit: -1, period: YEAR }
        apiStages: [{ api: pets, stage: prod, throttle: { ${throttles} } }]
  `));
  assertError(errors, 'portico.yaml:7', '$.usagePlans[0].quota.period', /^must be one of "DAY", "WEEK", "MONTH", got "YEAR"$/);
  assertError(errors, 'portico.yaml:7', '$.usagePlans[0].quota.limit', /must be >= 0/);
  assertError(errors, 'portico.yaml:8', '$.usagePlans[0].apiStages[0].throttle', /must NOT have more than 20 properties/);
});

test('a credential listed twice is refused', (t) => {
  expectOneError(t, { 'portico.yaml': y`
    apis: []
    credentials:
      - { accessKeyId: AKIDEXAMPLE, secretAccessKey: one }
      - { accessKeyId: AKIDEXAMPLE, secretAccessKey: two }
  ` }, 'portico.yaml:4', '$.credentials[1].accessKeyId', /^access key id "AKIDEXAMPLE" is listed twice$/);
});
