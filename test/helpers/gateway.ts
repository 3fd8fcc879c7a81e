/**
 * Starts a real gateway on 127.0.0.1 port 0 for e2e tests, from a project directory or
 * from files written to a temporary one. Logs are captured, not printed.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { loadProject } from '../../src/config/load-project.ts';
import { Gateway } from '../../src/server/gateway.ts';

export interface TestGateway {
  readonly gateway: Gateway;
  /** `http://127.0.0.1:{shared port}` */
  readonly base: string;
  /** Log lines (parsed JSON) written so far. */
  readonly logs: Record<string, unknown>[];
}

/** Writes `files` (path → content) into a fresh temp dir and returns it; removed after the test. */
export function writeProject(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-test-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Loads `dir` and starts a gateway on a free port; closed after the test. */
export async function startGateway(t: TestContext, dir: string, options: { port?: number; redis?: string } = {}): Promise<TestGateway> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ base: null }, sink);
  const gateway = await Gateway.start(loadProject(dir), { port: options.port ?? 0, logger, ...(options.redis !== undefined ? { redis: options.redis } : {}) });
  t.after(() => gateway.close(2000));
  return { gateway, base: `http://127.0.0.1:${gateway.port}`, logs };
}

/** A `portico.yaml` + handler files project in a temp dir, served. */
export async function serveFiles(t: TestContext, files: Record<string, string>): Promise<TestGateway> {
  return startGateway(t, writeProject(t, files));
}

/** A port free on 127.0.0.1 right now (for projects that name their own ports). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
