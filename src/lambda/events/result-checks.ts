/**
 * Checks shared by the Lambda result parsers (HTTP API 1.0/2.0 in http-response.ts, REST proxy
 * in rest-response.ts): each passes its own `fail`, which says which parser refused what.
 */
import { decodeBase64Strict } from '../../util/base64.ts';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for error messages (`null`, `a list`, `"text…"`, `number 3`). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

/**
 * `body`: a string or null/absent (anything else — an object the function forgot to stringify —
 * is malformed); base64-decoded when `decode` says so. An empty body is null.
 */
export function readResultBody(value: unknown, decode: boolean, fail: (why: string) => never): Buffer | string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') fail(`body must be a string, got ${describe(value)}`);
  if (!decode) return value as string;
  const bytes = decodeBase64Strict(value as string);
  if (bytes === undefined) return fail('body is not valid base64 although isBase64Encoded is true');
  return bytes.length === 0 ? null : bytes;
}
