import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createLambdaRuntime, heapLimits, pipelineDepth } from './pool.ts';
import type { FunctionConfig } from '../model/function.ts';
import type { InvokeResult, LambdaRuntime } from './types.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/functions/', import.meta.url));

type Payload = Record<string, unknown>;
type Failure = Extract<InvokeResult, { ok: false }>;

/** A FunctionConfig for a fixture file (or an absolute path), with test-friendly defaults. */
function fn(name: string, file: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  const exportName = overrides.exportName ?? 'handler';
  const modulePath = file.startsWith('/') ? file : join(FIXTURES, file);
  return {
    name,
    handler: `${basename(file, extname(file))}.${exportName}`,
    modulePath,
    exportName,
    timeout: 3,
    memorySize: 128,
    environment: {},
    reservedConcurrency: 10,
    maxQueue: 10,
    region: 'us-east-1',
    accountId: '123456789012',
    ...overrides,
  };
}

/** A runtime closed after the test, and the parsed log lines it wrote. */
function setup(t: TestContext, ...functions: FunctionConfig[]): { runtime: LambdaRuntime; logs: Payload[] } {
  return setupWith(t, {}, ...functions);
}

function setupWith(t: TestContext, options: { idleWorkerMs?: number }, ...functions: FunctionConfig[]): { runtime: LambdaRuntime; logs: Payload[] } {
  const logs: Payload[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Payload) });
  const runtime = createLambdaRuntime({ functions: Object.fromEntries(functions.map((f) => [f.name, f])), logger, ...options });
  t.after(() => runtime.close());
  return { runtime, logs };
}

function call(runtime: LambdaRuntime, name: string, event: unknown, signal?: AbortSignal): Promise<InvokeResult> {
  return runtime.invoke(name, event, signal === undefined ? { awsRequestId: randomUUID() } : { awsRequestId: randomUUID(), signal });
}

function ok(result: InvokeResult): Payload {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.payload as Payload;
}

function failed(result: InvokeResult, kind: Failure['kind']): Failure {
  assert.ok(!result.ok, `expected ${kind}, got ${JSON.stringify(result)}`);
  assert.equal(result.kind, kind, JSON.stringify(result));
  return result;
}

