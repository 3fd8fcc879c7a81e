/**
 * The usage API end to end: requests with API keys through a REST API, then GetUsagePlans,
 * GetUsagePlanKeys and GetUsage on the gateway's admin port (the wire shape the AWS CLI reads:
 * `item`, `values`), FlushStageAuthorizersCache, and the `portico usage` command as a child process.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { pino } from 'pino';
import { loadProject } from '../../../src/config/load-project.ts';
import { Gateway } from '../../../src/server/gateway.ts';
import { writeProject } from '../../helpers/gateway.ts';

const ROOT = join(import.meta.dirname, '../../..');
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;
const v = (name: string): string => `${name}-key-0123456789abcdef`;

const FILES = {
  'portico.yaml': `
apis:
  - { name: pets, type: REST, apiId: usagepets, openapi: api.yaml, stages: [{ name: prod }] }
apiKeys:
  - { name: alice, id: alice00001, value: ${v('alice')} }
  - { name: bob, id: bob0000001, value: ${v('bob')} }
usagePlans:
  - { name: metered, id: plan01, apiStages: [{ api: pets, stage: prod }], quota: { limit: 5, period: DAY }, apiKeys: [alice, bob] }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
paths:
  /pets:
    get: { security: [{ api_key: [] }], x-amazon-apigateway-integration: ${MOCK} }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`,
};

async function setup(t: test.TestContext) {
  const dir = writeProject(t, FILES);
  const gateway = await Gateway.start(loadProject(dir), { port: 0, admin: { port: 0 }, logger: pino({ level: 'silent' }) });
  t.after(() => gateway.close(2000));
  const admin = gateway.adminUrl as string;
  const call = async (name: string) => {
    const res = await request(`http://127.0.0.1:${gateway.port}/prod/pets`, { headers: { 'x-api-key': v(name) } });
    await res.body.dump();
    return res.statusCode;
  };
  const adminGet = async (path: string, method = 'GET') => {
    const res = await request(`${admin}${path}`, { method: method as 'GET' });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown>, text };
  };
  return { admin, call, adminGet };
}

const today = (): string => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

test('GetUsage reports [used, remaining] per day and key, in the REST wire shape', async (t) => {
  const { call, adminGet } = await setup(t);
  for (let i = 0; i < 3; i++) assert.equal(await call('alice'), 200);
  assert.equal(await call('bob'), 200);

  const usage = await adminGet(`/usageplans/plan01/usage?startDate=${daysAgo(1)}&endDate=${today()}`);
  assert.equal(usage.status, 200);
  assert.deepEqual(usage.json(), {
    usagePlanId: 'plan01',
    startDate: daysAgo(1),
    endDate: today(),
    values: { alice00001: [[0, 5], [3, 2]], bob0000001: [[0, 5], [1, 4]] },
  });
  const one = await adminGet(`/usageplans/plan01/usage?keyId=bob0000001&startDate=${today()}&endDate=${today()}`);
  assert.deepEqual(one.json()['values'], { bob0000001: [[1, 4]] });

  // Refused requests are not counted: 2 more pass, the 3rd hits the quota.
  assert.equal(await call('alice'), 200);
  assert.equal(await call('alice'), 200);
  assert.equal(await call('alice'), 429);
  const after = await adminGet(`/usageplans/plan01/usage?keyId=alice00001&startDate=${today()}&endDate=${today()}`);
  assert.deepEqual(after.json()['values'], { alice00001: [[5, 0]] });
});

test('GetUsagePlans / GetUsagePlanKeys, and AWS-shaped errors', async (t) => {
  const { adminGet } = await setup(t);
  const plans = (await adminGet('/usageplans')).json();
  assert.deepEqual(plans, { item: [{ id: 'plan01', name: 'metered', apiStages: [{ apiId: 'usagepets', stage: 'prod' }], quota: { limit: 5, offset: 0, period: 'DAY' } }] });
  const keys = (await adminGet('/usageplans/plan01/keys')).json();
  assert.deepEqual(keys, { item: [{ id: 'alice00001', type: 'API_KEY', value: v('alice'), name: 'alice' }, { id: 'bob0000001', type: 'API_KEY', value: v('bob'), name: 'bob' }] });

  const unknown = await adminGet(`/usageplans/nope/usage?startDate=${today()}&endDate=${today()}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers['x-amzn-errortype'], 'NotFoundException');
  assert.deepEqual(unknown.json(), { message: 'Invalid Usage Plan ID specified' });
  const noDates = await adminGet('/usageplans/plan01/usage');
  assert.equal(noDates.status, 400);
  assert.equal(noDates.headers['x-amzn-errortype'], 'BadRequestException');
  assert.equal((await adminGet(`/usageplans/plan01/usage?startDate=${today()}&endDate=${daysAgo(1)}`)).status, 400);
  assert.equal((await adminGet(`/usageplans/plan01/usage?startDate=2024-02-30&endDate=2024-03-01`)).status, 400);
});

test('FlushStageAuthorizersCache: 202 for a stage, 404 for an unknown API or stage', async (t) => {
  const { adminGet } = await setup(t);
  const ok = await adminGet('/restapis/usagepets/stages/prod/cache/authorizers', 'DELETE');
  assert.equal(ok.status, 202);
  assert.equal(ok.text, '');
  const noApi = await adminGet('/restapis/nope/stages/prod/cache/authorizers', 'DELETE');
  assert.equal(noApi.status, 404);
  assert.deepEqual(noApi.json(), { message: 'Invalid API identifier specified 123456789012:nope' });
  assert.equal((await adminGet('/restapis/usagepets/stages/dev/cache/authorizers', 'DELETE')).status, 404);
});

test('portico usage prints the plan and a table of days; unknown plan → exit 1', async (t) => {
  const { admin, call } = await setup(t);
  assert.equal(await call('alice'), 200);
  assert.equal(await call('alice'), 200);
  // Asynchronously: the admin port is served by this process, which must keep answering.
  const run = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'usage', '--admin', admin, ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ status: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      });
    });
  const out = await run(['--plan', 'metered', '--key', 'alice', '--days', '2']);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(
    out.stdout,
    [
      'usage plan metered (plan01): quota 5 per DAY',
      'key    day         used  remaining',
      `alice  ${daysAgo(1)}  0     5`,
      `alice  ${today()}  2     3`,
      '',
    ].join('\n'),
  );
  const bad = await run(['--plan', 'gold']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /portico usage: no usage plan "gold" \(plans: metered\)/);
});
