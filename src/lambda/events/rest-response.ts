/**
 * Turns a REST API's Lambda proxy (`AWS_PROXY`) result into the method response, checking it
 * as strictly as AWS does: a result AWS cannot use throws GatewayError INTEGRATION_FAILURE,
 * which REST answers with 502 `{"message": "Internal server error"}` (spec §3.1). The error's
 * message says what is malformed, for the log line AWS writes ("Malformed Lambda proxy response").
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
 *
 * Each rule below was recorded against AWS by LocalStack's
 * `test_aws_proxy_response_payload_format_validation` (test_apigateway_lambda.snapshot.json).
 */
import { GatewayError } from '../../errors/index.ts';
import { describe, isObject, readResultBody } from './result-checks.ts';
import type { GatewayResponse, HeaderPair } from '../../pipeline/types.ts';
import { isFieldValue, TOKEN } from '../../util/http.ts';
import { firstAccept, isBinaryMediaType } from '../../util/media-types.ts';

/** What the conversion needs from the request and the API. */
export interface RestProxyResultOptions {
  /** The API's `binaryMediaTypes`. */
  readonly binaryMediaTypes: readonly string[];
  /** The request's Accept header (only its first media type counts). */
  readonly accept: string | undefined;
}

/** Which of AWS's response header lists applies: Lambda/HTTP proxies, or AWS/HTTP integrations with mappings. */
export type IntegrationKind = 'proxy' | 'non-proxy';

/**
 * Integration response headers AWS renames to `x-amzn-Remapped-<name>` rather than pass on
 * (they describe the integration's connection, not the client's), in AWS's spelling
 * (known issues, https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html).
 */
const REMAPPED_PROXY = ['Connection', 'Content-Length', 'Date', 'Server'];
const REMAPPED_NON_PROXY = [
  ...REMAPPED_PROXY,
  'Authorization',
  'Content-MD5',
  'Expect',
  'Host',
  'Max-Forwards',
  'Proxy-Authenticate',
  'Trailer',
  'Upgrade',
  'User-Agent',
  'WWW-Authenticate',
];
const byLowerName = (names: readonly string[]): ReadonlyMap<string, string> => new Map(names.map((n) => [n.toLowerCase(), n]));
const REMAPPED: Readonly<Record<IntegrationKind, ReadonlyMap<string, string>>> = {
  proxy: byLowerName(REMAPPED_PROXY),
  'non-proxy': byLowerName(REMAPPED_NON_PROXY),
};

/**
 * Applies AWS's response header rules for an integration kind: the remapped names become
 * `x-amzn-Remapped-<Name>` (value kept), `Transfer-Encoding` is dropped (the gateway frames
 * the response itself), everything else passes unchanged and in order.
 */
export function remapResponseHeaders(pairs: readonly HeaderPair[], kind: IntegrationKind): HeaderPair[] {
  const remapped = REMAPPED[kind];
  const out: HeaderPair[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding') continue;
    const canonical = remapped.get(lower);
    out.push(canonical === undefined ? [name, value] : [`x-amzn-Remapped-${canonical}`, value]);
  }
  return out;
}

/** The only keys a result may have; any other one is a 502 (`{"statusCode":200,"wrongValue":"value"}`). */
const ALLOWED_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded', 'base64Encoded']);

/**
 * Validates and converts a REST AWS_PROXY Lambda result; throws GatewayError('INTEGRATION_FAILURE')
 * (→ 502) with a message saying what is malformed.
 */
