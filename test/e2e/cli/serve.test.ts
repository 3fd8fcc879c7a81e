/**
 * `portico serve` as a user runs it: a child process, its printed lines, --watch reloading
 * handlers and definitions without dropping an in-flight request, and a clean SIGTERM.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { writeProject } from '../../helpers/gateway.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Starts the CLI and collects stdout lines; `waitFor` resolves on the first line matching. */
function startCli(args: string[]): { child: ChildProcessWithoutNullStreams; lines: string[]; waitFor: (re: RegExp, after?: number) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT });
  const lines: string[] = [];
  const waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (lines.length - 1 >= w.from && w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waitFor = (re: RegExp, after = 0): Promise<string> =>
    new Promise((resolve, reject) => {
      const found = lines.slice(after).find((l) => re.test(l));
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within 20 s; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), 20_000);
      waiters.push({ re, from: after, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  return { child, lines, waitFor };
}

test('portico serve --watch', async (t) => {
  const dir = writeProject(t, {
    'portico.yaml': `
functions:
  hi: { handler: hi.handler, timeout: 10 }
apis:
  - name: greet
    type: HTTP
    routes:
      "GET /hi": { function: hi }
`,
    'hi.mjs': `export const handler = async (e) => { if (e.queryStringParameters?.slow) await new Promise((r) => setTimeout(r, 1500)); return { says: 'v1' }; };`,
  });
  const cli = startCli(['serve', dir, '--port', '0', '--watch']);
  t.after(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });

  const line = await cli.waitFor(/^greet HTTP \$default http:\/\/127\.0\.0\.1:\d+\/$/);
  await cli.waitFor(/^portico: ready$/);
  const base = (line.split(' ')[3] as string).replace(/\/$/, '');
  assert.deepEqual(await (await request(`${base}/hi`)).body.json(), { says: 'v1' });

  // A slow request is in flight while the handler changes.
  const inflight = request(`${base}/hi?slow=1`);
  await new Promise((r) => setTimeout(r, 200));
  const mark = cli.lines.length;
  writeFileSync(join(dir, 'hi.mjs'), `export const handler = async () => ({ says: 'v2' });`);
  await cli.waitFor(/^portico: reloaded$/, mark);
  const slow = await inflight;
  assert.equal(slow.statusCode, 200, 'the in-flight request finished');
  assert.deepEqual(await slow.body.json(), { says: 'v1' });
  assert.deepEqual(await (await request(`${base}/hi`)).body.json(), { says: 'v2' });

  // A definition change adds a route; a broken edit keeps the last good project.
  const mark2 = cli.lines.length;
  writeFileSync(
    join(dir, 'portico.yaml'),
    `
functions:
  hi: { handler: hi.handler }
apis:
  - name: greet
    type: HTTP
    routes:
      "GET /hi": { function: hi }
      "GET /hello": { function: hi }
`,
  );
  await cli.waitFor(/^portico: reloaded$/, mark2);
  assert.equal((await request(`${base}/hello`)).statusCode, 200);
  writeFileSync(join(dir, 'portico.yaml'), 'apis: [ { name: greet, type: HTTP, routes: { "GET hello": { function: nope } } } ]\n');
  await new Promise((r) => setTimeout(r, 800));
  assert.equal((await request(`${base}/hello`)).statusCode, 200, 'still serving the previous definitions');

  // SIGTERM: graceful shutdown, exit 0.
  const exited = new Promise<number | null>((r) => cli.child.once('exit', (code) => r(code)));
  cli.child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

/** `portico serve` of a one-route project, ready; killed after the test. */
async function serveGreeting(t: TestContext): Promise<{ cli: ReturnType<typeof startCli>; base: string }> {
  const dir = writeProject(t, {
    'portico.yaml': 'functions:\n  hi: { handler: hi.handler }\napis:\n  - { name: greet, type: HTTP, routes: { "GET /hi": { function: hi } } }\n',
    'hi.mjs': 'export const handler = async () => ({ ok: true });',
  });
  const cli = startCli(['serve', dir, '--port', '0']);
  t.after(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  const base = ((await cli.waitFor(/^greet HTTP/)).split(' ')[3] as string).replace(/\/$/, '');
  await cli.waitFor(/^portico: ready$/);
  return { cli, base };
}

test('portico serve outlives its stdout reader and drains keep-alive clients on SIGTERM', async (t) => {
  const { cli, base } = await serveGreeting(t);
  // The reader goes away (`portico serve | head -3`): logging now hits EPIPE.
  cli.child.stdout.destroy();
  let ok = 0;
  for (let i = 0; i < 50; i++) if ((await request(`${base}/hi`)).statusCode === 200) ok++;
  assert.equal(ok, 50, 'every request answered after the log reader left');

  // Keep-alive clients in a loop while SIGTERM arrives: each gets `connection: close` and the
  // process exits well before the 10 s grace period.
  let stop = false;
  const load = Array.from({ length: 10 }, async () => {
    while (!stop) await request(`${base}/hi`).then((r) => r.body.dump(), () => undefined);
  });
  await new Promise((r) => setTimeout(r, 200));
  const exited = new Promise<number | null>((r) => cli.child.once('exit', (code) => r(code)));
  const started = Date.now();
  cli.child.kill('SIGTERM');
  const code = await exited;
  stop = true;
  await Promise.all(load);
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 9500, `exit took ${Date.now() - started} ms`);
});

test('portico serve exits when SIGTERM and a vanishing log reader coincide under load', async (t) => {
  const { cli, base } = await serveGreeting(t);
  let stop = false;
  const load = Array.from({ length: 20 }, async () => {
    while (!stop) await request(`${base}/hi`).then((r) => r.body.dump(), () => undefined);
  });
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise<number | null>((r) => cli.child.once('exit', (code) => r(code)));
  // The harness that started it signals it and goes away at once (its end of the pipe closes).
  cli.child.kill('SIGTERM');
  cli.child.stdout.destroy();
  // Without the fix the process retried the broken pipe forever; the test's timeout catches it.
  assert.equal(await exited, 0);
  stop = true;
  await Promise.all(load);
});
