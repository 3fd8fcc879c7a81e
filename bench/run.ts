/**
 * `npm run bench [-- --quick]`: load scenarios against baselines measured in the same run,
 * with wrk (1 thread, 50 connections) on 127.0.0.1. Servers are child processes started here
 * and stopped by PID (or process group); every load run is bounded in time. Figures are ratios
 * to baselines, since this 2-core machine shares its cores with the load generator:
 * - a bare node:http backend, and nginx proxying to it with upstream keep-alive;
 * - bench/undici-proxy.mjs, the ceiling for a proxy hop in Node (portico's HTTP_PROXY rows);
 * - bench/lambda-server.mjs, the ceiling for a Lambda route in Node (the same handler, in-process);
 * - serverless-offline (bench/sls) for the Lambda route and WebSocket rows;
 * - the bare `ws` echo server for WebSocket round trips and idle connections;
 * - scale-out: the same keyed route with state in memory, in Redis, and on three nodes (lib/scale-out.ts).
 * A baseline whose dependency is missing is skipped, with one line saying why.
 */
import { ensureNginx, ensureServerlessOffline, ensureWrk, startNginx, startServerlessOffline } from './lib/baselines.ts';
import { idleRss, measure, quick, skipped, wsMeasure, type Result } from './lib/load.ts';
import { removeTempDirs, start, stopAll, stopAllWait, stopWait, type Server } from './lib/proc.ts';
import { report, S, type Idle } from './lib/report.ts';
import { API_KEY, scaleOutRows } from './lib/scale-out.ts';
import { startPortico } from './lib/portico.ts';

const node = (script: string, env: NodeJS.ProcessEnv = {}): Promise<Server> => start(process.execPath, [script], /^listening (\d+)$/, { env });
const url = (s: Server, path = '/'): string => `http://127.0.0.1:${s.port}${path}`;

/** Runs a baseline's scenarios; if its server cannot be had, they are skipped with the reason. */
async function baseline(scenarios: readonly string[], run: () => Promise<Result[]>): Promise<Result[]> {
  try {
    return await run();
  } catch (err) {
    return scenarios.map((s) => skipped(s, (err as Error).message));
  }
}

async function main(): Promise<void> {
  if (!(await ensureWrk())) {
    process.stdout.write('skipped: wrk is not installed and could not be installed (apt-get install wrk)\n');
    return;
  }
  const results: Result[] = [];
  const idle: Idle[] = [];
  try {
    const backend = await node('bench/backend.mjs');
    const bpid = backend.child.pid;
    results.push(await measure(S.backend, url(backend), bpid));

    // Proxy hops: nginx, then the minimal undici proxy, then portico's HTTP_PROXY routes.
    const nginxMissing = await ensureNginx();
    if (nginxMissing) results.push(skipped(S.nginx, nginxMissing));
    else results.push(...(await baseline([S.nginx], async () => {
      const nginx = await startNginx(backend.port);
      const r = await measure(S.nginx, url(nginx), nginx.child.pid, S.backend);
      await stopWait(nginx.child);
      return [r];
    })));
    results.push(...(await baseline([S.undici], async () => {
      const proxy = await node('bench/undici-proxy.mjs', { BACKEND: `http://127.0.0.1:${backend.port}` });
      const r = await measure(S.undici, url(proxy), proxy.child.pid, S.backend);
      await stopWait(proxy.child);
      return [r];
    })));
    const portico = await startPortico(backend.port);
    const ppid = portico.server.child.pid;
    results.push(await measure(S.httpProxy, url(portico.server, '/proxy'), ppid, S.undici, S.backend));
    results.push(await measure(S.restProxy, `${portico.rest}/proxy`, ppid, S.undici, S.httpProxy));

    // Lambda routes: the minimal in-process server, serverless-offline (HTTP and WebSocket), portico.
    results.push(...(await baseline([S.lambdaServer], async () => {
      const lambda = await node('bench/lambda-server.mjs');
      const r = await measure(S.lambdaServer, url(lambda, '/lambda'), lambda.child.pid, S.backend);
      await stopWait(lambda.child);
      return [r];
    })));
    const slsMissing = await ensureServerlessOffline(quick);
    if (slsMissing) results.push(skipped(S.slsHttp, slsMissing), skipped(S.slsWs, slsMissing));
    else results.push(...(await baseline([S.slsHttp, S.slsWs], async () => {
      const sls = await startServerlessOffline();
      const pid = sls.server.child.pid;
      const rows = [await measure(S.slsHttp, url(sls.server, '/lambda'), pid, S.lambdaServer), await wsMeasure(S.slsWs, `ws://127.0.0.1:${sls.wsPort}`, pid, S.wsBare)];
      await stopWait(sls.server.child);
      return rows;
    })));
    results.push(await measure(S.httpLambda, url(portico.server, '/lambda'), ppid, S.lambdaServer, S.slsHttp));
    results.push(await measure(S.restLambda, `${portico.rest}/lambda`, ppid, S.httpLambda));
    results.push(await measure(S.restTemplated, `${portico.rest}/templated/42`, ppid, S.httpLambda));
    results.push(await measure(S.restKeyed, { url: `${portico.rest}/keyed/42`, headers: API_KEY }, ppid, S.httpLambda, S.restTemplated));

    // WebSocket: round trips with WS_SENDERS senders over WS_CONNECTIONS connections, then RSS per idle connection.
    const echo = await node('bench/ws-echo.mjs');
    const wsBare = `ws://127.0.0.1:${echo.port}/`;
    results.push(await wsMeasure(S.wsBare, wsBare, echo.child.pid));
    results.push(await wsMeasure(S.wsPortico, portico.ws, ppid, S.wsBare, S.slsWs));
    // Idle connections on fresh processes: after the load, GC can shrink RSS under the new connections.
    await Promise.all([stopWait(echo.child), stopWait(portico.server.child)]);
    const [echo2, portico2] = [await node('bench/ws-echo.mjs'), await startPortico(backend.port)];
    idle.push(await idleRss('bare ws echo server', `ws://127.0.0.1:${echo2.port}/`, echo2.child.pid));
    idle.push(await idleRss('portico WebSocket API', portico2.ws, portico2.server.child.pid));
    await Promise.all([stopWait(echo2.child), stopWait(portico2.server.child)]);

    // Where state lives: memory, Redis, three nodes on one Redis (bench/lib/scale-out.ts).
    results.push(...(await scaleOutRows((args) => startPortico(backend.port, args))));
  } finally {
    await stopAllWait();
    removeTempDirs();
  }
  const order: readonly string[] = Object.values(S);
  report([...results].sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario)), idle);
}

process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
await main();
