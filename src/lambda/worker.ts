/**
 * One Lambda execution environment: this file runs inside a `node:worker_threads` Worker
 * started by pool.ts, loads the function's module once and runs one invocation at a time,
 * emulating the Node.js Lambda runtime (aws-lambda-nodejs-runtime-interface-client).
 *
 * Protocol (pool.ts ⇄ worker), one message each way per invocation:
 *
 *   pool.ts                                          worker.ts
 *   new Worker(url, { workerData: WorkerConfig,
 *     env, resourceLimits })                  ──▶   init: import(modulePath), find the export
 *                                             ◀──   { t: 'ready', initError }   (once)
 *   InvokeMessage { id, requestId,
 *     event: JSON text, timeoutMs }           ──▶   queue it; run the handler when the one before has answered
 *                                             ◀──   { t: 'log', level, text, requestId }  (0..n: console.*)
 *                                             ◀──   { t: 'result', id, payload: JSON text, ms }
 *                                                or { t: 'error', id, kind, error, fatal, ms }
 *
 * The pool may send an invocation before the previous one has answered (pipelining, for fast
 * functions: pool.ts). The worker still runs one at a time, in order, as a Lambda execution
 * environment does: the next starts only after the previous has answered, and its deadline
 * (`getRemainingTimeInMillis`) counts from its own start. Queued invocations never start early,
 * so when a worker is replaced the ones it had not started are safe to run elsewhere.
 *
 * - Init error (missing file, missing export, syntax error, top-level throw): the worker stays
 *   up and answers every invocation with it (kind 'init-error') until the runtime is replaced
 *   (a --watch reload starts a new runtime with fresh workers).
 * - Timeout: only pool.ts keeps the clock; when the function timeout passes it terminates
 *   this worker (even a busy loop stops) and starts a fresh one for the next invocation.
 * - Crash: process.exit() or the heap limit (resourceLimits) ends the thread; pool.ts sees
 *   'exit' and reports a worker-crash. An uncaught exception or unhandled rejection during an
 *   invocation is reported as that invocation's error with `fatal: true`, then the worker exits
 *   (exit code 129 / 128, as the Lambda runtime does), so pool.ts discards it.
 * - Close: pool.ts terminates every worker; a --watch reload closes the old runtime once its
 *   last request has ended.
 *
 * Differences from Lambda, by necessity of running in a thread:
 * - `process.chdir()` is not available in workers (ERR_WORKER_UNSUPPORTED_OPERATION), so the
 *   working directory is portico's, not LAMBDA_TASK_ROOT; resolve files from `import.meta.url`
 *   / `__dirname` (which is also the robust way on Lambda).
 * - `TZ=:UTC` is in process.env, but the time zone is process-wide: it follows the host process.
 * - `context.callbackWaitsForEmptyEventLoop` can be set but has no effect: a callback result is
 *   returned immediately (the worker's event loop never empties, it is kept by the message port).
 *
 * Imports nothing from the pipeline: this file is loaded on its own in a fresh thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { format, types } from 'node:util';
import { installLoopbackHttps } from './loopback-https.ts';

/** What pool.ts hands a new worker (`workerData`). */
export interface WorkerConfig {
  /** Absolute path of the handler module (.js, .mjs or .cjs). */
  readonly modulePath: string;
  /** Export to call; dots reach nested properties, as Lambda allows (`index.a.b`). */
  readonly exportName: string;
  /** `file.export` as configured, for error messages. */
  readonly handler: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** As AWS reports it in the context: a string. */
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Portico's listening ports: `https://localhost:{port}` calls are sent there over HTTP (loopback-https.ts). */
  readonly loopbackPorts: readonly number[];
}

/** One invocation, pool.ts → worker. */
export interface InvokeMessage {
  /** Correlates the answer. */
  readonly id: number;
  readonly requestId: string;
  /** The event as JSON text: the handler gets a fresh parse, as on Lambda. */
  readonly event: string;
  /** The function timeout: the deadline (`getRemainingTimeInMillis`) is this long after the invocation starts. */
  readonly timeoutMs: number;
}

/** Lambda's error document. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** Console levels, as the Lambda runtime prints them. */
export type ConsoleLevel = 'INFO' | 'DEBUG' | 'WARN' | 'ERROR' | 'TRACE';

