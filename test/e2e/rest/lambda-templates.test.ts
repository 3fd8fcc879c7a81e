/**
 * REST API Lambda non-proxy (AWS) integrations end to end: request templates chosen by
 * Content-Type and the passthrough behaviours (spec §4.4), what the function receives, and the
 * integration responses: selection by errorMessage, templates chosen by Accept, header mappings
 * and `$context.responseOverride` (spec §4.5).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { serveFiles } from '../../helpers/gateway.ts';

const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/** An AWS (non-proxy) Lambda integration as YAML flow text. */
function aws(fn: string, opts: { templates?: Record<string, string>; passthrough?: string; responses?: string; timeout?: number } = {}): string {
  const parts = [`type: aws`, `httpMethod: POST`, `uri: "${ARN(fn)}"`];
  if (opts.passthrough) parts.push(`passthroughBehavior: ${opts.passthrough}`);
  if (opts.timeout) parts.push(`timeoutInMillis: ${opts.timeout}`);
  if (opts.templates) parts.push(`requestTemplates: ${JSON.stringify(opts.templates)}`);
  parts.push(`responses: ${opts.responses ?? '{ default: { statusCode: "200" } }'}`);
  return `{ ${parts.join(', ')} }`;
}

const JSON_ONLY = { 'application/json': '{"templated": "json", "body": $input.json(\'$\')}' };

const files = {
  'portico.yaml': `
functions:
  echo: { handler: fns/echo.handler }
  maybe: { handler: fns/maybe.handler }
  stuck: { handler: fns/stuck.handler, timeout: 1 }
  slow: { handler: fns/slow.handler, timeout: 5 }
apis:
  - name: api
    type: REST
    openapi: api.yaml
    stage: test
    stageVariables: { color: blue }
`,
  'api.yaml': `
openapi: 3.0.1
info: { title: api, version: "1" }
paths:
  /tpl:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('echo', {
        passthrough: 'when_no_match',
        templates: {
          'application/json': '{"kind": "json", "body": $input.json(\'$\'), "ct": "$input.params(\'content-type\')"}',
          'text/plain': '{"kind": "text", "raw": "$util.escapeJavaScript($input.body)"}',
        },
      })}
  /nomatch/wnm:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'when_no_match', templates: JSON_ONLY })} }
  /nomatch/wnt:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'when_no_templates', templates: JSON_ONLY })} }
  /nomatch/never:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'never', templates: JSON_ONLY })} }
  /notpl/wnm:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'when_no_match' })} }
  /notpl/wnt:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'when_no_templates' })} }
  /notpl/never:
    post: { responses: { "200": { description: ok } }, x-amazon-apigateway-integration: ${aws('echo', { passthrough: 'never' })} }
  /select:
    post:
      responses: { "200": { description: ok }, "404": { description: nf }, "400": { description: bad } }
      x-amazon-apigateway-integration: ${aws('maybe', {
        responses: `{ ".*NotFound.*": { statusCode: "404", responseTemplates: { application/json: '{"nf": "$input.path(''$.errorMessage'')"}' } }, ".+": { statusCode: "400" }, default: { statusCode: "200" } }`,
      })}
  /default-only:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('maybe')}
  /no-default:
    post:
      responses: { "404": { description: nf } }
      x-amazon-apigateway-integration: ${aws('maybe', { responses: `{ ".*NotFound.*": { statusCode: "404" } }` })}
  /accept:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('echo', {
        responses: `{ default: { statusCode: "200", responseTemplates: { text/plain: 'plain $input.path(''$.v'')', application/json: '{"t": "json", "v": "$input.path(''$.v'')"}', application/xml: '<t>$input.path(''$.v'')</t>' } } }`,
      })}
  /accept-nojson:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('echo', {
        responses: `{ default: { statusCode: "200", responseTemplates: { text/csv: 'csv,$input.path(''$.v'')', application/xml: '<t>$input.path(''$.v'')</t>' } } }`,
      })}
  /params:
    post:
      responses:
        "200":
          description: ok
          headers:
            X-Static: { schema: { type: string } }
            X-Field: { schema: { type: string } }
            X-Req: { schema: { type: string } }
            X-Stage: { schema: { type: string } }
      x-amazon-apigateway-integration: ${aws('echo', {
        responses: `{ default: { statusCode: "200", responseParameters: { method.response.header.X-Static: "'static'", method.response.header.X-Field: integration.response.body.field, method.response.header.X-Req: context.requestId, method.response.header.X-Stage: stageVariables.color } } }`,
      })}
  /override:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('echo', {
        templates: { 'application/json': '#set($context.requestOverride.header.x-ignored = "1"){"v": $input.json(\'$.v\')}' },
        responses: `{ default: { statusCode: "200", responseTemplates: { application/json: '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Over = "yes-$input.path(''$.v'')"){"over": true}' } } }`,
      })}
  /stuck:
    post:
      responses: { "200": { description: ok }, "504": { description: timeout } }
      x-amazon-apigateway-integration: ${aws('stuck', {
        responses: `{ ".*Task timed out.*": { statusCode: "504", responseTemplates: { application/json: '{"timedOut": true}' } }, default: { statusCode: "200" } }`,
      })}
  /slow:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: ${aws('slow', { timeout: 300 })}
  /get-method:
    post:
      responses: { "200": { description: ok } }
      x-amazon-apigateway-integration: { type: aws, httpMethod: GET, uri: "${ARN('echo')}", responses: { default: { statusCode: "200" } } }
`,
  // Returns what it received: what the request template rendered (or the passed-through body).
  'fns/echo.mjs': `export const handler = async (event) => event;`,
  // Throws when the event names an error message, else succeeds.
  'fns/maybe.mjs': `export const handler = async (event) => { if (event.fail) throw new Error(event.fail); return { ok: true }; };`,
  'fns/stuck.mjs': `export const handler = () => new Promise(() => {});`,
  'fns/slow.mjs': `export const handler = () => new Promise((r) => setTimeout(() => r({ late: true }), 1500));`,
};

