/**
 * The local Lambda runtime: per function a pool of warm worker threads (worker.ts), each one
 * an execution environment running one invocation at a time. Workers start lazily, are reused
 * (most recently used first, so the warmest answers), and at most `reservedConcurrency` exist
 * per function; invocations beyond that wait in a FIFO queue of `maxQueue`, then are throttled.
 * The function timeout is kept here: a late worker is terminated and replaced.
 * See worker.ts for the message protocol.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { FunctionConfig } from '../model/function.ts';
import type { InvokeFailureKind, InvokeOptions, InvokeResult, LambdaRuntime } from './types.ts';
import type { InvokeMessage, WorkerConfig, WorkerMessage } from './worker.ts';
import { ENTRY, functionEnv, logStreamName } from './worker-env.ts';
import type { AbortLike } from '../util/abort.ts';

/** What createLambdaRuntime needs. */
export interface LambdaRuntimeOptions {
  /** The configured functions, by name. */
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  /** Function output and failures are logged here, with `fn` and `awsRequestId`. */
  readonly logger: Logger;
  /** Portico's listening ports, read when a worker starts (see loopback-https.ts). */
  readonly loopbackPorts?: () => readonly number[];
}

// Lambda gives init up to 10 s outside the function timeout; a first invocation waits for both.
const INIT_GRACE_MS = 10_000;

interface Job {
  readonly id: number;
  readonly pool: FunctionPool;
  readonly requestId: string;
  readonly event: string;
  readonly signal: AbortLike | undefined;
  readonly resolve: (result: InvokeResult) => void;
  done: boolean;
  onAbort: (() => void) | undefined;
  /** Set once a worker has it; unset = queued. */
  slot: Slot | undefined;
}

/** One worker thread. 'gone' = terminated or exited: no longer counted or used. */
interface Slot {
  readonly worker: Worker;
  readonly pool: FunctionPool;
  state: 'starting' | 'idle' | 'busy' | 'gone';
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The worker's 'error' event (uncaught error, out of memory), reported at 'exit'. */
  crash: Error | undefined;
}

interface FunctionPool {
  readonly config: FunctionConfig;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Every live worker: what reservedConcurrency bounds. */
  readonly slots: Set<Slot>;
  /** Idle workers; the last is the most recently used. */
  readonly idle: Slot[];
  readonly queue: Job[];
}

const failure = (kind: InvokeFailureKind, errorType: string, errorMessage: string): InvokeResult =>
  Object.freeze({ ok: false, kind, errorType, errorMessage, trace: Object.freeze([]) });

const THROTTLED = failure('throttled', 'TooManyRequestsException', 'Rate Exceeded.');
const ABORTED = failure('aborted', 'AbortError', 'The invocation was aborted before the function answered');
const CLOSED = failure('aborted', 'AbortError', 'The Lambda runtime was closed');

