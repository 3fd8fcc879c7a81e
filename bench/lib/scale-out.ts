/**
 * The scale-out rows (issue 6): the same keyed REST route (API key + usage plan throttle +
 * quota, MOCK integration, so state dominates the cost) served by one node with in-memory
 * state, one node on Redis, and three nodes on one Redis. All three go through the same nginx
 * round-robin front, so they differ only in where state lives and how many nodes share it.
 * On a 2-core machine, three nodes, Redis, nginx and wrk share two cores: the third row shows
 * the cost of coordination, not added capacity.
 */
import { spawnSync } from 'node:child_process';
import { launch, freePort, stopWait, tempDir, waitPort, type Server } from './proc.ts';
import { measure, skipped, type Result } from './load.ts';
import { ensureNginx, startNginx } from './baselines.ts';
import { S } from './report.ts';

/** The header the keyed routes need (bench/project/portico.yaml). */
export const API_KEY = { 'x-api-key': 'bench-key-0123456789abcdef' } as const;

const hasRedis = (): boolean => spawnSync('redis-server', ['--version']).error === undefined;

/** A throwaway redis-server on a free port, no persistence. */
async function startRedisServer(): Promise<Server> {
  const port = await freePort();
  const dir = tempDir('portico-bench-redis-');
  const child = launch('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  child.stdout?.resume();
  child.stderr?.resume();
  await waitPort(port, child);
  return { child, port };
}

/** Starts a portico node on the bench project; returns its REST API's base URL. */
export type StartNode = (extraArgs: readonly string[]) => Promise<{ server: Server; rest: string }>;

const ROWS = [S.scaleMemory, S.scaleRedis, S.scaleThree] as const;

export async function scaleOutRows(startNode: StartNode): Promise<Result[]> {
  if (!hasRedis()) return ROWS.map((r) => skipped(r, 'redis-server is not installed (apt-get install redis-server)'));
  const nginxMissing = await ensureNginx();
  if (nginxMissing) return ROWS.map((r) => skipped(r, nginxMissing));
  const redis = await startRedisServer();
  const url = `redis://127.0.0.1:${redis.port}`;
  const results: Result[] = [];
  try {
    const cases: readonly { row: string; nodes: number; args: readonly string[] }[] = [
      { row: S.scaleMemory, nodes: 1, args: [] },
      { row: S.scaleRedis, nodes: 1, args: ['--redis', url] },
      { row: S.scaleThree, nodes: 3, args: ['--redis', url] },
    ];
    for (const c of cases) {
      const nodes = await Promise.all(Array.from({ length: c.nodes }, () => startNode(c.args)));
      const ports = nodes.map((n) => Number(new URL(n.rest).port));
      const front = await startNginx(ports);
      // RSS: the first node's (per node); req/s: the whole cluster through the front.
      const r = await measure(c.row, { url: `http://127.0.0.1:${front.port}/prod/mock`, headers: API_KEY }, nodes[0]?.server.child.pid, ...(c.row === S.scaleMemory ? [] : [S.scaleMemory]));
      results.push(r);
      await stopWait(front.child);
      await Promise.all(nodes.map((n) => stopWait(n.server.child)));
    }
  } finally {
    await stopWait(redis.child);
  }
  return results;
}
