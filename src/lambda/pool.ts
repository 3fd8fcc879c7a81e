/**
 * The local Lambda runtime: per function a pool of warm worker threads (worker.ts), each one
 * an execution environment running one invocation at a time. Workers start lazily, are reused
 * (most recently used first, so the warmest answers), and at most `reservedConcurrency` exist
 * per function; invocations beyond that wait in a FIFO queue of `maxQueue`, then are throttled.
 * The function timeout is kept here: a late worker is terminated and replaced.
 *
 * Fast functions are pipelined: when a function's recent invocations took 5 ms or less, a busy
 * worker is sent its next invocations ahead (it still runs them one at a time, in order), up to
 * the depth that keeps the expected wait behind it near PIPELINE_WAIT_MS, before another worker
 * is started. A worker that never sleeps between invocations is not woken
 * per message, which is most of what a round trip to a thread costs; and fewer workers means
 * less memory (docs/performance.md). Slow or unknown functions get one invocation per worker,
 * as Lambda gives one per execution environment. Extra workers idle for IDLE_REAP_MS are
 * stopped; the most recently used one per function stays warm.
 * See worker.ts for the message protocol.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { FunctionConfig } from '../model/function.ts';
import type { InvokeFailureKind, InvokeOptions, InvokeResult, LambdaRuntime } from './types.ts';
import type { InvokeMessage, WorkerConfig, WorkerMessage } from './worker.ts';
import { ENTRY, functionEnv, logStreamName } from './worker-env.ts';
import type { AbortLike } from '../util/abort.ts';
import { reapplyHeapTuning } from '../util/heap-tuning.ts';

/** What createLambdaRuntime needs. */
export interface LambdaRuntimeOptions {
  /** The configured functions, by name. */
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  /** Function output and failures are logged here, with `fn` and `awsRequestId`. */
  readonly logger: Logger;
  /** Portico's listening ports, read when a worker starts (see loopback-https.ts). */
  readonly loopbackPorts?: () => readonly number[];
  /** Workers beyond a function's first are stopped after this long idle (ms); default IDLE_REAP_MS. */
  readonly idleWorkerMs?: number;
}

// Lambda gives init up to 10 s outside the function timeout; a first invocation waits for both.
const INIT_GRACE_MS = 10_000;
/**
 * Pipelining keeps the expected wait behind a busy worker's queue near this (ms of handler
 * time). 10 rather than 5: one worker per function then serves the benchmark's 50 connections,
 * 136–139 MB instead of 155 MB with three functions warm, req/s within 5 % (docs/performance.md).
 */
const PIPELINE_WAIT_MS = 10;
/** At most this many invocations sent to one worker (the running one included). */
const MAX_DEPTH = 64;
/** How long a function's first invocation may hold back a second worker (see pick). */
const LEARN_MS = 100;
/** Workers beyond the first idle this long are stopped (AWS keeps idle environments for minutes). */
const IDLE_REAP_MS = 60_000;

interface Job {
  readonly id: number;
  readonly pool: FunctionPool;
  readonly requestId: string;
  readonly event: string;
  readonly signal: AbortLike | undefined;
  readonly resolve: (result: InvokeResult) => void;
  done: boolean;
  onAbort: (() => void) | undefined;
  /** Set once a worker has it; unset = queued in the pool. */
  slot: Slot | undefined;
}

/** One worker thread. 'gone' = terminated or exited: no longer counted or used. */
interface Slot {
  readonly worker: Worker;
  readonly pool: FunctionPool;
  state: 'starting' | 'ready' | 'gone';
  /** The invocations this worker has, in order; the first runs (or waits for init). Sent once ready. */
  readonly jobs: Job[];
  /** The first job's timeout (init grace included while starting). */
  timer: NodeJS.Timeout | undefined;
  /** The worker's 'error' event (uncaught error, out of memory), reported at 'exit'. */
  crash: Error | undefined;
  /** When it last became idle (Date.now()). */
  idleSince: number;
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
  /** Moving average of the handler's run time (ms); NaN until the first answer. */
  avgMs: number;
  /** Until then (epoch ms), a function that has not answered yet gets no second worker. */
  learnUntil: number;
  learnTimer: NodeJS.Timeout | undefined;
}

const failure = (kind: InvokeFailureKind, errorType: string, errorMessage: string): InvokeResult =>
  Object.freeze({ ok: false, kind, errorType, errorMessage, trace: Object.freeze([]) });

const THROTTLED = failure('throttled', 'TooManyRequestsException', 'Rate Exceeded.');
const ABORTED = failure('aborted', 'AbortError', 'The invocation was aborted before the function answered');
const CLOSED = failure('aborted', 'AbortError', 'The Lambda runtime was closed');

