/**
 * `npm run bench [-- --quick]`: load scenarios against baselines measured in the same run,
 * with wrk (1 thread, 50 connections) on 127.0.0.1. Servers are child processes started here
 * and stopped by PID; every load run is bounded by wrk's duration. Figures are ratios to the
 * bare backend, since this 2-core machine shares its cores with the load generator.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const DURATION = quick ? 3 : 10;
const WARMUP = quick ? 1 : 2;

interface Result {
  readonly scenario: string;
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  readonly rssMb: number;
  readonly baseline?: string;
}

function ensureWrk(): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  if (process.getuid?.() === 0) {
    process.stdout.write('wrk missing: installing it with apt-get\n');
    spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** Starts a server and resolves its port from the first stdout line matching `re`. */
function start(cmd: string, args: string[], re: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} did not start`)), 15_000);
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        // From here on the server's output (access logs) is drained unparsed, so the harness
        // doesn't spend the cores it measures.
        rl.close();
        // close() paused the stream; a full pipe would block the server's log writes.
        child.stdout?.on('data', () => {});
        child.stdout?.resume();
        resolve({ child, port: Number(m[1]) });
      }
    });
  });
}

function rssKb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
}

const rssMb = (pid: number | undefined): number => Math.round(rssKb(pid) / 1024);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function wrk(url: string, seconds: number): { rps: number; p50: string; p99: string } {
  const out = spawnSync('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', url], { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const pct = (p: string): string => new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  if (non2xx) process.stdout.write(`  warning: ${non2xx} non-2xx responses from ${url}\n`);
  return { rps, p50: pct('50'), p99: pct('99') };
}

function measure(scenario: string, url: string, pid: number | undefined, baseline?: string): Result {
  wrk(url, WARMUP);
  const r = wrk(url, DURATION);
  const result = { scenario, ...r, rssMb: rssMb(pid), ...(baseline ? { baseline } : {}) };
  process.stdout.write(`  ${scenario}: ${Math.round(r.rps)} req/s, p50 ${r.p50}, p99 ${r.p99}, RSS ${result.rssMb} MB\n`);
  return result;
}

async function main(): Promise<void> {
  if (!ensureWrk()) {
    process.stdout.write('skipped: wrk is not installed and could not be installed (apt-get install wrk)\n');
    return;
  }
  const children: ChildProcess[] = [];
  const stopAll = (): void => {
    for (const c of children.splice(0)) {
      try {
        if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', stopAll);
  const results: Result[] = [];
  const idle: string[] = [];
  try {
    const backend = await start(process.execPath, ['bench/backend.mjs'], /^listening (\d+)$/);
    children.push(backend.child);
    results.push(measure('bare Node backend', `http://127.0.0.1:${backend.port}/`, backend.child.pid));

    const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
    cpSync(join(ROOT, 'bench/project'), dir, { recursive: true });
    const yaml = join(dir, 'portico.yaml');
    const wsPort = await freePort();
    const restPort = await freePort();
    writeFileSync(
      yaml,
      readFileSync(yaml, 'utf8').replaceAll('BACKEND_PORT', String(backend.port)).replace('WS_PORT', String(wsPort)).replace('REST_PORT', String(restPort)),
    );
    const portico = await start(process.execPath, ['bin/portico.js', 'serve', dir, '--port', '0'], /^bench HTTP \$default http:\/\/127\.0\.0\.1:(\d+)\//);
    children.push(portico.child);
    const base = `http://127.0.0.1:${portico.port}`;
    results.push(measure('portico HTTP API, HTTP_PROXY route', `${base}/proxy`, portico.child.pid, 'bare Node backend'));
    results.push(measure('portico HTTP API, Lambda route (2.0)', `${base}/lambda`, portico.child.pid, 'bare Node backend'));
    // REST: the same two kinds of hop, then a non-proxy Lambda route with request and response templates.
    const rest = `http://127.0.0.1:${restPort}/prod`;
    results.push(measure('portico REST API, HTTP_PROXY route', `${rest}/proxy`, portico.child.pid, 'portico HTTP API, HTTP_PROXY route'));
    results.push(measure('portico REST API, Lambda proxy route', `${rest}/lambda`, portico.child.pid, 'portico HTTP API, Lambda route (2.0)'));
    results.push(measure('portico REST API, non-proxy Lambda + VTL templates', `${rest}/templated/42`, portico.child.pid, 'portico HTTP API, Lambda route (2.0)'));

    // WebSocket: round trips with 100 senders over 1,000 connections, then RSS per idle connection.
    const echo = await start(process.execPath, ['bench/ws-echo.mjs'], /^listening (\d+)$/);
    children.push(echo.child);
    const wsBare = `ws://127.0.0.1:${echo.port}/`;
    const wsPortico = `ws://127.0.0.1:${wsPort}/bench`;
    results.push(wsMeasure('bare ws echo server (round trips)', wsBare, echo.child.pid));
    results.push(wsMeasure('portico WebSocket, $default Lambda echo (round trips)', wsPortico, portico.child.pid, 'bare ws echo server (round trips)'));
    idle.push(await idleRss('bare ws echo server', wsBare, echo.child.pid), await idleRss('portico WebSocket API', wsPortico, portico.child.pid));
  } finally {
    stopAll();
  }
  report(results, idle);
}

