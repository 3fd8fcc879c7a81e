/**
 * Turns a Lambda function's result into the HTTP API's response (payload 2.0 and 1.0).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
 *
 * A result AWS cannot use throws GatewayError INTEGRATION_FAILURE; HTTP APIs answer it with
 * 500 `{"message":"Internal Server Error"}` (spec §3.2). The error's message says why, for logs.
 */
import { GatewayError } from '../../errors/index.ts';
import { describe, isObject, readResultBody } from './result-checks.ts';
import type { GatewayResponse, HeaderPair } from '../../pipeline/types.ts';
import { HOP_BY_HOP, isFieldValue, TOKEN } from '../../util/http.ts';

/**
 * Response headers a function may not set: hop-by-hop ones (RFC 9110 §7.6.1) and
 * Content-Length. They describe the connection, which the server owns; it writes the real
 * length itself. Every `proxy-*` name is dropped too (see {@link isDroppedResponseHeader}).
 */
export const DROPPED_RESPONSE_HEADERS: readonly string[] = [...HOP_BY_HOP, 'content-length', 'proxy-authenticate', 'proxy-authorization'].sort();
const DROPPED = new Set(DROPPED_RESPONSE_HEADERS);

/** Whether a function's response header is dropped (case-insensitive). */
export function isDroppedResponseHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return DROPPED.has(lower) || lower.startsWith('proxy-');
}

/**
 * The Content-Type HTTP APIs add when a function that returns a `statusCode` sets none:
 * users report `text/plain` on such responses (not REST's `application/json`), e.g.
 * https://github.com/aws-powertools/powertools-lambda-python/issues/2464,
 * https://github.com/awslabs/aws-lambda-go-api-proxy/issues/116. Added only with a body.
 */
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * Parses a payload 2.0 result. Without `statusCode`, any JSON value is the body of a 200
 * `application/json` response (a string as is, `null` as an empty body, anything else as JSON
 * text); with it, the `{statusCode, headers, cookies, body, isBase64Encoded}` shape applies.
 */
export function parseHttpV2Result(payload: unknown): GatewayResponse {
  if (!isObject(payload) || !('statusCode' in payload)) {
    // "API Gateway makes the following assumptions if your Lambda function returns valid JSON
    // and doesn't return a statusCode": 200, application/json, body = the response.
    const body = payload === null ? null : typeof payload === 'string' ? payload : JSON.stringify(payload);
    return { statusCode: 200, headers: [['content-type', 'application/json']], body: body === '' ? null : body };
  }
  const statusCode = readStatusCode(payload.statusCode);
  const headers = readHeaders(payload.headers, 'headers');
  // "In the response to the client, each cookie becomes a set-cookie header."
  for (const cookie of readStringList(payload.cookies, 'cookies')) headers.push(checkedPair('set-cookie', cookie, 'cookies'));
  const body = readResultBody(payload.body, readBase64Flag(payload.isBase64Encoded), fail);
  return finish(statusCode, headers, body);
}

/**
 * Parses a payload 1.0 result on an HTTP API: `statusCode` is required, `multiValueHeaders`
 * values come before `headers` values of the same name, and unknown keys (including
 * `cookies`) are ignored rather than failing as on REST (spec §3.2).
 */
export function parseHttpV1Result(payload: unknown): GatewayResponse {
  if (!isObject(payload)) fail(`the result must be a JSON object, got ${describe(payload)}`);
  if (!('statusCode' in payload)) fail('the result has no statusCode (required with payload format 1.0)');
  const statusCode = readStatusCode(payload.statusCode);
  const body = readResultBody(payload.body, readBase64Flag(payload.isBase64Encoded), fail);
  return finish(statusCode, mergeV1Headers(payload.multiValueHeaders, payload.headers), body);
}

/** Both 1.0 header maps as pairs: multi-value first, a single value equal to one of them once. */
function mergeV1Headers(multiValueHeaders: unknown, headers: unknown): HeaderPair[] {
  if (multiValueHeaders !== undefined && multiValueHeaders !== null && !isObject(multiValueHeaders)) {
    fail(`multiValueHeaders must be an object, got ${describe(multiValueHeaders)}`);
  }
  const out: HeaderPair[] = [];
  const seen = new Set<string>();
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (values === null) continue;
    if (!Array.isArray(values)) fail(`multiValueHeaders["${name}"] must be a list, got ${describe(values)}`);
    for (const value of values as unknown[]) {
      const text = headerText(value, `multiValueHeaders["${name}"]`);
      if (text === undefined) continue;
      out.push(checkedPair(name, text, 'multiValueHeaders'));
      seen.add(`${name.toLowerCase()}\n${text}`);
    }
  }
  for (const [name, value] of readHeaders(headers, 'headers')) {
    if (!seen.has(`${name.toLowerCase()}\n${value}`)) out.push([name, value]);
  }
  return out;
}

/** Drops the framing headers and adds the default Content-Type when a body has none. */
function finish(statusCode: number, headers: HeaderPair[], body: Buffer | string | null): GatewayResponse {
  const kept = headers.filter(([name]) => !isDroppedResponseHeader(name));
  if (body !== null && !kept.some(([name]) => name.toLowerCase() === 'content-type')) kept.push(['content-type', DEFAULT_CONTENT_TYPE]);
  return { statusCode, headers: kept, body };
}

/**
 * An integer 200..599, or a string of one (`"201"`, accepted as REST accepts it, spec §3.1).
 * A 1xx is an interim response (RFC 9110 §15.2): sent as the answer it leaves the client
 * waiting for a final one that never comes, so it is as unusable as `600`.
 */
function readStatusCode(value: unknown): number {
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(code) || code < 200 || code > 599) fail(`statusCode must be an integer from 200 to 599, got ${describe(value)}`);
  return code;
}

/** `headers`: an object of string values (numbers and booleans are stringified, nulls skipped), or null/absent. */
function readHeaders(value: unknown, field: string): HeaderPair[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) fail(`${field} must be an object, got ${describe(value)}`);
  const out: HeaderPair[] = [];
  for (const [name, raw] of Object.entries(value)) {
    const text = headerText(raw, `${field}["${name}"]`);
    if (text !== undefined) out.push(checkedPair(name, text, field));
  }
  return out;
}

function headerText(value: unknown, where: string): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${where} must be a string, got ${describe(value)}`);
}

/** A token name and a field value (no CR, LF or other controls): Node would throw writing anything else. */
function checkedPair(name: string, value: string, field: string): HeaderPair {
  if (!TOKEN.test(name)) fail(`${field}: invalid header name ${JSON.stringify(name)}`);
  if (!isFieldValue(value)) fail(`${field}: header ${name} has an invalid value ${JSON.stringify(value)}`);
  return [name, value];
}

/** `cookies`: a list of strings, or null/absent. */
function readStringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${field} must be a list of strings, got ${describe(value)}`);
  for (const item of value as unknown[]) if (typeof item !== 'string') fail(`${field} must hold strings, got ${describe(item)}`);
  return value as string[];
}

/** `isBase64Encoded`: a boolean (or `"true"`/`"false"`, as SAM CLI found AWS accepts), or absent. */
function readBase64Flag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return fail(`isBase64Encoded must be a boolean, got ${describe(value)}`);
}

function fail(why: string): never {
  throw new GatewayError('INTEGRATION_FAILURE', { message: `malformed Lambda result: ${why}` });
}