test('async ESM handler: result, context fields, warm reuse', async (t) => {
  const { runtime } = setup(t, fn('hello', 'async.mjs', { memorySize: 256, timeout: 5 }));
  assert.equal(runtime.has('hello'), true);
  assert.equal(runtime.has('nope'), false);
  const awsRequestId = randomUUID();
  const first = ok(await runtime.invoke('hello', { a: [1, 'x'] }, { awsRequestId }));
  assert.deepEqual(first.event, { a: [1, 'x'] });
  assert.equal(first.count, 1);
  const context = first.context as Payload;
  assert.equal(context.awsRequestId, awsRequestId);
  assert.equal(context.functionName, 'hello');
  assert.equal(context.functionVersion, '$LATEST');
  assert.equal(context.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:hello');
  assert.equal(context.memoryLimitInMB, '256');
  assert.equal(context.logGroupName, '/aws/lambda/hello');
  assert.match(String(context.logStreamName), /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  assert.equal(context.callbackWaitsForEmptyEventLoop, true);
  const [before, after] = first.remaining as [number, number];
  assert.ok(before <= 5000 && before > 0, `remaining ${before}`);
  assert.ok(after < before, `remaining time decreases: ${before} then ${after}`);

  const second = ok(await call(runtime, 'hello', null));
  assert.equal(second.count, 2, 'module state survives: the worker is warm');
  assert.equal(second.threadId, first.threadId);
  assert.equal(second.event, null);
});

test('callback-style CommonJS handlers', async (t) => {
  const { runtime } = setup(
    t,
    fn('cb', 'callback.cjs'),
    fn('succeed', 'callback.cjs', { exportName: 'succeedLater' }),
    fn('sync', 'callback.cjs', { exportName: 'syncReturn' }),
    fn('cbError', 'callback.cjs', { exportName: 'callbackError' }),
    fn('fail', 'callback.cjs', { exportName: 'failString' }),
    fn('noWait', 'callback.cjs', { exportName: 'noWait' }),
  );
  assert.deepEqual(ok(await call(runtime, 'cb', { x: 1 })), { style: 'callback', echo: { x: 1 } });
  assert.deepEqual(ok(await call(runtime, 'succeed', {})), { style: 'succeed' });
  assert.deepEqual(await call(runtime, 'sync', {}), { ok: true, payload: null });
  const cbError = failed(await call(runtime, 'cbError', {}), 'handler-error');
  assert.equal(cbError.errorType, 'TypeError');
  assert.equal(cbError.errorMessage, 'bad input');
  assert.match(cbError.trace[0] ?? '', /^TypeError: bad input/);
  const fail = failed(await call(runtime, 'fail', {}), 'handler-error');
  assert.deepEqual([fail.errorType, fail.errorMessage, fail.trace], ['string', 'nope', []]);
  assert.deepEqual(ok(await call(runtime, 'noWait', {})), { waits: false });
});

test('CommonJS and ESM .js modules, by the nearest package.json', async (t) => {
  const { runtime } = setup(t, fn('cjs', 'commonjs.js'), fn('esm', 'esm/handler.js'));
  const cjs = ok(await call(runtime, 'cjs', {}));
  assert.equal(cjs.format, 'commonjs');
  assert.equal(cjs.hasRequire, true);
  assert.deepEqual(ok(await call(runtime, 'esm', 'hi')), { format: 'esm', url: true, echo: 'hi' });
});

test('environment: the function own variables and Lambda reserved ones, isolated per function', async (t) => {
  const keys = ['GREETING', 'ONLY_B', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
    'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_LOG_GROUP_NAME', 'LAMBDA_TASK_ROOT', 'TZ', 'AWS_LAMBDA_LOG_STREAM_NAME'];
  const { runtime } = setup(
    t,
    fn('a', 'async.mjs', { environment: { GREETING: 'hello from a', AWS_REGION: 'eu-west-1' }, region: 'eu-central-1' }),
    fn('b', 'async.mjs', { environment: { GREETING: 'hello from b', ONLY_B: 'yes' } }),
  );
  const a = ok(await call(runtime, 'a', { envKeys: keys }));
  const b = ok(await call(runtime, 'b', { envKeys: keys }));
  const envA = a.env as Payload;
  const envB = b.env as Payload;
  assert.equal(envA.GREETING, 'hello from a');
  assert.equal(envA.ONLY_B, null, "a doesn't see b's variables");
  assert.equal(envA.AWS_LAMBDA_FUNCTION_NAME, 'a');
  assert.equal(envA.AWS_REGION, 'eu-central-1', 'reserved variables win over the function own');
  assert.equal(envA.AWS_DEFAULT_REGION, 'eu-central-1');
  assert.equal(envA.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '128');
  assert.equal(envA.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
  assert.equal(envA.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
  assert.equal(envA.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/a');
  assert.equal(envA.AWS_LAMBDA_LOG_STREAM_NAME, (a.context as Payload).logStreamName);
  assert.equal(envA.LAMBDA_TASK_ROOT, FIXTURES.replace(/\/$/, ''));
  assert.equal(envA.TZ, ':UTC');
  assert.equal(envB.GREETING, 'hello from b');
  assert.equal(envB.ONLY_B, 'yes');
  assert.equal(envB.AWS_LAMBDA_FUNCTION_NAME, 'b');
  assert.equal(envB.AWS_REGION, 'us-east-1');
  assert.equal(process.env.GREETING, undefined, "the host's environment is untouched");
});

test('function errors are serialized as Lambda does and logged with their stack', async (t) => {
  const { runtime, logs } = setup(t, fn('b', 'behaviours.mjs'));
  const awsRequestId = randomUUID();
  const thrown = failed(await runtime.invoke('b', { action: 'throw' }, { awsRequestId }), 'handler-error');
  assert.equal(thrown.errorType, 'RangeError');
  assert.equal(thrown.errorMessage, 'out of range');
  assert.equal(thrown.trace[0], 'RangeError: out of range');
  assert.ok(thrown.trace.some((line) => line.includes('behaviours.mjs')), thrown.trace.join('\n'));
  const logged = logs.find((line) => line.awsRequestId === awsRequestId && line.level === 50);
  assert.ok(logged, 'the error is logged at error level');
  assert.equal(logged.fn, 'b');
  assert.match(String(logged.stack), /RangeError: out of range\n/);

  const str = failed(await call(runtime, 'b', { action: 'throwString' }), 'handler-error');
  assert.deepEqual([str.errorType, str.errorMessage, str.trace], ['string', 'plain string', []]);
  const circular = failed(await call(runtime, 'b', { action: 'circular' }), 'handler-error');
  assert.equal(circular.errorMessage, 'Unable to stringify response body');
  assert.deepEqual(await call(runtime, 'b', { action: 'undefined' }), { ok: true, payload: null });
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).count, 5, 'errors keep the worker warm');
});

test('function timeout: Sandbox.Timedout, the worker is replaced', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { timeout: 1 }));
  const first = ok(await call(runtime, 'b', { action: 'count' }));
  const awsRequestId = randomUUID();
  const timedOut = failed(await runtime.invoke('b', { action: 'hang' }, { awsRequestId }), 'function-timeout');
  assert.equal(timedOut.errorType, 'Sandbox.Timedout');
  assert.equal(timedOut.errorMessage, `RequestId: ${awsRequestId} Error: Task timed out after 1.00 seconds`);
  const next = ok(await call(runtime, 'b', { action: 'count' }));
  assert.equal(next.count, 1, 'a fresh worker: module state starts over');
  assert.notEqual(next.threadId, first.threadId);
});

