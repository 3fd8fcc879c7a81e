/**
 * The admin port's control-plane calls when the project has credentials: SigV4 for the service
 * `apigateway` (as the AWS CLI signs `aws apigateway get-usage --endpoint-url …`), refused with
 * AWS's SigV4 answers otherwise; probes stay open; `portico usage` signs with the environment's key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { pino } from 'pino';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { loadProject } from '../../../src/config/load-project.ts';
import { Gateway } from '../../../src/server/gateway.ts';
import { writeProject } from '../../helpers/gateway.ts';

const ROOT = join(import.meta.dirname, '../../..');
const KEY = { accessKeyId: 'AKIAPORTICOADMIN0001', secretAccessKey: 'admin-secret-0001' };
const MOCK = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } }`;

const FILES = {
  'portico.yaml': `
credentials:
  - { accessKeyId: ${KEY.accessKeyId}, secretAccessKey: ${KEY.secretAccessKey} }
apis:
  - { name: pets, type: REST, apiId: signedpets, openapi: api.yaml, stages: [{ name: prod }] }
apiKeys:
  - { name: alice, id: alice00001, value: alice-key-0123456789abcdef }
usagePlans:
  - { name: metered, id: plan01, apiStages: [{ api: pets, stage: prod }], quota: { limit: 5, period: DAY }, apiKeys: [alice] }
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

async function setup(t: test.TestContext): Promise<string> {
  const gateway = await Gateway.start(loadProject(writeProject(t, FILES)), { port: 0, admin: { port: 0 }, logger: pino({ level: 'silent' }) });
  t.after(() => gateway.close(2000));
  return gateway.adminUrl as string;
}

/** A call to the admin port, signed for `service` when given. */
async function call(admin: string, method: 'GET' | 'DELETE', path: string, service?: string): Promise<{ status: number; errorType: unknown; body: Record<string, unknown> }> {
  const url = new URL(path, admin);
  let headers: Record<string, string> = {};
  if (service !== undefined) {
    const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service, sha256: Sha256 });
    const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { host: url.host } });
    headers = signed.headers;
  }
  const res = await request(url, { method, headers });
  const text = await res.body.text();
  const json = String(res.headers['content-type']).startsWith('application/json') && text !== '';
  return { status: res.statusCode, errorType: res.headers['x-amzn-errortype'], body: json ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

test('with credentials, control-plane calls need a SigV4 signature for apigateway; probes stay open', async (t) => {
  const admin = await setup(t);
  const unsigned = await call(admin, 'GET', '/usageplans');
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.errorType, 'MissingAuthenticationTokenException');
  assert.deepEqual(unsigned.body, { message: 'Missing Authentication Token' });

  const signed = await call(admin, 'GET', '/usageplans', 'apigateway');
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  assert.deepEqual((signed.body['item'] as { name: string }[]).map((p) => p.name), ['metered']);

  const usage = await call(admin, 'GET', `/usageplans/plan01/usage?startDate=${new Date().toISOString().slice(0, 10)}&endDate=${new Date().toISOString().slice(0, 10)}`, 'apigateway');
  assert.equal(usage.status, 200, JSON.stringify(usage.body));

  const otherService = await call(admin, 'GET', '/usageplans', 'execute-api');
  assert.equal(otherService.status, 403);
  assert.equal(otherService.errorType, 'InvalidSignatureException');
  assert.deepEqual(otherService.body, { message: "Credential should be scoped to correct service: 'apigateway'." });

  // A flush is refused unsigned, accepted signed.
  assert.equal((await call(admin, 'DELETE', '/restapis/signedpets/stages/prod/cache/data')).status, 403);
  assert.equal((await call(admin, 'DELETE', '/restapis/signedpets/stages/prod/cache/data', 'apigateway')).status, 202);

  for (const probe of ['/health', '/ready', '/metrics']) assert.equal((await call(admin, 'GET', probe)).status, 200, probe);
});

test('portico usage signs with the environment key; without one it reports the 403', async (t) => {
  const admin = await setup(t);
  const run = (env: NodeJS.ProcessEnv) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'usage', '--admin', admin, '--plan', 'metered', '--days', '1'], { cwd: ROOT, encoding: 'utf8', env: { ...clean, ...env } }, (err, stdout, stderr) => {
        resolve({ status: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      });
    });
  const ok = await run({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey, AWS_REGION: 'us-east-1' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^usage plan metered \(plan01\): quota 5 per DAY/);
  const refused = await run({});
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /403 Missing Authentication Token/);
});