/** Worker → pool.ts messages. */
export type WorkerMessage =
  | { readonly t: 'ready'; readonly initError: LambdaError | undefined }
  | { readonly t: 'result'; readonly id: number; readonly payload: string; /** The handler's run time, ms. */ readonly ms: number }
  | {
      readonly t: 'error';
      readonly id: number;
      readonly kind: 'handler-error' | 'init-error';
      readonly error: LambdaError;
      /** The worker exits right after: don't reuse it. */
      readonly fatal: boolean;
      readonly ms: number;
    }
  | { readonly t: 'log'; readonly level: ConsoleLevel; readonly text: string; readonly requestId: string | undefined };

type Callback = (error?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: LambdaContext, callback: Callback) => unknown;

/** The `context` argument, with the fields the Node.js runtime provides. */
interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly identity: undefined;
  readonly clientContext: undefined;
  getRemainingTimeInMillis(): number;
  callbackWaitsForEmptyEventLoop: boolean;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
  done: Callback;
}

/** The invocation in progress; `settled` makes the first answer win, as the runtime does. */
interface Running {
  readonly id: number;
  /** performance.now() at its start. */
  readonly start: number;
  settled: boolean;
}

// How often to look for an empty event loop after a sync handler returned (see settleWhenIdle).
const IDLE_POLL_MS = 5;

const port = parentPort;
if (port === null) throw new Error('lambda/worker must run in a worker thread');
const config = workerData as WorkerConfig;
// Before the handler module loads, so the SDK it imports gets the wrapped https.
installLoopbackHttps(config.loopbackPorts);
const post = (message: WorkerMessage): void => port.postMessage(message);

let currentRequestId: string | undefined;
let running: Running | undefined;

/** Serializes a thrown value as the runtime does (Errors.js `toRapidResponse`). */
function toLambdaError(error: unknown): LambdaError {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: String(error.name), errorMessage: String(error.message), trace: String(error.stack).split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function isErrorLike(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string';
}

/** Maps a load failure to the runtime's init error types. */
function toInitError(error: unknown): LambdaError {
  const trace = types.isNativeError(error) && typeof error.stack === 'string' ? error.stack.split('\n') : [];
  if (error instanceof SyntaxError) return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: String(error), trace };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return { errorType: 'Runtime.ImportModuleError', errorMessage: String(error), trace };
  }
  return toLambdaError(error);
}

function resolveExport(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Imports the module (ESM or CJS: for CJS, named exports may only be on `default`); a failure is returned. */
async function loadHandler(): Promise<Handler | LambdaError> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(config.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    return toInitError(error);
  }
  const fn = resolveExport(namespace, config.exportName) ?? resolveExport(namespace.default, config.exportName);
  if (typeof fn === 'function') return fn as Handler;
  const problem = fn === undefined || fn === null ? 'is undefined or not exported' : 'is not a function';
  return { errorType: 'Runtime.HandlerNotFound', errorMessage: `${config.handler} ${problem}`, trace: [] };
}

/** Sends console output to pool.ts, tagged with the current request id (like the runtime's LogPatch). */
function patchConsole(): void {
  const to = (level: ConsoleLevel) => (...args: unknown[]): void => {
    post({ t: 'log', level, text: format(...args), requestId: currentRequestId });
  };
  console.log = to('INFO');
  console.info = to('INFO');
  console.warn = to('WARN');
  console.error = to('ERROR');
  console.debug = to('DEBUG');
  console.trace = to('TRACE');
}

/** Answers an invocation (the first answer wins), then starts the next queued one. */
function settle(run: Running, isError: boolean, value: unknown): void {
  if (run.settled) return;
  run.settled = true;
  post(answer(run, isError, value));
  // After the current call stack: a callback called synchronously inside the handler must not
  // start the next invocation before the handler has returned.
  queueMicrotask(next);
}

function answer(run: Running, isError: boolean, value: unknown): WorkerMessage {
  const ms = performance.now() - run.start;
  const error = (e: LambdaError): WorkerMessage => ({ t: 'error', id: run.id, kind: 'handler-error', error: e, fatal: false, ms });
  if (isError) return error(toLambdaError(value));
  let payload: string | undefined;
  try {
    // JSON round trip as Lambda: undefined (and functions, symbols) become null.
    payload = JSON.stringify(value === undefined ? null : value);
  } catch {
    return error(toLambdaError(new Error('Unable to stringify response body')));
  }
  // Lambda's synchronous response limit: a larger result is a function error there too.
  // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  if (payload !== undefined && payload.length * 3 > MAX_RESPONSE_BYTES && Buffer.byteLength(payload) > MAX_RESPONSE_BYTES) {
    return error({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, trace: [] });
  }
  return { t: 'result', id: run.id, payload: payload ?? 'null', ms };
}

