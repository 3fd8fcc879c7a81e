/**
 * `node --import tsx bench/scale-out-only.ts [--quick]`: only the scale-out rows of the
 * benchmark (memory vs Redis vs three nodes), for a quicker look than `npm run bench`.
 */
import { removeTempDirs, stopAll, stopAllWait } from './lib/proc.ts';
import { startPortico } from './lib/portico.ts';
import { scaleOutRows } from './lib/scale-out.ts';

process.on('exit', stopAll);
try {
  // The keyed MOCK route never calls the backend: any port will do.
  const rows = await scaleOutRows((args) => startPortico(9, args));
  for (const r of rows) process.stdout.write(`${r.scenario}\t${Math.round(r.rps)} req/s\tp50 ${r.p50}\tp99 ${r.p99}\tRSS ${r.rssMb} MB\n`);
} finally {
  await stopAllWait();
  removeTempDirs();
}
