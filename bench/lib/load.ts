/**
 * Load generators: wrk (1 thread, 50 connections) for HTTP, bench/ws-load.mjs for WebSocket,
 * each a child process bounded in time, after a warm-up run. The server's RSS (its whole
 * process tree) is sampled every second during the measured run; the peak is reported.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { launch, ROOT, stop, treeRssKb } from './proc.ts';

export const quick = process.argv.includes('--quick');
export const DURATION = quick ? 3 : 10;
export const WARMUP = quick ? 1 : 2;
export const WS_CONNECTIONS = quick ? 200 : 1000;
export const WS_SENDERS = quick ? 50 : 100;
export const IDLE = quick ? 1000 : 5000;

export interface Result {
  readonly scenario: string;
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  /** Peak RSS of the server's process tree during the measured run. */
  readonly rssMb: number;
  /** Scenarios this one is compared with, the first one first. */
  readonly baselines?: readonly string[];
  readonly skipped?: string;
}

export function skipped(scenario: string, reason: string): Result {
  process.stdout.write(`  skipped ${scenario}: ${reason}\n`);
  return { scenario, rps: NaN, p50: '-', p99: '-', rssMb: NaN, skipped: reason };
}

/** Runs a load generator to completion (killed `seconds + 60` s in), sampling the server's RSS. */
async function load(cmd: string, args: readonly string[], seconds: number, pid: number | undefined): Promise<{ out: string; peakKb: number }> {
  const child = launch(cmd, args);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.resume();
  let peakKb = NaN;
  const sample = (): void => {
    const kb = treeRssKb(pid);
    if (!(kb <= peakKb)) peakKb = kb;
  };
  const sampler = setInterval(sample, 1000);
  const killer = setTimeout(() => stop(child), (seconds + 60) * 1000);
  await new Promise((r) => child.once('close', r));
  clearInterval(sampler);
  clearTimeout(killer);
  sample();
  return { out, peakKb };
}

/** A URL to load, with request headers (e.g. an API key). */
export interface Target {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

async function wrk(target: Target, seconds: number, pid: number | undefined): Promise<{ rps: number; p50: string; p99: string; peakKb: number }> {
  const url = target.url;
  const headers = Object.entries(target.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const { out, peakKb } = await load('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', ...headers, url], seconds, pid);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const pct = (p: string): string => new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  if (non2xx) process.stdout.write(`  warning: ${non2xx} non-2xx responses from ${url}\n`);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (errors) process.stdout.write(`  warning: socket errors from ${url}: ${errors}\n`);
  return { rps, p50: pct('50'), p99: pct('99'), peakKb };
}

const withBaselines = (baselines: readonly string[]): { baselines?: readonly string[] } => (baselines.length ? { baselines } : {});

export async function measure(scenario: string, url: string | Target, pid: number | undefined, ...baselines: string[]): Promise<Result> {
  const target = typeof url === 'string' ? { url } : url;
  await wrk(target, WARMUP, pid);
  const r = await wrk(target, DURATION, pid);
  const result: Result = { scenario, rps: r.rps, p50: r.p50, p99: r.p99, rssMb: Math.round(r.peakKb / 1024), ...withBaselines(baselines) };
  process.stdout.write(`  ${scenario}: ${Math.round(r.rps)} req/s, p50 ${r.p50}, p99 ${r.p99}, RSS ${result.rssMb} MB\n`);
  return result;
}

/** Round trips per second from bench/ws-load.mjs (its own process, like wrk). */
export async function wsMeasure(scenario: string, url: string, pid: number | undefined, ...baselines: string[]): Promise<Result> {
  await load(process.execPath, ['bench/ws-load.mjs', url, 'load', '50', '20', String(WARMUP)], WARMUP, pid);
  const { out, peakKb } = await load(process.execPath, ['bench/ws-load.mjs', url, 'load', String(WS_CONNECTIONS), String(WS_SENDERS), String(DURATION)], DURATION, pid);
  let r: { rps?: number; p50?: string; p99?: string } = {};
  try {
    r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as typeof r;
  } catch {
    process.stdout.write(`  warning: no result from ws-load against ${url}\n`);
  }
  const result: Result = { scenario, rps: r.rps ?? NaN, p50: r.p50 ?? '?', p99: r.p99 ?? '?', rssMb: Math.round(peakKb / 1024), ...withBaselines(baselines) };
  process.stdout.write(`  ${scenario}: ${Math.round(result.rps)} round trips/s, p50 ${result.p50}, p99 ${result.p99}, RSS ${result.rssMb} MB\n`);
  return result;
}

/** RSS growth of the server per idle connection, with IDLE connections held by a client process. */
export async function idleRss(name: string, url: string, pid: number | undefined): Promise<{ line: string; kibPerConnection: number }> {
  const before = treeRssKb(pid);
  const client = spawn(process.execPath, ['bench/ws-load.mjs', url, 'idle', String(IDLE)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: ${IDLE} connections did not open`)), 120_000);
      client.once('exit', () => (clearTimeout(timer), reject(new Error(`${name}: the idle client exited early`))));
      createInterface({ input: client.stdout as NodeJS.ReadableStream }).on('line', (l) => {
        if (l.startsWith('open ')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 1000));
    const after = treeRssKb(pid);
    const kibPerConnection = (after - before) / IDLE;
    const line = `${name}: ${IDLE} idle connections, server RSS +${Math.round((after - before) / 1024)} MB = ${kibPerConnection.toFixed(1)} KiB per connection`;
    process.stdout.write(`  ${line}\n`);
    return { line, kibPerConnection };
  } finally {
    const exited = client.exitCode !== null ? Promise.resolve() : new Promise((r) => client.once('exit', r));
    client.stdin?.end();
    const killer = setTimeout(() => client.exitCode === null && client.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
}