/** 6 MB, Lambda's limit on a synchronous invocation's response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * A handler that neither returned a promise nor takes a callback answers null once the event
 * loop is empty (the runtime's beforeExit). The loop here never empties (the message port keeps
 * it), so "empty" means no active resource other than the port; meanwhile context.succeed/done
 * from a timer still wins.
 */
function settleWhenIdle(run: Running): void {
  if (run.settled) return;
  const busy = process.getActiveResourcesInfo().some((resource) => resource !== 'MessagePort');
  if (busy) setTimeout(settleWhenIdle, IDLE_POLL_MS, run).unref();
  else settle(run, false, null);
}

function makeContext(message: InvokeMessage, callback: Callback): LambdaContext {
  const deadline = Date.now() + message.timeoutMs;
  let waits = true;
  return {
    awsRequestId: message.requestId,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: config.memoryLimitInMB,
    logGroupName: config.logGroupName,
    logStreamName: config.logStreamName,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waits = value; // Kept for code that reads it back; see the header: no effect here.
    },
    succeed: (result?: unknown) => callback(null, result),
    // The runtime reports fail() without an error as the string 'handled'.
    fail: (error?: unknown) => callback(error === undefined || error === null ? 'handled' : error),
    done: callback,
  };
}

function invoke(message: InvokeMessage, handler: Handler): void {
  const run: Running = { id: message.id, start: performance.now(), settled: false };
  running = run;
  const callback: Callback = (error, result) => {
    if (error !== undefined && error !== null) settle(run, true, error);
    else settle(run, false, result);
  };
  const context = makeContext(message, callback);
  let returned: unknown;
  try {
    returned = handler(JSON.parse(message.event), context, callback);
  } catch (error) {
    settle(run, true, error);
    return;
  }
  if (isPromiseLike(returned)) {
    returned.then(
      (result) => settle(run, false, result),
      (error: unknown) => settle(run, true, error === undefined || error === null ? 'handled' : error),
    );
  } else if (handler.length < 3 && !run.settled) {
    setImmediate(settleWhenIdle, run);
  }
  // Callback style (arity >= 3): the callback or context.succeed/fail/done answers.
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Uncaught exception / unhandled rejection: the invocation's error, then exit (the runtime exits 129 / 128). */
function die(error: LambdaError, exitCode: number): void {
  const run = running;
  if (run !== undefined && !run.settled) {
    run.settled = true;
    post({ t: 'error', id: run.id, kind: 'handler-error', error, fatal: true, ms: performance.now() - run.start });
  } else {
    post({ t: 'log', level: 'ERROR', text: `Uncaught Exception\t${JSON.stringify(error)}`, requestId: currentRequestId });
  }
  process.exit(exitCode);
}

process.on('uncaughtException', (error) => die(toLambdaError(error), 129));
process.on('unhandledRejection', (reason) => {
  const trace = types.isNativeError(reason) && typeof reason.stack === 'string' ? reason.stack.split('\n') : [];
  die({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(reason), trace }, 128);
});

patchConsole();

// Warm start: the module is loaded once per worker; an init error answers every invocation.
const loaded = await loadHandler();

// Invocations sent ahead wait here (64 at most, pool.ts); `running` is unset or settled when none runs.
const waiting: InvokeMessage[] = [];

/** Starts the next waiting invocation unless one is running. */
function next(): void {
  if (running !== undefined && !running.settled) return;
  const message = waiting.shift();
  if (message === undefined) return;
  currentRequestId = message.requestId;
  if (typeof loaded === 'function') {
    invoke(message, loaded);
  } else {
    post({ t: 'error', id: message.id, kind: 'init-error', error: loaded, fatal: false, ms: 0 });
    queueMicrotask(next);
  }
}

port.on('message', (message: InvokeMessage) => {
  waiting.push(message);
  next();
});
post({ t: 'ready', initError: typeof loaded === 'function' ? undefined : loaded });
