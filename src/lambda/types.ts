/**
 * The contract between the pipeline and the Lambda runtime. Integrations only see this;
 * the worker pool behind it is in lambda/pool.ts.
 */
import type { AbortLike } from '../util/abort.ts';

/** Why an invocation failed. */
export type InvokeFailureKind =
  /** The handler threw, rejected or called back with an error (a Lambda "function error"). */
  | 'handler-error'
  /** The function's own `timeout` passed: "Task timed out after N seconds"; the worker was replaced. */
  | 'function-timeout'
  /** The worker died (process.exit, crash, heap limit); it was replaced. */
  | 'worker-crash'
  /** The function could not be loaded (missing file, no such export, syntax error). */
  | 'init-error'
  /** Concurrency and queue full (Lambda's TooManyRequestsException). */
  | 'throttled'
  /** The caller aborted (integration timeout) before the result came. */
  | 'aborted';

export type InvokeResult =
  | { readonly ok: true; /** The handler's result, JSON-round-tripped as Lambda does. `undefined` → null. */ readonly payload: unknown }
  | {
      readonly ok: false;
      readonly kind: InvokeFailureKind;
      /** Lambda's error shape: `{errorType, errorMessage, trace}`. */
      readonly errorType: string;
      readonly errorMessage: string;
      readonly trace: readonly string[];
    };

export interface InvokeOptions {
  /** The Lambda request id (`context.awsRequestId`). */
  readonly awsRequestId: string;
  /** Aborting stops waiting (and frees the queue slot); a running handler still runs to its own timeout. */
  readonly signal?: AbortLike;
}

/** Runs local functions by name. */
export interface LambdaRuntime {
  /** Invokes `functionName` with `event` (any JSON value). Never rejects: failures are results. */
  invoke(functionName: string, event: unknown, options: InvokeOptions): Promise<InvokeResult>;
  /** Whether a function of that name is configured. */
  has(functionName: string): boolean;
  /** How many worker threads the function has now (starting, busy or idle). */
  workers(functionName: string): number;
  /** Terminates every worker. */
  close(): Promise<void>;
}