test('process.exit in a handler: worker-crash, the next invocation gets a fresh worker', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs'));
  ok(await call(runtime, 'b', { action: 'count' }));
  const awsRequestId = randomUUID();
  const crash = failed(await runtime.invoke('b', { action: 'exit' }, { awsRequestId }), 'worker-crash');
  assert.equal(crash.errorType, 'Runtime.ExitError');
  assert.equal(crash.errorMessage, `RequestId: ${awsRequestId} Error: Runtime exited with error: exit status 1`);
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).count, 1);
});

test('a result over 6 MB is Lambda\'s Function.ResponseSizeTooLarge; exactly 6 MB passes', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { memorySize: 256 }));
  const tooBig = failed(await call(runtime, 'b', { action: 'big', size: 6 * 1024 * 1024 + 1 }), 'handler-error');
  assert.equal(tooBig.errorType, 'Function.ResponseSizeTooLarge');
  assert.match(tooBig.errorMessage, /Response payload size exceeded maximum allowed payload size \(6291456 bytes\)/);
  const fits = ok(await call(runtime, 'b', { action: 'big', size: 6 * 1024 * 1024 })) as unknown as string;
  assert.equal(fits.length, 6 * 1024 * 1024 - 2);
});

test('heap limit (memorySize): worker-crash, the next invocation works', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { memorySize: 64, timeout: 30 }));
  const awsRequestId = randomUUID();
  const crash = failed(await runtime.invoke('b', { action: 'oom' }, { awsRequestId }), 'worker-crash');
  assert.equal(crash.errorType, 'Runtime.ExitError');
  assert.equal(crash.errorMessage, `RequestId: ${awsRequestId} Error: Runtime exited with error: signal: killed`);
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).count, 1);
});

test('an uncaught exception during an invocation is its error; the worker is replaced', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs'));
  const uncaught = failed(await call(runtime, 'b', { action: 'uncaught' }), 'handler-error');
  assert.equal(uncaught.errorType, 'Error');
  assert.equal(uncaught.errorMessage, 'thrown from a timer');
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).count, 1);
  const unhandled = failed(await call(runtime, 'b', { action: 'unhandled' }), 'handler-error');
  assert.equal(unhandled.errorType, 'Runtime.UnhandledPromiseRejection');
  assert.equal(unhandled.errorMessage, 'Error: nobody caught this');
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).count, 1);
});

test('reservedConcurrency bounds the running invocations; the rest queue', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 2 }));
  const results = await Promise.all([1, 2, 3, 4].map(() => call(runtime, 'b', { action: 'sleep', ms: 200 })));
  const runs = results.map((result) => ok(result) as { threadId: number; start: number; end: number });
  assert.ok(new Set(runs.map((run) => run.threadId)).size <= 2, 'at most two workers');
  for (const run of runs) {
    const running = runs.filter((other) => other.start <= run.start && run.start < other.end).length;
    assert.ok(running <= 2, `${running} invocations ran at once`);
  }
});

test('maxQueue: beyond the queue, TooManyRequestsException', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1, maxQueue: 1 }));
  const running = call(runtime, 'b', { action: 'sleep', ms: 100 });
  const queued = call(runtime, 'b', { action: 'sleep', ms: 1 });
  const throttled = failed(await call(runtime, 'b', { action: 'count' }), 'throttled');
  assert.equal(throttled.errorType, 'TooManyRequestsException');
  ok(await running);
  ok(await queued);
});

