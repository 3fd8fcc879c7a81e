/**
 * Gateway nodes as real processes for the scale-out tests: `portico serve` (src/main.ts through
 * tsx, so the source under test, not a possibly stale build) on a free port, with its stdout
 * lines (the endpoint listing, then pino JSON) collected. Killed after the test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** One `portico serve` process. */
export interface GatewayNode {
  readonly child: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:{port}`, the shared port. */
  readonly base: string;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** The JSON log records so far. */
  logs(): Record<string, unknown>[];
  /** stderr so far. */
  stderr(): string;
}

/**
 * Starts `portico serve <dir> --port 0 [...args]` and resolves once it printed `portico: ready`.
 */
export async function startNode(t: TestContext, dir: string, args: readonly string[] = []): Promise<GatewayNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'serve', dir, '--port', '0', ...args], { cwd: ROOT });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "portico: ready" within 20 s\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`portico serve exited with ${code}\nstderr:\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'portico: ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await ready;
  // The first listing line's URL: `<name> <TYPE> <stage> <url>`.
  const url = new URL(lines[0]?.split(' ')[3] ?? '');
  return {
    child,
    base: `http://${url.host}`,
    lines,
    logs: () => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr: () => stderr,
  };
}

/** True while the process runs. */
export const alive = (node: GatewayNode): boolean => node.child.exitCode === null && node.child.signalCode === null;
