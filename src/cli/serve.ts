/**
 * `portico serve <dir-or-portico.yaml> [--port N] [--host H] [--watch] [--redis URL]`.
 * Prints one line per API and stage — `<name> <TYPE> <stage> <invoke URL>` — then
 * `portico: ready`. Those lines are a promise to scripts (docs/cli.md).
 */
import { watch, type FSWatcher } from 'node:fs';
import { pino } from 'pino';
import { loadProject } from '../config/load-project.ts';
import { Gateway } from '../server/gateway.ts';
import { capYoungGeneration, heapGrowingPercent, limitOldGenerationGrowth, releaseYoungGeneration, youngGenerationMb } from '../util/heap-tuning.ts';
import { printConfigProblem } from './format-errors.ts';

export interface ServeOptions {
  readonly port?: number;
  readonly host?: string;
  readonly watch?: boolean;
  /** Shared state (docs/scale-out.md); overrides the file's `state.redis`. */
  readonly redis?: string;
  /** The admin port (docs/observability.md); overrides the file's `admin.port`. */
  readonly adminPort?: number;
  /** Its listen address; overrides the file's `admin.host` (default 127.0.0.1). */
  readonly adminHost?: string;
  /** `--trusted-proxy` (repeatable): replaces the file's `trustedProxies` (docs/security.md). */
  readonly trustedProxies?: readonly string[];
}

export async function serveCommand(target: string, options: ServeOptions): Promise<void> {
  // The main thread's heap (util/heap-tuning.ts): bin/portico.js holds the young generation's
  // growth while modules load and the project compiles (bursts that would grow it for nothing);
  // from here it may grow to a small cap.
  const youngMb = youngGenerationMb();
  let project;
  try {
    project = loadProject(target);
  } catch (err) {
    if (printConfigProblem(err)) process.exit(1);
    throw err;
  }
  if (youngMb > 0) capYoungGeneration(youngMb);
  else releaseYoungGeneration();
  const growing = heapGrowingPercent();
  if (growing > 0) limitOldGenerationGrowth(growing);
  for (const w of project.warnings) process.stderr.write(`warning: ${w}\n`);
  // A reader of our stdout that goes away (`| head`, a dead supervisor) must not take the
  // gateway down: EPIPE on the printed lines is ignored, and pino's destination drops its
  // output on EPIPE by itself.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  // Logs go through process.stdout, which survives a vanished reader (EPIPE is ignored above),
  // with a bounded backlog for a slow one (boundedStdout). pino's own stdout destinations
  // failed here: the asynchronous one retried a broken pipe forever at exit, the synchronous
  // one overflowed the stack retrying EAGAIN on a full pipe.
  const destination = boundedStdout();
  const logger = pino({ base: null }, destination);
  const gateway = await Gateway.start(project, {
    logger,
    logDestination: destination,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.redis !== undefined ? { redis: options.redis } : {}),
    ...(options.trustedProxies !== undefined ? { trustedProxies: options.trustedProxies } : {}),
    ...adminOption(options, project.admin),
  }).catch((err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
  for (const e of gateway.endpoints) process.stdout.write(`${e.name} ${e.type} ${e.stage} ${e.url}\n`);
  // One more status line, only with an admin port (docs/cli.md).
  if (gateway.adminUrl !== undefined) process.stdout.write(`portico: admin ${gateway.adminUrl}\n`);
  process.stdout.write('portico: ready\n');

  let watcher: FSWatcher | undefined;
  if (options.watch) watcher = watchProject(project.dir, target, gateway);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // second signal: don't wait
    stopping = true;
    process.stdout.write(`portico: ${signal}, shutting down\n`);
    watcher?.close();
    const exit = (code: number): void => process.exit(code);
    gateway.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Reloads definitions and handlers on change, debounced; a broken edit keeps the last good project. */
function watchProject(dir: string, target: string, gateway: Gateway): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    let next;
    try {
      next = loadProject(target);
    } catch (err) {
      if (!printConfigProblem(err)) process.stderr.write(`error: ${(err as Error).message}\n`);
      process.stderr.write('portico: reload failed; still serving the previous definitions\n');
      return;
    }
    gateway.reload(next).then(
      () => process.stdout.write('portico: reloaded\n'),
      (err: Error) => process.stderr.write(`portico: reload failed: ${err.message}\n`),
    );
    process.stdout.write('portico: reloading\n');
  };
  return watch(dir, { recursive: true }, (_event, file) => {
    if (file && /(^|[/\\])(node_modules|\.git)([/\\]|$)/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 150);
  });
}

/** Log bytes allowed to wait for a slow stdout reader before lines are dropped (and counted). */
const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;

/** Log lines of one event-loop turn are written together once they reach this size, or at the turn's end. */
const LOG_BATCH_BYTES = 64 * 1024;

/**
 * stdout as a pino destination whose backlog is bounded: a reader that stops reading costs
 * at most MAX_PENDING_LOG_BYTES of memory, then lines are dropped and the count is logged
 * once the reader catches up — the gateway keeps serving either way. Lines written in one
 * event-loop turn (many requests finishing together under load) go out in one write, not
 * one system call each; `flush` writes what is pending (at exit).
 */
function boundedStdout(): { write(line: string): boolean; flush(): void } {
  let dropped = 0;
  let batch = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (batch === '') return;
    const out = batch;
    batch = '';
    if (process.stdout.writableLength > MAX_PENDING_LOG_BYTES) {
      dropped += countLines(out);
      return;
    }
    if (dropped > 0) {
      process.stdout.write(`${JSON.stringify({ level: 40, time: Date.now(), code: 'PORTICO_ERR_LOG_DROPPED', dropped, msg: `stdout was not read: ${dropped} log lines dropped` })}\n`);
      dropped = 0;
    }
    process.stdout.write(out);
  };
  process.once('exit', flush);
  return {
    write(line: string): boolean {
      batch += line;
      if (batch.length >= LOG_BATCH_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    flush,
  };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** `--admin-port` / `--admin-host` over the file's `admin:`; `{}` when neither names a port. */
function adminOption(options: ServeOptions, file: { readonly port: number; readonly host?: string } | undefined): { admin?: { port: number; host?: string } } {
  const port = options.adminPort ?? file?.port;
  if (port === undefined) {
    if (options.adminHost !== undefined) process.stderr.write('warning: --admin-host has no effect without --admin-port or admin.port in the project file\n');
    return {};
  }
  const host = options.adminHost ?? file?.host;
  return { admin: { port, ...(host !== undefined ? { host } : {}) } };
}
