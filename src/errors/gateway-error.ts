import type { GatewayResponseType } from './gateway-responses.ts';

/**
 * Thrown (or set) by a phase to end a request with one of AWS's gateway responses.
 * The flavour's table turns the type into status and body when the response is written.
 */
export class GatewayError extends Error {
  readonly type: GatewayResponseType;
  /** Overrides the table's message (e.g. the list of missing parameters). */
  readonly messageOverride: string | undefined;
  /** Extra response headers (e.g. `www-authenticate`). */
  readonly headers: readonly (readonly [string, string])[];

  constructor(
    type: GatewayResponseType,
    options: { message?: string; cause?: unknown; headers?: readonly (readonly [string, string])[] } = {},
  ) {
    super(options.message ?? type, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.type = type;
    this.messageOverride = options.message;
    this.headers = options.headers ?? [];
  }
}
