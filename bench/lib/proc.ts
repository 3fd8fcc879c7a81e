/**
 * Processes for the benchmark: every server is a child started here, registered, and stopped by
 * its own PID (or, for those started `detached`, by its own process group), never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../..', import.meta.url).pathname;

export interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

const running = new Set<ChildProcess>();
const groupLeaders = new WeakSet<ChildProcess>();

/** Stops one child we started: its process group when it was spawned detached, else its PID. */
export function stop(child: ChildProcess): void {
  running.delete(child);
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(groupLeaders.has(child) ? -child.pid : child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export function stopAll(): void {
  for (const c of [...running]) stop(c);
}

/** stop(), then waits up to 3 s for the exit; what is left (of the group) then gets SIGKILL. */
export async function stopWait(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  const group = groupLeaders.has(child);
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  stop(child);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
  clearTimeout(timer);
  // A PID is not reused while it names a live process group, so -pid is still ours.
  if (pid === undefined || (!group && (child.exitCode !== null || child.signalCode !== null))) return;
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Gone, as expected.
  }
}

export async function stopAllWait(): Promise<void> {
  await Promise.all([...running].map(stopWait));
}

interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Own process group, stopped as a whole (for servers that spawn children of their own). */
  readonly group?: boolean;
}

export function launch(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.group === true });
  running.add(child);
  if (opts.group) groupLeaders.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Starts a server and resolves once a line of its stdout or stderr matches `re`; the port is
 * `re`'s first group, else `port`. Output is then drained unparsed (a full pipe would block the
 * server's log writes, and parsing would spend the cores being measured).
 */
export function start(cmd: string, args: readonly string[], re: RegExp, opts: SpawnOptions & { port?: number; timeoutMs?: number } = {}): Promise<Server> {
  const child = launch(cmd, args, opts);
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      stop(child);
      reject(new Error(`${why}${tail.length ? `; last output: ${tail.join(' | ')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`${cmd} did not start within ${(opts.timeoutMs ?? 15_000) / 1000}s`), opts.timeoutMs ?? 15_000);
    const onExit = (code: number | null): void => fail(`${cmd} exited (${code}) before it was ready`);
    child.once('exit', onExit);
    child.once('error', (err) => fail(`${cmd}: ${err.message}`));
    const readers = [child.stdout, child.stderr].map((s) => createInterface({ input: s as NodeJS.ReadableStream }));
    for (const rl of readers) {
      rl.on('line', (line) => {
        tail.push(line.trim());
        if (tail.length > 3) tail.shift();
        const m = re.exec(line);
        if (!m) return;
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        for (const r of readers) r.close();
        for (const s of [child.stdout, child.stderr]) s?.on('data', () => {}).resume();
        resolve({ child, port: m[1] !== undefined ? Number(m[1]) : (opts.port ?? NaN) });
      });
    }
  });
}

/** Resolves once 127.0.0.1:port accepts a connection (for servers that print nothing). */
export async function waitPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port} after ${timeoutMs / 1000}s`);
}

/** Runs a command to completion, its whole process group killed after `timeoutMs`. */
export function runBounded(cmd: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ ok: boolean; why: string }> {
  const child = launch(cmd, args, { group: true, env });
  const tail: string[] = [];
  for (const s of [child.stdout, child.stderr]) createInterface({ input: s as NodeJS.ReadableStream }).on('line', (l) => (tail.push(l), tail.length > 5 && tail.shift()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => (stop(child), resolve({ ok: false, why: `timed out after ${timeoutMs / 1000}s` })), timeoutMs);
    child.once('error', (err) => (clearTimeout(timer), resolve({ ok: false, why: err.message })));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, why: code === 0 ? '' : `exit ${code}: ${tail.join(' | ').slice(-300)}` });
    });
  });
}

const temps: string[] = [];

/** A temp dir for a server's files, removed by removeTempDirs() once the servers are stopped. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** RSS in KiB of `pid` plus all its descendants (servers that fork workers or children). */
export function treeRssKb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the parenthesised command: state, ppid, ...
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Exited meanwhile.
    }
  }
  let total = 0;
  const todo = [pid];
  for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
    total += rssKb(p) || 0;
    todo.push(...(children.get(p) ?? []));
  }
  return total || NaN;
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
}