/**
 * A worker's V8 heap as the Lambda Node.js runtime sizes it from the function's memory:
 * `--max-old-space-size` 90 %, `--max-semi-space-size` 5 % (the young generation is three
 * semi-spaces). The young-generation cap also keeps a warm worker small: 17–28 MB of heap under
 * load instead of 44 MB with V8's default (docs/performance.md).
 */
export function heapLimits(memorySizeMb: number): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } {
  const semi = Math.max(1, Math.floor((memorySizeMb * 5) / 100));
  return { maxOldGenerationSizeMb: Math.floor((memorySizeMb * 90) / 100), maxYoungGenerationSizeMb: 3 * semi };
}

/**
 * How many invocations one worker may hold, for a function whose handler takes `avgMs`: 1 (one
 * at a time, as Lambda) unless it is fast enough that a queue behind the running one waits about
 * PIPELINE_WAIT_MS.
 */
export function pipelineDepth(avgMs: number): number {
  if (!(avgMs >= 0)) return 1; // Unknown yet: no pipelining.
  return Math.max(1, Math.min(MAX_DEPTH, Math.floor(PIPELINE_WAIT_MS / Math.max(avgMs, 0.01))));
}

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
      avgMs: NaN,
      learnUntil: 0,
      learnTimer: undefined,
    });
  }
  let lastJobId = 0;
  let closed = false;
  const idleWorkerMs = options.idleWorkerMs ?? IDLE_REAP_MS;
  const reaper = setInterval(reapIdle, idleWorkerMs / 4);
  reaper.unref();

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
      resourceLimits: heapLimits(config.memorySize),
      ...(ENTRY.execArgv === undefined ? {} : { execArgv: ENTRY.execArgv }),
    });
    // An idle worker must not keep the process alive; a running invocation's timer does.
    worker.unref();
    const slot: Slot = { worker, pool, state: 'starting', jobs: [], timer: undefined, crash: undefined, idleSince: 0 };
    worker.on('message', (message: WorkerMessage) => onMessage(slot, message));
    worker.on('error', (error) => {
      slot.crash = error;
    });
    worker.on('exit', (code) => onExit(slot, code));
    // Starting a thread resets V8's flags, the main thread's heap tuning among them.
    worker.once('online', reapplyHeapTuning);
    pool.slots.add(slot);
    return slot;
  }

  /** Gives a worker an invocation: sent at once if the worker is ready, else when it reports ready. */
  function assign(slot: Slot, job: Job): void {
    slot.jobs.push(job);
    job.slot = slot;
    if (slot.state === 'starting') {
      // A starting worker gets its invocations once ready (init is not billed to the timeout).
      if (slot.jobs.length === 1) slot.timer = setTimeout(onTimeout, INIT_GRACE_MS + slot.pool.timeoutMs, slot);
      return;
    }
    send(slot, job);
    if (slot.jobs.length === 1) slot.timer = setTimeout(onTimeout, slot.pool.timeoutMs, slot);
  }

  function send(slot: Slot, job: Job): void {
    const message: InvokeMessage = { id: job.id, requestId: job.requestId, event: job.event, timeoutMs: slot.pool.timeoutMs };
    slot.worker.postMessage(message);
  }

  /**
   * A worker for a new invocation, or undefined to queue it:
   * - a fast function's busiest worker that still has room (a busy worker needs no wake-up,
   *   and the others go idle and are reaped), else an idle worker (the most recently used),
   *   else a new worker under reservedConcurrency;
   * - while a function's first invocation has not answered (LEARN_MS at most), one worker:
   *   how fast it is decides between pipelining and more workers, so a burst of first requests
   *   does not start a worker each for a function that one worker serves.
   */
  function pick(pool: FunctionPool): Slot | undefined {
    const depth = pipelineDepth(pool.avgMs);
    if (depth > 1) {
      let best: Slot | undefined;
      for (const slot of pool.slots) {
        const n = slot.jobs.length;
        // A starting worker counts: its invocations wait for its init instead of each starting another.
        if (n > 0 && n < depth && (best === undefined || n > best.jobs.length)) best = slot;
      }
      if (best !== undefined) return best;
    }
    const idle = pool.idle.pop();
    if (idle !== undefined) return idle;
    if (pool.slots.size >= pool.config.reservedConcurrency) return undefined;
    if (Number.isNaN(pool.avgMs) && pool.slots.size > 0) {
      const wait = pool.learnUntil - Date.now();
      if (wait > 0) {
        pool.learnTimer ??= setTimeout(() => {
          pool.learnTimer = undefined;
          pump(pool);
        }, wait).unref();
        return undefined;
      }
    }
    if (pool.slots.size === 0 && Number.isNaN(pool.avgMs)) pool.learnUntil = Date.now() + LEARN_MS;
    return startSlot(pool);
  }

  /** A worker answered its oldest invocation: start the next one's clock, refill it from the queue, or park it. */
  function advance(slot: Slot): void {
    const { pool } = slot;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (closed) {
      void retire(slot);
      return;
    }
    if (slot.jobs.length > 0) slot.timer = setTimeout(onTimeout, pool.timeoutMs, slot);
    const depth = slot.jobs.length === 0 ? 1 : pipelineDepth(pool.avgMs);
    while (slot.jobs.length < depth) {
      const next = pool.queue.shift();
      if (next === undefined) break;
      assign(slot, next);
    }
    if (slot.jobs.length === 0) {
      slot.idleSince = Date.now();
      pool.idle.push(slot);
    }
    if (pool.queue.length > 0) pump(pool);
  }

  /** Takes a worker out of service and terminates it. Its jobs are the caller's to settle or requeue. */
  function retire(slot: Slot): Promise<unknown> {
    if (slot.state === 'gone') return Promise.resolve();
    const at = slot.pool.idle.indexOf(slot);
    if (at !== -1) slot.pool.idle.splice(at, 1);
    slot.state = 'gone';
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.pool.slots.delete(slot);
    return slot.worker.terminate();
  }

  /**
   * A worker is gone with its first invocation: the ones queued behind it never started (the
   * worker runs them in order), so they go back to the front of the pool's queue.
   */
  function requeueBehind(slot: Slot): Job | undefined {
    const [first, ...rest] = slot.jobs.splice(0);
    for (const job of rest) job.slot = undefined;
    slot.pool.queue.unshift(...rest.filter((job) => !job.done));
    return first;
  }

  /** Hands queued invocations to idle or fast workers, or to new ones while under the concurrency limit. */
  function pump(pool: FunctionPool): void {
    while (pool.queue.length > 0 && !closed) {
      const slot = pick(pool);
      const job = slot === undefined ? undefined : pool.queue.shift();
      if (slot === undefined || job === undefined) return;
      assign(slot, job);
    }
  }

  /** Stops workers idle for idleWorkerMs, keeping each function's most recently used one. */
  function reapIdle(): void {
    const before = Date.now() - idleWorkerMs;
    for (const pool of pools.values()) {
      // idle[] is oldest first; the last one stays warm.
      while (pool.idle.length > 1 && (pool.idle[0] as Slot).idleSince < before) void retire(pool.idle[0] as Slot);
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
      slot.state = 'ready';
      clearTimeout(slot.timer);
      slot.timer = undefined;
      // Aborted while the worker started: don't run those.
      for (let i = slot.jobs.length - 1; i >= 0; i--) if ((slot.jobs[i] as Job).done) slot.jobs.splice(i, 1);
      for (const job of slot.jobs) send(slot, job);
      if (slot.jobs.length > 0) slot.timer = setTimeout(onTimeout, pool.timeoutMs, slot);
      else advance(slot);
      return;
    }
    const job = slot.jobs[0];
    if (job === undefined || job.id !== message.id) return; // Late answer after a timeout or close.
    slot.jobs.shift();
    pool.avgMs = Number.isNaN(pool.avgMs) ? message.ms : pool.avgMs * 0.8 + message.ms * 0.2;
    if (message.t === 'result') {
      advance(slot);
      settle(job, { ok: true, payload: JSON.parse(message.payload) as unknown });
      return;
    }
    const { errorType, errorMessage, trace } = message.error;
    if (message.kind === 'handler-error') {
      pool.log.error({ awsRequestId: job.requestId, errorType, errorMessage, stack: trace.join('\n') }, 'Invoke Error');
    }
    if (message.fatal) {
      slot.jobs.unshift(job);
      requeueBehind(slot);
      void retire(slot);
      pump(pool);
    } else {
      advance(slot);
    }
    settle(job, { ok: false, kind: message.kind, errorType, errorMessage, trace });
  }

  function onTimeout(slot: Slot): void {
    const { pool } = slot;
    const job = requeueBehind(slot);
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
    const job = requeueBehind(slot);
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
    // Queued: free the slot in the queue. Sent to a worker: stop waiting; the worker still runs it.
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
      // Reserved concurrency 0 throttles everything, as on Lambda.
      if (pool.config.reservedConcurrency < 1) return Promise.resolve(THROTTLED);
      const slot = pool.queue.length === 0 ? pick(pool) : undefined;
      if (slot === undefined && pool.queue.length >= pool.config.maxQueue) return Promise.resolve(THROTTLED);
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

    workers: (functionName: string): number => pools.get(functionName)?.slots.size ?? 0,

    async close(): Promise<void> {
      closed = true;
      clearInterval(reaper);
      for (const pool of pools.values()) clearTimeout(pool.learnTimer);
      const terminating: Promise<unknown>[] = [];
      for (const pool of pools.values()) {
        for (const job of pool.queue.splice(0)) settle(job, CLOSED);
        for (const slot of [...pool.slots]) {
          const jobs = slot.jobs.splice(0);
          terminating.push(retire(slot));
          for (const job of jobs) settle(job, CLOSED);
        }
      }
      await Promise.all(terminating);
    },
  };
}