export function parseRestProxyResult(payload: unknown, options: RestProxyResultOptions): GatewayResponse {
  if (payload === null || payload === undefined) fail('the function returned no result (null)');
  if (!isObject(payload)) fail(`the result must be a JSON object, got ${describe(payload)}`);
  if ('errorMessage' in payload && 'errorType' in payload) fail(`the function failed: ${describe(payload.errorMessage)}`);
  for (const key of Object.keys(payload)) {
    if (!ALLOWED_KEYS.has(key)) fail(`unexpected key ${JSON.stringify(key)} (allowed: statusCode, headers, multiValueHeaders, body, isBase64Encoded)`);
  }

  const statusCode = readStatusCode(payload.statusCode);
  const merged = mergeHeaders(readMultiValueHeaders(payload.multiValueHeaders), readHeaders(payload.headers));
  const headers = remapResponseHeaders(merged, 'proxy');
  // A function that sets no Content-Type gets application/json (`{"statusCode":200}` answers
  // with `Content-Type: application/json` and an empty body).
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.unshift(['Content-Type', 'application/json']);

  // SAM CLI also accepts the legacy `base64Encoded` key for REST results.
  const base64 = readBase64Flag(payload.isBase64Encoded ?? payload.base64Encoded);
  // A base64 body is decoded only when the client's first Accept type is a binary media type;
  // otherwise the base64 text itself is the body. https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
  const decode = base64 && isBinaryMediaType(firstAccept(options.accept), options.binaryMediaTypes);
  return { statusCode, headers, body: readResultBody(payload.body, decode, fail) };
}

/**
 * `statusCode`: a number or a numeric string (`"201"` is accepted, `"test"` is a 502); absent
 * or null means 200 (`{"headers":{...}}` answers 200). AWS's range is unverified: a 1xx would
 * leave the client waiting for a final response, so 200..599 is required, as for HTTP APIs.
 */
function readStatusCode(value: unknown): number {
  if (value === undefined || value === null) return 200;
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(code) || code < 200 || code > 599) fail(`statusCode must be an integer from 200 to 599, got ${describe(value)}`);
  return code;
}

/** A header value: a string, or a boolean sent as `"true"`/`"false"`; anything else is a 502. */
function headerValue(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return fail(`${where} must be a string or a boolean, got ${describe(value)}`);
}

/** `headers`: null/absent, or an object of string/boolean values. */
function readHeaders(value: unknown): HeaderPair[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) fail(`headers must be an object, got ${describe(value)}`);
  return Object.entries(value).map(([name, raw]) => checkedPair(name, headerValue(raw, `headers["${name}"]`)));
}

/** `multiValueHeaders`: null/absent, or an object of lists (a bare string value is a 502). */
function readMultiValueHeaders(value: unknown): HeaderPair[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) fail(`multiValueHeaders must be an object, got ${describe(value)}`);
  const out: HeaderPair[] = [];
  for (const [name, values] of Object.entries(value)) {
    if (!Array.isArray(values)) fail(`multiValueHeaders["${name}"] must be a list, got ${describe(values)}`);
    for (const item of values as unknown[]) out.push(checkedPair(name, headerValue(item, `multiValueHeaders["${name}"]`)));
  }
  return out;
}

/**
 * Both maps as one list, multi-value entries first. "If the same key-value pair is specified in
 * both, only the values from multiValueHeaders will appear"; a `headers` value joining a name
 * multiValueHeaders has takes its spelling (`tesT-Multi: value-multi, value-solo`). Each value
 * is its own header line, which clients read as the `, `-joined list the snapshot shows
 * (RFC 9110 §5.3) and which keeps several Set-Cookie values usable.
 */
function mergeHeaders(multi: readonly HeaderPair[], single: readonly HeaderPair[]): HeaderPair[] {
  const spelling = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of multi) {
    const lower = name.toLowerCase();
    if (!spelling.has(lower)) spelling.set(lower, name);
    seen.add(`${lower}\n${value}`);
  }
  const out = [...multi];
  for (const [name, value] of single) {
    const lower = name.toLowerCase();
    if (!seen.has(`${lower}\n${value}`)) out.push([spelling.get(lower) ?? name, value]);
  }
  return out;
}

/** A token name and a field value (no CR, LF or other controls): Node would throw writing anything else. */
function checkedPair(name: string, value: string): HeaderPair {
  if (!TOKEN.test(name)) fail(`invalid header name ${JSON.stringify(name)}`);
  if (!isFieldValue(value)) fail(`header ${name} has an invalid value ${JSON.stringify(value)}`);
  return [name, value];
}

/** `isBase64Encoded`: a boolean, null/absent, or (as SAM CLI found AWS accepts) `"true"`/`"false"`. */
function readBase64Flag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return fail(`isBase64Encoded must be a boolean, got ${describe(value)}`);
}

function fail(why: string): never {
  throw new GatewayError('INTEGRATION_FAILURE', { message: `malformed Lambda proxy response: ${why}` });
}
