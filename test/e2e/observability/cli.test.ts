/**
 * `portico serve --admin-port` as a user runs it: the new `portico: admin URL` status line,
 * printed after the API lines and before `portico: ready`, and the URL answering /health.
 * Runs src/main.ts through tsx, as test/e2e/cli/serve.test.ts does (the same entry bin/portico.js loads once built).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { writeProject } from '../../helpers/gateway.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Runs `portico serve` until `portico: ready`; returns the stdout lines up to it. */
async function serveUntilReady(t: TestContext, args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'serve', ...args], { cwd: ROOT });
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  for await (const line of rl) {
    lines.push(line);
    if (line === 'portico: ready') break;
  }
  clearTimeout(timer);
  assert.equal(lines.at(-1), 'portico: ready', `stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`);
  return lines;
}

const project = {
  'portico.yaml': `
functions:
  hi: { handler: hi.handler }
apis:
  - name: greet
    type: HTTP
    routes:
      "GET /hi": { function: hi }
`,
  'hi.mjs': 'export const handler = async () => ({ hi: true });',
};

test('--admin-port prints `portico: admin http://HOST:PORT` just before `portico: ready`', async (t) => {
  const dir = writeProject(t, project);
  const lines = await serveUntilReady(t, [dir, '--port', '0', '--admin-port', '0']);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0] as string, /^greet HTTP \$default http:\/\/127\.0\.0\.1:\d+\/$/, 'the API lines are unchanged');
  const admin = /^portico: admin (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[1] as string);
  assert.ok(admin, lines[1]);
  const res = await request(`${admin[1]}/health`);
  assert.deepEqual(await res.body.json(), { status: 'ok' });
});

test('without an admin port the printed lines are exactly as before', async (t) => {
  const dir = writeProject(t, project);
  const lines = await serveUntilReady(t, [dir, '--port', '0']);
  assert.equal(lines.length, 2);
  assert.equal(lines[1], 'portico: ready');
});