type Headers = Record<string, string | string[] | undefined>;

async function call(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(base + path, { method: (init.method ?? 'POST') as 'POST', headers: init.headers ?? {}, body: init.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Headers, text, json: (): unknown => JSON.parse(text) };
}

const post = (base: string, path: string, contentType: string | undefined, body: string, headers: Record<string, string> = {}) =>
  call(base, path, { headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, body });

async function assertUnsupported(res: Awaited<ReturnType<typeof call>>): Promise<void> {
  assert.equal(res.status, 415, res.text);
  assert.deepEqual(res.json(), { message: 'Unsupported Media Type' });
}

test('REST AWS (non-proxy) Lambda integrations', async (t) => {
  const { base } = await serveFiles(t, files);

  await t.test('the request template is chosen by Content-Type and the function receives exactly what it rendered', async () => {
    const json = await post(base, '/test/tpl', 'application/json; charset=utf-8', '{"a": [1, 2]}');
    assert.equal(json.status, 200);
    assert.deepEqual(json.json(), { kind: 'json', body: { a: [1, 2] }, ct: 'application/json; charset=utf-8' });
    const text = await post(base, '/test/tpl', 'text/plain', 'say "hi"\nbye');
    assert.equal(text.status, 200);
    assert.deepEqual(text.json(), { kind: 'text', raw: 'say "hi"\nbye' });
  });

  await t.test('a request without Content-Type gets the application/json template', async () => {
    const res = await post(base, '/test/tpl', undefined, '{"x": 1}');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { kind: 'json', body: { x: 1 }, ct: '' });
  });

  await t.test('a non-proxy response without templates passes the function result through as application/json', async () => {
    const res = await post(base, '/test/tpl', 'application/json', '{}');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.ok(res.headers['x-amz-apigw-id']);
  });

  // Spec §4.4's table, every row and column.
  await t.test('passthrough: a matching template transforms under every behaviour', async () => {
    for (const behaviour of ['wnm', 'wnt', 'never']) {
      const res = await post(base, `/test/nomatch/${behaviour}`, 'application/json', '{"in": 1}');
      assert.equal(res.status, 200, behaviour);
      assert.deepEqual(res.json(), { templated: 'json', body: { in: 1 } }, behaviour);
    }
  });

  await t.test('passthrough: no matching template (templates exist): WHEN_NO_MATCH passes the body unchanged', async () => {
    const res = await post(base, '/test/nomatch/wnm', 'application/vnd.custom+json', '{"passed": true}');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { passed: true });
  });

  await t.test('passthrough: no matching template (templates exist): WHEN_NO_TEMPLATES is 415', async () => {
    await assertUnsupported(await post(base, '/test/nomatch/wnt', 'application/vnd.custom+json', '{"passed": true}'));
  });

  await t.test('passthrough: no matching template (templates exist): NEVER is 415', async () => {
    await assertUnsupported(await post(base, '/test/nomatch/never', 'application/vnd.custom+json', '{"passed": true}'));
  });

  await t.test('passthrough: no templates at all: WHEN_NO_MATCH and WHEN_NO_TEMPLATES pass through', async () => {
    for (const behaviour of ['wnm', 'wnt']) {
      const res = await post(base, `/test/notpl/${behaviour}`, 'application/vnd.custom+json', '{"passed": "yes"}');
      assert.equal(res.status, 200, behaviour);
      assert.deepEqual(res.json(), { passed: 'yes' }, behaviour);
    }
  });

  await t.test('passthrough: no templates at all: NEVER is 415, even for application/json', async () => {
    await assertUnsupported(await post(base, '/test/notpl/never', 'application/vnd.custom+json', '{}'));
    await assertUnsupported(await post(base, '/test/notpl/never', 'application/json', '{}'));
  });

  await t.test('selection: a success is matched as "" so .+ misses it and the default answers', async () => {
    const res = await post(base, '/test/select', 'application/json', '{}');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { ok: true });
  });

  await t.test('selection: a thrown error whose errorMessage matches .*NotFound.* gets the 404 response and its template', async () => {
    const res = await post(base, '/test/select', 'application/json', '{"fail": "Item NotFound: 7"}');
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { nf: 'Item NotFound: 7' });
  });

  await t.test('selection: other errors fall to the .+ response (whole-value regex match)', async () => {
    const res = await post(base, '/test/select', 'application/json', '{"fail": "prefix NotFoun"}');
    assert.equal(res.status, 400);
    const body = res.json() as Record<string, unknown>;
    assert.equal(body['errorMessage'], 'prefix NotFoun');
    assert.equal(body['errorType'], 'Error');
  });

  await t.test('selection: a 200 default catches an error and answers 200 with the error document', async () => {
    const res = await post(base, '/test/default-only', 'application/json', '{"fail": "boom"}');
    assert.equal(res.status, 200);
    const body = res.json() as Record<string, unknown>;
    assert.equal(body['errorMessage'], 'boom');
    assert.equal(body['errorType'], 'Error');
    assert.ok(Array.isArray(body['trace']));
  });

  await t.test('selection: no matching response and no default is 500 Internal server error', async () => {
    const res = await post(base, '/test/no-default', 'application/json', '{}');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { message: 'Internal server error' });
    const nf = await post(base, '/test/no-default', 'application/json', '{"fail": "NotFound"}');
    assert.equal(nf.status, 404);
  });

  await t.test('response templates: chosen by the Accept type, which becomes the Content-Type', async () => {
    const xml = await post(base, '/test/accept', 'application/json', '{"v": "x1"}', { accept: 'application/xml' });
    assert.equal(xml.status, 200);
    assert.equal(xml.text, '<t>x1</t>');
    assert.equal(xml.headers['content-type'], 'application/xml');
    const plain = await post(base, '/test/accept', 'application/json', '{"v": "x2"}', { accept: 'text/plain' });
    assert.equal(plain.text, 'plain x2');
    assert.equal(plain.headers['content-type'], 'text/plain');
  });

  await t.test('response templates: only the first Accept type counts; no match falls back to application/json', async () => {
    const res = await post(base, '/test/accept', 'application/json', '{"v": "x3"}', { accept: 'text/html, application/xml' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { t: 'json', v: 'x3' });
    assert.equal(res.headers['content-type'], 'application/json');
    const none = await post(base, '/test/accept', 'application/json', '{"v": "x4"}');
    assert.deepEqual(none.json(), { t: 'json', v: 'x4' }, 'a missing Accept counts as application/json');
  });

  await t.test('response templates: without an application/json template the first defined one is used', async () => {
    const res = await post(base, '/test/accept-nojson', 'application/json', '{"v": "x5"}', { accept: 'image/png' });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'csv,x5');
    assert.equal(res.headers['content-type'], 'text/csv');
  });

  await t.test("responseParameters: 'static', integration.response.body.field, context.requestId, stageVariables.x", async () => {
    const res = await post(base, '/test/params', 'application/json', '{"field": "from-body"}');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-static'], 'static');
    assert.equal(res.headers['x-field'], 'from-body');
    assert.equal(res.headers['x-req'], res.headers['x-amzn-requestid']);
    assert.equal(res.headers['x-stage'], 'blue');
  });

  await t.test('$context.responseOverride.status and .header.X set in the response template win', async () => {
    const res = await post(base, '/test/override', 'application/json', '{"v": "k"}');
    assert.equal(res.status, 418);
    assert.equal(res.headers['x-over'], 'yes-k');
    assert.deepEqual(res.json(), { over: true });
  });

  await t.test('a function past its own timeout is a function error that selection patterns see ("Task timed out")', async () => {
    const res = await post(base, '/test/stuck', 'application/json', '{}');
    assert.equal(res.status, 504);
    assert.deepEqual(res.json(), { timedOut: true });
  });

  await t.test('integration timeout (timeoutInMillis) is 504 {"message": "Endpoint request timed out"}', async () => {
    const res = await post(base, '/test/slow', 'application/json', '{}');
    assert.equal(res.status, 504);
    assert.deepEqual(res.json(), { message: 'Endpoint request timed out' });
  });

  await t.test('a Lambda AWS integration whose httpMethod is not POST answers 500', async () => {
    const res = await post(base, '/test/get-method', 'application/json', '{}');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { message: 'Internal server error' });
  });
});