test('abort: a queued invocation leaves the queue; a running one stops being waited for', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1, maxQueue: 1 }));
  const running = call(runtime, 'b', { action: 'sleep', ms: 150 });
  const controller = new AbortController();
  const queued = call(runtime, 'b', { action: 'count' }, controller.signal);
  controller.abort();
  failed(await queued, 'aborted');
  const next = call(runtime, 'b', { action: 'count' }); // The queue slot is free again.
  ok(await running);
  assert.equal(ok(await next).count, 2, 'the aborted invocation never ran');

  const controller2 = new AbortController();
  const inFlight = call(runtime, 'b', { action: 'sleep', ms: 150 }, controller2.signal);
  const after = call(runtime, 'b', { action: 'count' });
  controller2.abort();
  failed(await inFlight, 'aborted');
  assert.equal(ok(await after).count, 4, 'the worker finished the aborted invocation first');
  failed(await call(runtime, 'b', { action: 'count' }, AbortSignal.abort()), 'aborted');
});

test('reservedConcurrency 0 throttles every invocation', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 0 }));
  failed(await call(runtime, 'b', { action: 'count' }), 'throttled');
});

test('init errors: missing module, missing export, syntax error, unknown function', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-lambda-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'broken.mjs'), 'export const handler = async () => {;\n');
  const { runtime, logs } = setup(
    t,
    fn('missingModule', join(dir, 'nope.mjs')),
    fn('missingExport', 'async.mjs', { exportName: 'nope' }),
    fn('broken', join(dir, 'broken.mjs')),
  );
  const missingModule = failed(await call(runtime, 'missingModule', {}), 'init-error');
  assert.equal(missingModule.errorType, 'Runtime.ImportModuleError');
  assert.match(missingModule.errorMessage, /Cannot find module/);
  for (let i = 0; i < 2; i++) {
    const missingExport = failed(await call(runtime, 'missingExport', {}), 'init-error');
    assert.equal(missingExport.errorType, 'Runtime.HandlerNotFound');
    assert.equal(missingExport.errorMessage, 'async.nope is undefined or not exported');
  }
  assert.equal(failed(await call(runtime, 'broken', {}), 'init-error').errorType, 'Runtime.UserCodeSyntaxError');
  assert.equal(failed(await call(runtime, 'unknown', {}), 'init-error').errorType, 'ResourceNotFoundException');
  assert.ok(logs.some((line) => line.fn === 'missingExport' && line.level === 50 && line.errorType === 'Runtime.HandlerNotFound'));
});

test('console output is logged with the function name and request id', async (t) => {
  const { runtime, logs } = setup(t, fn('b', 'behaviours.mjs'));
  const awsRequestId = randomUUID();
  assert.equal(ok(await runtime.invoke('b', { action: 'log' }, { awsRequestId })) as unknown, 'logged');
  const lines = logs.filter((line) => line.awsRequestId === awsRequestId).map((line) => [line.fn, line.consoleLevel, line.msg]);
  assert.deepEqual(lines, [
    ['b', 'INFO', 'hello world number 42'],
    ['b', 'WARN', '{ a: 1 }'],
    ['b', 'ERROR', 'logged error'],
    ['b', 'DEBUG', 'debug line'],
  ]);
});

test('close: waiting invocations resolve, later ones are refused', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1 }));
  const running = call(runtime, 'b', { action: 'hang' });
  const queued = call(runtime, 'b', { action: 'count' });
  await runtime.close();
  failed(await running, 'aborted');
  failed(await queued, 'aborted');
  failed(await call(runtime, 'b', { action: 'count' }), 'aborted');
});

interface Stamp {
  readonly threadId: number;
  readonly start: number;
  readonly end: number;
}

/** Sequential calls, so the pool knows the function is fast (its moving average settles). */
async function warm(runtime: LambdaRuntime, name: string, n = 30): Promise<void> {
  for (let i = 0; i < n; i++) ok(await call(runtime, name, { action: 'count' }));
}

test('pipelineDepth: one at a time for slow or unknown functions, a bounded queue for fast ones', () => {
  assert.equal(pipelineDepth(Number.NaN), 1);
  assert.equal(pipelineDepth(50), 1);
  assert.equal(pipelineDepth(5.1), 1);
  assert.equal(pipelineDepth(5), 2);
  assert.equal(pipelineDepth(1), 10);
  assert.equal(pipelineDepth(0.2), 50);
  assert.equal(pipelineDepth(0.1), 64);
  assert.equal(pipelineDepth(0), 64);
});

