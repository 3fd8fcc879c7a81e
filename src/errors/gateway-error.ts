import type { GatewayResponseType } from './gateway-responses.ts';

/** Options of a GatewayError; every field optional. */
export interface GatewayErrorOptions {
  /** Detail for logs (`err.message`); never sent to the client unless `bodyMessage` says so. */
  readonly message?: string;
  /**
   * The message the client sees in place of the type's default (`$context.error.message`), where
   * AWS puts detail in the body: `Missing required request parameters: [a, b]`.
   */
  readonly bodyMessage?: string;
  /** `$context.error.validationErrorString` (request validation detail, REST). */
  readonly validationErrorString?: string;
  /**
   * `x-amzn-ErrorType` in place of the type's, where AWS reports a finer exception than its
   * gateway response type (SigV4: IncompleteSignatureException, UnrecognizedClientException).
   */
  readonly errorType?: string;
  readonly cause?: unknown;
  /** Extra response headers (e.g. `www-authenticate`). */
  readonly headers?: readonly (readonly [string, string])[];
  /**
   * The status in place of the type's default, for answers AWS has no gateway response type
   * for (a state store failing closed: 503). A customised gateway response's status still wins.
   */
  readonly status?: number;
}

/**
 * Thrown (or set) by a phase to end a request with one of AWS's gateway responses.
 * The flavour's table turns the type into status and body when the response is written.
 */
export class GatewayError extends Error {
  readonly type: GatewayResponseType;
  /** Overrides the table's message (e.g. the list of missing parameters). Kept for callers of the first API. */
  readonly messageOverride: string | undefined;
  /** What the body says instead of the type's default message, if anything. */
  readonly bodyMessage: string | undefined;
  readonly validationErrorString: string | undefined;
  readonly errorType: string | undefined;
  /** Extra response headers (e.g. `www-authenticate`). */
  readonly headers: readonly (readonly [string, string])[];
  /** The status in place of the type's default, if any. */
  readonly status: number | undefined;

  constructor(type: GatewayResponseType, options: GatewayErrorOptions = {}) {
    // No stack: a gateway error is an expected answer (403, 404, 429...), and capturing the
    // stack cost 16 µs per refused request, making a flood of refusals dearer than successes.
    // A cause keeps its own stack.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(options.message ?? options.bodyMessage ?? type, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'GatewayError';
    this.type = type;
    this.messageOverride = options.message;
    this.bodyMessage = options.bodyMessage;
    this.validationErrorString = options.validationErrorString;
    this.errorType = options.errorType;
    this.headers = options.headers ?? [];
    this.status = options.status;
  }
}
