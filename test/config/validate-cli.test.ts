/**
 * `portico validate <dir>` as a user runs it: a child process, its exit code and the lines
 * it prints (docs/cli.md): `ok: …` on stdout, `error: file:line: $.path: reason` and
 * `warning: …` on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeProject } from '../helpers/gateway.ts';
import { ARN, HANDLER, y } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Runs `node --import tsx src/main.ts validate <target>` from the repository root. */
function validate(target: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'validate', target], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
      resolve({ code, stdout: lines(out), stderr: lines(err) });
    });
  });
}

test('portico validate', async (t) => {
  await t.test('the bundled example: exit 0 and one ok line, nothing on stderr', async () => {
    const run = await validate('examples/petstore-http');
    assert.deepEqual(run.stderr, []);
    assert.deepEqual(run.stdout, [`ok: ${join(ROOT, 'examples/petstore-http/portico.yaml')}: 2 API(s), 5 route(s), 4 function(s)`]);
    assert.equal(run.code, 0);
  });

  await t.test('a broken project: exit 1, one error line per problem with file:line and JSON path, then a count', async (t) => {
    const dir = writeProject(t, {
      'h.mjs': HANDLER,
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
        apis:
          - name: a
            type: HTTP
            openapi: api.yaml
            routes:
              "GET /a": { function: nope }
              "GET b": { function: f }
      `,
      'api.yaml': y`
        openapi: 3.0.1
        info: { title: t, version: "1" }
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                uri: "${ARN('gone')}"
      `,
    });
    const run = await validate(dir);
    assert.equal(run.code, 1);
    assert.deepEqual(run.stdout, []);
    const file = join(dir, 'portico.yaml');
    assert.deepEqual(run.stderr, [
      `error: ${join(dir, 'api.yaml')}:8: $.paths['/x'].get['x-amazon-apigateway-integration'].uri: function "gone" is not defined under functions: in portico.yaml (defined: f)`,
      `error: ${file}:8: $.apis[0].routes['GET /a'].function: function "nope" is not defined under functions: in portico.yaml (defined: f)`,
      `error: ${file}:9: $.apis[0].routes['GET b']: route key "GET b": the path must start with "/"`,
      '3 errors',
    ]);
  });

  await t.test('a YAML syntax error: exit 1 and file:line:col', async (t) => {
    const dir = writeProject(t, { 'portico.yaml': 'apis:\n  - name: a\n   type: HTTP\n' });
    const run = await validate(dir);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.length, 2);
    assert.match(run.stderr[0] ?? '', new RegExp(`^error: ${join(dir, 'portico.yaml')}:3:1: \\$: syntax error: `));
    assert.equal(run.stderr[1], '1 error');
  });

  await t.test('a directory without portico.yaml: exit 1 and an error line', async (t) => {
    const dir = writeProject(t, { 'readme.txt': 'nothing here' });
    const run = await validate(dir);
    assert.equal(run.code, 1);
    assert.deepEqual(run.stderr, [`error: ${dir}: $: no portico.yaml / portico.yml / portico.json in this directory`, '1 error']);
  });

  await t.test('warnings go to stderr and do not fail validation', async (t) => {
    const dir = writeProject(t, {
      'h.mjs': HANDLER,
      'portico.yaml': y`
        functions:
          f: { handler: h.handler }
        apis:
          - { name: a, type: HTTP, openapi: api.yaml }
      `,
      'api.yaml': y`
        openapi: 3.0.1
        info: { title: t, version: "1" }
        x-amazon-apigateway-foo: true
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: { type: aws_proxy, uri: "${ARN('f')}" }
      `,
    });
    const run = await validate(join(dir, 'portico.yaml'));
    assert.equal(run.code, 0);
    assert.deepEqual(run.stderr, [`warning: ${join(dir, 'api.yaml')}:3: $['x-amazon-apigateway-foo']: x-amazon-apigateway-foo is not supported for HTTP APIs and is ignored`]);
    assert.deepEqual(run.stdout, [`ok: ${join(dir, 'portico.yaml')}: 1 API(s), 1 route(s), 1 function(s)`]);
  });
});
