/** Stable codes for mapping-template failures (style.md §6). */
export type VtlErrorCode = 'PORTICO_ERR_VTL_SYNTAX' | 'PORTICO_ERR_VTL_RUNTIME' | 'PORTICO_ERR_VTL_LIMIT';

/** Options for {@link VtlError}. */
export interface VtlErrorOptions {
  readonly cause?: unknown;
  /** 1-based line of a syntax error. */
  readonly line?: number;
  /** 1-based column of a syntax error. */
  readonly column?: number;
}

/**
 * A mapping template that cannot be parsed (SYNTAX, at load), failed while rendering (RUNTIME:
 * a body that is not JSON for `$input.json`, a Java exception such as `substring` out of range,
 * an override set twice) or went past a limit (LIMIT: 300 KB template, macro depth, output size).
 * The REST pipeline answers RUNTIME and LIMIT like AWS answers a failed transformation: 500.
 */
export class VtlError extends Error {
  readonly code: VtlErrorCode;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: VtlErrorCode, message: string, options: VtlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VtlError';
    this.code = code;
    this.line = options.line;
    this.column = options.column;
  }
}
