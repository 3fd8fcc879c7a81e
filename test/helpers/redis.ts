/**
 * A real `redis-server` for tests: started on 127.0.0.1 and a free port, without persistence
 * (`--save '' --appendonly no`), ready once it answers PING, stopped by PID after the test.
 * `kill()` and `restart()` (same port, empty again) drive the outage tests. CI installs Debian's
 * redis-server (.ci/run); the system service is never used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import { freePort } from './gateway.ts';

/** A redis-server process owned by a test. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:{port}` */
  readonly url: string;
  /** The server's PID (undefined while it is killed). */
  readonly pid: number | undefined;
  /** SIGKILL: an outage without any goodbye. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty), resolving once it answers PING. */
  restart(): Promise<void>;
  /** SIGTERM and wait; idempotent. */
  stop(): Promise<void>;
}

/** Resolves true when `redis-server` on `port` answers PING with +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function spawnServer(port: number): ChildProcess {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.on('error', () => {});
  return child;
}

async function waitUntilUp(child: ChildProcess, port: number): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING on port ${port} (install it: apt-get install redis-server; .ci/run does)\n${stderr}`);
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/**
 * Starts a redis-server for one test (or, with `t` omitted, for the caller to stop): stopped
 * by `t.after`.
 */
export async function startRedis(t?: TestContext): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = spawnServer(port);
  await waitUntilUp(child, port);
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async kill() {
      const c = child;
      child = undefined;
      if (c === undefined) return;
      c.kill('SIGKILL');
      await exited(c);
    },
    async restart() {
      await redis.kill();
      const c = spawnServer(port);
      child = c;
      await waitUntilUp(c, port);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined) return;
      c.kill('SIGTERM');
      await exited(c);
    },
  };
  t?.after(() => redis.stop());
  // A test process that dies leaves no server behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  return redis;
}
