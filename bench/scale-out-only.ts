/**
 * `node --import tsx bench/scale-out-only.ts [--quick]`: only the scale-out rows of the
 * benchmark (memory vs Redis vs three nodes), for a quicker look than `npm run bench`.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, removeTempDirs, ROOT, start, stopAll, stopAllWait, tempDir } from './lib/proc.ts';
import { scaleOutRows } from './lib/scale-out.ts';

async function node(args: readonly string[]): Promise<{ server: Awaited<ReturnType<typeof start>>; rest: string }> {
  const dir = tempDir('portico-bench-');
  cpSync(join(ROOT, 'bench/project'), dir, { recursive: true });
  const yaml = join(dir, 'portico.yaml');
  const [wsPort, restPort] = [await freePort(), await freePort()];
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replaceAll('BACKEND_PORT', '9').replace('WS_PORT', String(wsPort)).replace('REST_PORT', String(restPort)));
  const server = await start(process.execPath, ['bin/portico.js', 'serve', dir, '--port', '0', ...args], /^bench HTTP \$default http:\/\/127\.0\.0\.1:(\d+)\//);
  return { server, rest: `http://127.0.0.1:${restPort}/prod` };
}

process.on('exit', stopAll);
try {
  const rows = await scaleOutRows(node);
  for (const r of rows) process.stdout.write(`${r.scenario}\t${Math.round(r.rps)} req/s\tp50 ${r.p50}\tp99 ${r.p99}\tRSS ${r.rssMb} MB\n`);
} finally {
  await stopAllWait();
  removeTempDirs();
}
