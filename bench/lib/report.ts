/** The results table, the benchmark issue's targets checked against it, and latest.md. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DURATION, quick, WARMUP, WS_CONNECTIONS, WS_SENDERS, type Result } from './load.ts';
import { ROOT } from './proc.ts';

/** Scenario names, shared by run.ts (which measures them) and the targets below. */
export const S = {
  backend: 'bare Node backend',
  nginx: 'nginx reverse proxy (upstream keep-alive)',
  undici: 'minimal undici proxy',
  httpProxy: 'portico HTTP API, HTTP_PROXY route',
  restProxy: 'portico REST API, HTTP_PROXY route',
  lambdaServer: 'minimal Lambda server (2.0 event, in-process)',
  slsHttp: 'serverless-offline httpApi (worker mode)',
  httpLambda: 'portico HTTP API, Lambda route (2.0)',
  restLambda: 'portico REST API, Lambda proxy route',
  restTemplated: 'portico REST API, non-proxy Lambda + VTL templates',
  restKeyed: 'portico REST API, non-proxy Lambda + VTL templates + API key + usage plan',
  scaleMemory: 'scale-out: 1 node, in-memory state (keyed MOCK route, via nginx)',
  scaleRedis: 'scale-out: 1 node, Redis state (keyed MOCK route, via nginx)',
  scaleThree: 'scale-out: 3 nodes, one Redis (keyed MOCK route, via nginx)',
  wsBare: 'bare ws echo server (round trips)',
  slsWs: 'serverless-offline websocket (round trips)',
  wsPortico: 'portico WebSocket, $default Lambda echo (round trips)',
} as const;

export interface Idle {
  readonly line: string;
  readonly kibPerConnection: number;
}

const fmt = (x: number): string => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));

/** wrk's and ws-load's latencies ("850.00us", "3.20ms", "1.37s", "1.02m") in ms. */
function ms(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as const)[m[2] as 'us' | 'ms' | 's' | 'm'];
}

function targets(by: ReadonlyMap<string, Result>, idle: readonly Idle[]): string[] {
  const ok = (r: Result | undefined): r is Result => r !== undefined && r.skipped === undefined && Number.isFinite(r.rps);
  const ratio = (a: string, b: string): number => {
    const [x, y] = [by.get(a), by.get(b)];
    return ok(x) && ok(y) ? x.rps / y.rps : NaN;
  };
  const line = (text: string, met: boolean | undefined, measured: string): string =>
    `- ${text}: ${measured} — ${met === undefined ? 'undetermined in this run' : met ? 'met' : 'NOT met'}`;
  const atLeast = (text: string, a: string, b: string, min: number): string => {
    const r = ratio(a, b);
    return line(`${text} ≥ ${min}× ${b}`, Number.isNaN(r) ? undefined : r >= min, Number.isNaN(r) ? 'n/a' : `${fmt(r)}×`);
  };
  const proxy = (row: string): string => {
    const [x, y] = [by.get(row), by.get(S.undici)];
    const r = ratio(row, S.undici);
    const p99 = ok(x) && ok(y) ? ms(x.p99) / ms(y.p99) : NaN;
    const measured = Number.isNaN(r) ? 'n/a' : `${fmt(r)}× req/s, p99 ${fmt(p99)}×`;
    return line(`${row} ≥ 0.9× ${S.undici} req/s and p99 ≤ 1.2× its p99`, Number.isNaN(r) ? undefined : r >= 0.9 && p99 <= 1.2, measured);
  };
  const portico = idle.find((i) => i.line.startsWith('portico'));
  const lambdaRss = [S.httpLambda, S.restLambda, S.restTemplated].map((s) => by.get(s)).filter(ok).map((r) => r.rssMb);
  const peak = lambdaRss.length ? Math.max(...lambdaRss) : NaN;
  return [
    proxy(S.httpProxy),
    proxy(S.restProxy),
    atLeast(S.httpLambda, S.httpLambda, S.lambdaServer, 0.8),
    atLeast(S.httpLambda, S.httpLambda, S.slsHttp, 5),
    atLeast(S.restKeyed, S.restKeyed, S.httpLambda, 0.5),
    atLeast('portico WebSocket Lambda echo', S.wsPortico, S.wsBare, 0.5),
    atLeast('portico WebSocket Lambda echo', S.wsPortico, S.slsWs, 10),
    // RSS that fell while connections opened (GC) says nothing: not counted as met.
    line('portico ≤ 12 KiB RSS per idle WebSocket connection', portico && portico.kibPerConnection > 0 ? portico.kibPerConnection <= 12 : undefined, portico ? `${portico.kibPerConnection.toFixed(1)} KiB` : 'n/a'),
    line('portico RSS under the Lambda load ≤ 150 MB (peak over its HTTP and REST Lambda rows)', Number.isNaN(peak) ? undefined : peak <= 150, Number.isNaN(peak) ? 'n/a' : `${peak} MB`),
  ];
}

export function report(results: readonly Result[], idle: readonly Idle[]): void {
  const by = new Map(results.map((r) => [r.scenario, r]));
  const ratios = (r: Result): string => {
    if (r.skipped !== undefined) return `skipped: ${r.skipped}`;
    if (!r.baselines?.length) return 'baseline';
    const parts = r.baselines.map((b) => {
      const base = by.get(b);
      return base && base.skipped === undefined ? `${fmt(r.rps / base.rps)}× ${b}` : `(${b}: skipped)`;
    });
    return parts.join('; ');
  };
  const checks = targets(by, idle);
  const met = checks.filter((l) => l.endsWith('— met')).length;
  const lines = [
    `# portico benchmark${quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; wrk -t1 -c50 -d${DURATION}s after a ${WARMUP}s warm-up, on 127.0.0.1; ${new Date().toISOString()}.`,
    'Server RSS: peak of the server process and its descendants, sampled each second of the measured run.',
    '',
    '| scenario | req/s (WebSocket: round trips/s) | p50 | p99 | server RSS | ratio to baseline |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map((r) =>
      r.skipped !== undefined
        ? `| ${r.scenario} | - | - | - | - | ${ratios(r)} |`
        : `| ${r.scenario} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.rssMb} MB | ${ratios(r)} |`,
    ),
    '',
    `WebSocket round trips: ${WS_SENDERS} senders over ${WS_CONNECTIONS} connections. Idle connections, on freshly started servers:`,
    '',
    ...idle.map((i) => `- ${i.line}`),
    '',
    `Targets of the benchmark issue, in this run: ${met} of ${checks.length} met.`,
    '',
    ...checks,
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write('\n' + text);
  writeFileSync(join(ROOT, 'bench/results/latest.md'), text);
}