/** Creates the runtime for the configured functions. Workers start on first use. */
export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const pools = new Map<string, FunctionPool>();
  for (const [name, config] of Object.entries(options.functions)) {
    pools.set(name, {
      config,
      log: options.logger.child({ fn: name }),
      env: functionEnv(config),
      timeoutMs: Math.round(config.timeout * 1000),
      slots: new Set(),
      idle: [],
      queue: [],
    });
  }
  let lastJobId = 0;
  let closed = false;

  function startSlot(pool: FunctionPool): Slot {
    const { config } = pool;
    const stream = logStreamName();
    const workerData: WorkerConfig = {
      modulePath: config.modulePath,
      exportName: config.exportName,
      handler: config.handler,
      functionName: config.name,
      functionArn: `arn:aws:lambda:${config.region}:${config.accountId}:function:${config.name}`,
      memoryLimitInMB: String(config.memorySize),
      logGroupName: `/aws/lambda/${config.name}`,
      logStreamName: stream,
      loopbackPorts: options.loopbackPorts?.() ?? [],
    };
    const worker = new Worker(ENTRY.url, {
      workerData,
      env: { ...pool.env, AWS_LAMBDA_LOG_STREAM_NAME: stream },
      resourceLimits: { maxOldGenerationSizeMb: config.memorySize },
      ...(ENTRY.execArgv === undefined ? {} : { execArgv: ENTRY.execArgv }),
    });
    // An idle worker must not keep the process alive; a running invocation's timer does.
    worker.unref();
    const slot: Slot = { worker, pool, state: 'starting', job: undefined, timer: undefined, crash: undefined };
    worker.on('message', (message: WorkerMessage) => onMessage(slot, message));
    worker.on('error', (error) => {
      slot.crash = error;
    });
    worker.on('exit', (code) => onExit(slot, code));
    pool.slots.add(slot);
    return slot;
  }

  function assign(slot: Slot, job: Job): void {
    slot.job = job;
    job.slot = slot;
    // A starting worker gets the invocation once it reports ready (init is not billed to the timeout).
    if (slot.state === 'starting') slot.timer = setTimeout(onTimeout, INIT_GRACE_MS + slot.pool.timeoutMs, slot);
    else send(slot, job);
  }

  function send(slot: Slot, job: Job): void {
    const { timeoutMs } = slot.pool;
    slot.state = 'busy';
    const message: InvokeMessage = { id: job.id, requestId: job.requestId, event: job.event, deadline: Date.now() + timeoutMs };
    slot.worker.postMessage(message);
    slot.timer = setTimeout(onTimeout, timeoutMs, slot);
  }

  /** A worker finished an invocation: give it the next queued one, park it, or retire it after close. */
  function release(slot: Slot): void {
    const { pool } = slot;
    if (closed) {
      void retire(slot);
      pump(pool);
      return;
    }
    const next = pool.queue.shift();
    if (next !== undefined) {
      assign(slot, next);
      return;
    }
    slot.state = 'idle';
    pool.idle.push(slot);
  }

  /** Takes a worker out of service and terminates it. */
  function retire(slot: Slot): Promise<unknown> {
    if (slot.state === 'gone') return Promise.resolve();
    if (slot.state === 'idle') slot.pool.idle.splice(slot.pool.idle.indexOf(slot), 1);
    slot.state = 'gone';
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.pool.slots.delete(slot);
    return slot.worker.terminate();
  }

  /** Hands queued invocations to idle workers, or to new ones while under the concurrency limit. */
  function pump(pool: FunctionPool): void {
    while (pool.queue.length > 0) {
      const slot = pool.idle.pop() ?? (pool.slots.size < pool.config.reservedConcurrency ? startSlot(pool) : undefined);
      const job = slot === undefined ? undefined : pool.queue.shift();
      if (slot === undefined || job === undefined) return;
      assign(slot, job);
    }
  }

  function settle(job: Job, result: InvokeResult): void {
    if (job.done) return;
    job.done = true;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    job.resolve(result);
  }

  function onMessage(slot: Slot, message: WorkerMessage): void {
    const { pool } = slot;
    if (message.t === 'log') {
      pool.log.info({ awsRequestId: message.requestId, consoleLevel: message.level }, message.text);
      return;
    }
    if (message.t === 'ready') {
      if (message.initError !== undefined) {
        const { errorType, errorMessage, trace } = message.initError;
        pool.log.error({ errorType, errorMessage, stack: trace.join('\n') }, 'Init Error');
      }
      if (slot.state !== 'starting') return;
      clearTimeout(slot.timer);
      slot.timer = undefined;
      const job = slot.job;
      // Aborted while the worker started: don't run it.
      if (job === undefined || job.done) {
        slot.job = undefined;
        release(slot);
      } else {
        send(slot, job);
      }
      return;
    }
    const job = slot.job;
    if (job === undefined || job.id !== message.id) return; // Late answer after a timeout or close.
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    if (message.t === 'result') {
      release(slot);
      settle(job, { ok: true, payload: JSON.parse(message.payload) as unknown });
      return;
    }
    const { errorType, errorMessage, trace } = message.error;
    if (message.kind === 'handler-error') {
      pool.log.error({ awsRequestId: job.requestId, errorType, errorMessage, stack: trace.join('\n') }, 'Invoke Error');
    }
    if (message.fatal) {
      void retire(slot);
      pump(pool);
    } else {
      release(slot);
    }
    settle(job, { ok: false, kind: message.kind, errorType, errorMessage, trace });
  }

  function onTimeout(slot: Slot): void {
    const { pool } = slot;
    const job = slot.job;
    slot.job = undefined;
    void retire(slot);
    if (job !== undefined) {
      // Lambda's modern form: {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after 3.00 seconds"}.
      const text = `Task timed out after ${pool.config.timeout.toFixed(2)} seconds`;
      pool.log.error({ awsRequestId: job.requestId }, text);
      settle(job, failure('function-timeout', 'Sandbox.Timedout', `RequestId: ${job.requestId} Error: ${text}`));
    }
    pump(pool);
  }

  /** A worker ended on its own: process.exit, out of memory, an uncaught error outside an invocation. */
  function onExit(slot: Slot, code: number): void {
    if (slot.state === 'gone') return; // We terminated it.
    const { pool } = slot;
    const job = slot.job;
    slot.job = undefined;
    void retire(slot);
    const oom = (slot.crash as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const reason =
      code === 0 && slot.crash === undefined
        ? 'Runtime exited without providing a reason'
        : `Runtime exited with error: ${oom ? 'signal: killed' : `exit status ${code}`}`;
    pool.log.error({ awsRequestId: job?.requestId, exitCode: code, err: slot.crash }, reason);
    if (job !== undefined) settle(job, failure('worker-crash', 'Runtime.ExitError', `RequestId: ${job.requestId} Error: ${reason}`));
    pump(pool);
  }

  function onAbort(job: Job): void {
    if (job.done) return;
    // Queued: free the slot in the queue. Running: stop waiting; the worker stays busy until it ends.
    if (job.slot === undefined) {
      const at = job.pool.queue.indexOf(job);
      if (at !== -1) job.pool.queue.splice(at, 1);
    }
    settle(job, ABORTED);
  }

  return {
    invoke(functionName: string, event: unknown, invokeOptions: InvokeOptions): Promise<InvokeResult> {
      const pool = pools.get(functionName);
      if (pool === undefined) return Promise.resolve(failure('init-error', 'ResourceNotFoundException', `Function not found: ${functionName}`));
      if (closed) return Promise.resolve(CLOSED);
      const { signal, awsRequestId } = invokeOptions;
      if (signal?.aborted === true) return Promise.resolve(ABORTED);
      let eventJson: string;
      try {
        eventJson = JSON.stringify(event) ?? 'null';
      } catch (error) {
        return Promise.resolve(failure('handler-error', 'InvalidRequestContentException', `Could not serialize the event: ${String(error)}`));
      }
      const slot = pool.idle.pop() ?? (pool.slots.size < pool.config.reservedConcurrency ? startSlot(pool) : undefined);
      // Reserved concurrency 0 throttles everything, as on Lambda.
      if (slot === undefined && (pool.queue.length >= pool.config.maxQueue || pool.config.reservedConcurrency < 1)) return Promise.resolve(THROTTLED);
      let resolve!: (result: InvokeResult) => void;
      const promise = new Promise<InvokeResult>((r) => {
        resolve = r;
      });
      const job: Job = { id: ++lastJobId, pool, requestId: awsRequestId, event: eventJson, signal, resolve, done: false, onAbort: undefined, slot: undefined };
      if (slot === undefined) pool.queue.push(job);
      else assign(slot, job);
      if (signal !== undefined) {
        job.onAbort = () => onAbort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      return promise;
    },

    has: (functionName: string): boolean => pools.has(functionName),

    async close(): Promise<void> {
      closed = true;
      const terminating: Promise<unknown>[] = [];
      for (const pool of pools.values()) {
        for (const job of pool.queue.splice(0)) settle(job, CLOSED);
        for (const slot of [...pool.slots]) {
          const job = slot.job;
          slot.job = undefined;
          terminating.push(retire(slot));
          if (job !== undefined) settle(job, CLOSED);
        }
      }
      await Promise.all(terminating);
    },
  };
}