const WS_CONNECTIONS = quick ? 200 : 1000;
const WS_SENDERS = quick ? 50 : 100;
const IDLE = quick ? 1000 : 5000;

/** Round trips per second from bench/ws-load.mjs (its own process, like wrk). */
function wsMeasure(scenario: string, url: string, pid: number | undefined, baseline?: string): Result {
  spawnSync(process.execPath, ['bench/ws-load.mjs', url, 'load', '50', '20', String(WARMUP)], { cwd: ROOT });
  const out = spawnSync(process.execPath, ['bench/ws-load.mjs', url, 'load', String(WS_CONNECTIONS), String(WS_SENDERS), String(DURATION)], { cwd: ROOT, encoding: 'utf8', timeout: (DURATION + 60) * 1000 }).stdout;
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rps?: number; p50?: string; p99?: string };
  const result = { scenario, rps: r.rps ?? NaN, p50: r.p50 ?? '?', p99: r.p99 ?? '?', rssMb: rssMb(pid), ...(baseline ? { baseline } : {}) };
  process.stdout.write(`  ${scenario}: ${Math.round(result.rps)} round trips/s, p50 ${result.p50}, p99 ${result.p99}\n`);
  return result;
}

/** RSS growth of the server per idle connection, with IDLE connections held by a client process. */
async function idleRss(name: string, url: string, pid: number | undefined): Promise<string> {
  const before = rssKb(pid);
  const client = spawn(process.execPath, ['bench/ws-load.mjs', url, 'idle', String(IDLE)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: ${IDLE} connections did not open`)), 120_000);
    createInterface({ input: client.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      if (l.startsWith('open ')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssKb(pid);
  client.stdin?.end();
  await new Promise((r) => client.once('exit', r));
  const line = `${name}: ${IDLE} idle connections, server RSS +${Math.round((after - before) / 1024)} MB = ${((after - before) / IDLE).toFixed(1)} KiB per connection`;
  process.stdout.write(`  ${line}\n`);
  return line;
}

function report(results: readonly Result[], idle: readonly string[]): void {
  const by = new Map(results.map((r) => [r.scenario, r]));
  const lines = [
    `# portico benchmark${quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; wrk -t1 -c50 -d${DURATION}s after a ${WARMUP}s warm-up, on 127.0.0.1; ${new Date().toISOString()}.`,
    '',
    '| scenario | req/s (WebSocket: round trips/s) | p50 | p99 | server RSS | ratio to baseline |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const base = r.baseline ? by.get(r.baseline) : undefined;
      const ratio = base ? `${(r.rps / base.rps).toFixed(2)}× ${r.baseline}` : 'baseline';
      return `| ${r.scenario} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.rssMb} MB | ${ratio} |`;
    }),
    '',
    `WebSocket round trips: ${WS_SENDERS} senders over ${WS_CONNECTIONS} connections. Idle connections:`,
    '',
    ...idle.map((l) => `- ${l}`),
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write('\n' + text);
  writeFileSync(join(ROOT, 'bench/results/latest.md'), text);
}

await main();
