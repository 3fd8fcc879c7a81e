/**
 * A real `redis-server` for tests: started on 127.0.0.1 and a free port, without persistence
 * (`--save '' --appendonly no`), ready once it answers PING, stopped by PID after the test.
 * `kill()` and `restart()` (same port, empty again) drive the outage tests. CI installs Debian's
 * redis-server (.ci/run); the system service is never used. `startRedisCluster` starts a
 * three-master Redis Cluster the same way (redis-cli, from redis-tools, joins it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './gateway.ts';
import { RedisConnection } from '../../src/state/redis/connection.ts';

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

/** A Redis Cluster of three masters (no replicas) owned by a test. */
export interface TestRedisCluster {
  /** The masters' ports. */
  readonly ports: readonly number[];
  /** `redis+cluster://127.0.0.1:{p1},127.0.0.1:{p2},127.0.0.1:{p3}` */
  readonly url: string;
  /** SIGKILL the master on `ports[index]` (an outage of its slots); resolves once it has exited. */
  kill(index: number): Promise<void>;
  /** SIGTERM every node and wait; idempotent. */
  stop(): Promise<void>;
}

/** Runs a command to completion; rejects with its output when it fails. */
async function run(command: string, args: readonly string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (c, signal) => resolve(c ?? String(signal)));
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}; redis-cli ships with Debian's redis-tools)\n${output}`);
  return output;
}

/**
 * Starts a Redis Cluster for one test file (or, with `t` omitted, for the caller to stop): three
 * `redis-server --cluster-enabled yes` processes on free loopback ports, joined by
 * `redis-cli --cluster create … --cluster-replicas 0`, resolving once every node reports
 * `cluster_state:ok`. Each node's cluster config file lives in a temporary directory, removed
 * after the test. https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/
 */
export async function startRedisCluster(t?: TestContext): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    const running = children.splice(0);
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(running.map(exited));
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies leaves no server behind.
  process.once('exit', () => {
    children.forEach((c) => c.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.on('error', () => {});
      children.push(child);
      ports.push(port);
      await waitUntilUp(child, port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 10_000;
    for (const port of ports) {
      while (!/^cluster_state:ok/m.test(await run('redis-cli', ['-p', String(port), 'cluster', 'info']))) {
        if (Date.now() > deadline) throw new Error(`the cluster node on port ${port} did not reach cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  t?.after(stop);
  const kill = async (index: number): Promise<void> => {
    const c = children[index];
    if (c === undefined) return;
    c.kill('SIGKILL');
    await exited(c);
  };
  return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, kill, stop };
}

/** A RedisConnection to `url`, asserted ready within 5 s (contract suites' store factories). */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const redis = new RedisConnection({ url });
  if (!(await redis.waitReady(5000))) throw new Error(`redis at ${url} is not reachable`);
  return redis;
}
