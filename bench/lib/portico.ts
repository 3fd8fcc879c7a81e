/** portico itself as a benchmark server: bench/project in a temp dir, its ports filled in. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, start, tempDir, type Server } from './proc.ts';

/** A running `portico serve` of bench/project: its process, the REST stage URL and the WebSocket URL. */
export interface PorticoServer {
  readonly server: Server;
  readonly rest: string;
  readonly ws: string;
}

/**
 * Serves bench/project with its HTTP_PROXY routes pointed at `backendPort` (rows that never call
 * the backend may pass any port), plus `extraArgs` for `portico serve` (`--redis URL`).
 */
export async function startPortico(backendPort: number, extraArgs: readonly string[] = []): Promise<PorticoServer> {
  const dir = tempDir('portico-bench-');
  cpSync(join(ROOT, 'bench/project'), dir, { recursive: true });
  const yaml = join(dir, 'portico.yaml');
  const [wsPort, restPort] = [await freePort(), await freePort()];
  writeFileSync(
    yaml,
    readFileSync(yaml, 'utf8').replaceAll('BACKEND_PORT', String(backendPort)).replace('WS_PORT', String(wsPort)).replace('REST_PORT', String(restPort)),
  );
  const server = await start(process.execPath, ['bin/portico.js', 'serve', dir, '--port', '0', ...extraArgs], /^bench HTTP \$default http:\/\/127\.0\.0\.1:(\d+)\//);
  return { server, rest: `http://127.0.0.1:${restPort}/prod`, ws: `ws://127.0.0.1:${wsPort}/bench` };
}
