/**
 * REST resource policies (`x-amazon-apigateway-policy`) end to end on a real gateway. Test
 * traffic can only come from 127.0.0.1, so "others are denied" is shown with policies that
 * leave 127.0.0.0/8 out.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const MOCK = `x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: "200", responseTemplates: { application/json: '{"ok":true}' } } } }`;

/** A project whose one REST API carries `policy` (YAML flow text) at its root. */
function files(policy: string): Record<string, string> {
  return {
    'portico.yaml': 'apis:\n  - { name: pets, type: REST, openapi: api.yaml, stages: [{ name: prod }] }\n',
    'api.yaml': `
openapi: 3.0.1
info: { title: pets, version: "1" }
x-amazon-apigateway-policy: ${policy}
paths:
  /pets:
    get: { ${MOCK} }
  /admin/{proxy+}:
    get: { ${MOCK} }
`,
  };
}

const allowIp = (cidr: string): string => `{ Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: { IpAddress: { "aws:SourceIp": ["${cidr}"] } } }] }`;

async function get(base: string, path: string): Promise<{ status: number; errorType: unknown; json: Record<string, unknown> }> {
  const res = await request(base + path);
  return { status: res.statusCode, errorType: res.headers['x-amzn-errortype'], json: (await res.body.json()) as Record<string, unknown> };
}

describe('REST resource policies', () => {
  test('an allow list by aws:SourceIp that includes 127.0.0.1 lets the request through', async (t) => {
    const { base } = await serveFiles(t, files(allowIp('127.0.0.0/8')));
    const res = await get(base, '/prod/pets');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { ok: true });
  });

  test('an allow list without 127.0.0.0/8 denies with AWS message (account masked)', async (t) => {
    const { base } = await serveFiles(t, files(allowIp('10.0.0.0/8')));
    const res = await get(base, '/prod/pets');
    assert.equal(res.status, 403);
    assert.equal(res.errorType, 'AccessDeniedException');
    assert.match(String(res.json['Message']), /^User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:\*{8}9012:[a-z0-9]+\/prod\/GET\/pets$/);
  });

  test('an explicit Deny for a path says "with an explicit deny", and double slashes do not get around it', async (t) => {
    const policy = `{ Statement: [
      { Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" },
      { Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/GET/admin/*" } ] }`;
    const { base } = await serveFiles(t, files(policy));
    assert.equal((await get(base, '/prod/pets')).status, 200);
    for (const path of ['/prod/admin/users', '/prod//admin//users', '/prod/admin/users/']) {
      const res = await get(base, path);
      assert.equal(res.status, 403, path);
      assert.match(String(res.json['Message']), /with an explicit deny$/, path);
    }
  });
});