test('heapLimits: the Lambda Node.js runtime sizes (old space 90 %, semi-space 5 % of memory)', () => {
  assert.deepEqual(heapLimits(128), { maxOldGenerationSizeMb: 115, maxYoungGenerationSizeMb: 18 });
  assert.deepEqual(heapLimits(1024), { maxOldGenerationSizeMb: 921, maxYoungGenerationSizeMb: 153 });
  assert.deepEqual(heapLimits(32), { maxOldGenerationSizeMb: 28, maxYoungGenerationSizeMb: 3 });
});

test('a fast function under a burst: few workers, each still running one invocation at a time', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 10, maxQueue: 1000 }));
  await warm(runtime, 'b');
  const runs = (await Promise.all(Array.from({ length: 300 }, () => call(runtime, 'b', { action: 'stamp' })))).map((r) => ok(r) as unknown as Stamp);
  const threads = new Set(runs.map((run) => run.threadId));
  assert.ok(threads.size < 10, `300 fast invocations used ${threads.size} of 10 workers`);
  assert.ok(runtime.workers('b') < 10);
  for (const thread of threads) {
    const mine = runs.filter((run) => run.threadId === thread).sort((a, b) => a.start - b.start);
    for (let i = 1; i < mine.length; i++) {
      assert.ok((mine[i] as Stamp).start >= (mine[i - 1] as Stamp).end, `thread ${thread}: two invocations overlapped`);
    }
  }
});

test('invocations sent ahead behind one that times out run on a fresh worker; they never ran on the old one', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1, timeout: 1 }));
  await warm(runtime, 'b');
  const hung = call(runtime, 'b', { action: 'hang' });
  const behind = [1, 2, 3].map(() => call(runtime, 'b', { action: 'count' }));
  failed(await hung, 'function-timeout');
  const counts = (await Promise.all(behind)).map((r) => ok(r).count);
  // A fresh module: its counter starts again, so none of them ran on the worker that hung.
  assert.deepEqual(counts, [1, 2, 3]);
});

test('invocations sent ahead behind one that crashes the worker run on a fresh worker', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1 }));
  await warm(runtime, 'b');
  const crashed = call(runtime, 'b', { action: 'exit' });
  const uncaught = call(runtime, 'b', { action: 'uncaught' });
  const behind = [1, 2].map(() => call(runtime, 'b', { action: 'count' }));
  failed(await crashed, 'worker-crash');
  // The next one in line ran on the replacement and brought it down too (exit 129).
  assert.equal(failed(await uncaught, 'handler-error').errorMessage, 'thrown from a timer');
  assert.deepEqual((await Promise.all(behind)).map((r) => ok(r).count), [1, 2]);
});

test('an invocation sent ahead gets its whole timeout, counted from its own start', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 1 }));
  await warm(runtime, 'b');
  const first = call(runtime, 'b', { action: 'sleep', ms: 400 });
  const second = call(runtime, 'b', { action: 'remaining' });
  const slept = ok(await first) as unknown as Stamp;
  const { remaining, threadId } = ok(await second) as { remaining: number; threadId: number };
  assert.equal(threadId, slept.threadId, 'it waited on the same worker');
  assert.ok(remaining > 2800, `remaining ${remaining} ms of 3000 after waiting 400 ms in line`);
});

test('a cold function gets no second worker until its first answer or 100 ms', async (t) => {
  const { runtime } = setup(t, fn('b', 'behaviours.mjs', { reservedConcurrency: 4 }));
  const calls = [1, 2].map(() => call(runtime, 'b', { action: 'sleep', ms: 300 }));
  // Without the hold, the second call would have started its own worker right away.
  assert.equal(runtime.workers('b'), 1, 'one worker while the first invocation has not answered');
  const runs = (await Promise.all(calls)).map((r) => ok(r) as unknown as Stamp);
  assert.notEqual(runs[0]?.threadId, runs[1]?.threadId, 'a slow function then gets a worker per invocation');
  assert.equal(runtime.workers('b'), 2);
});

test('idle workers beyond the first are stopped; the most recently used stays warm', async (t) => {
  const { runtime } = setupWith(t, { idleWorkerMs: 200 }, fn('b', 'behaviours.mjs', { reservedConcurrency: 3 }));
  await Promise.all([1, 2, 3].map(() => call(runtime, 'b', { action: 'sleep', ms: 250 })));
  assert.equal(runtime.workers('b'), 3);
  const last = ok(await call(runtime, 'b', { action: 'count' }));
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(runtime.workers('b'), 1);
  assert.equal(ok(await call(runtime, 'b', { action: 'count' })).threadId, last.threadId, 'the warm one answers');
});
