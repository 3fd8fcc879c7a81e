/**
 * Pieces the HTTP API Lambda event builders share (payload 1.0 and 2.0): header collection,
 * path parameters and the textual-body test. Query parsing, percent-decoding and the domain
 * fields are util/http.ts's, shared with the parameter mappings.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { decodeLenient, HOP_BY_HOP } from '../../util/http.ts';

/** What an event needs besides the request context. */
export interface EventInfo {
  /** Reported as `requestContext.accountId`. */
  readonly accountId: string;
  /**
   * `requestContext.authorizer`, exactly as the authorizer phase built it for the flavour
   * (2.0: `{jwt:{claims,scopes}}` / `{lambda:{...}}`; 1.0: `{claims, scopes}` / context keys).
   * The key is omitted when absent.
   */
  readonly authorizer?: Readonly<Record<string, unknown>>;
}

/** One request header as received: client casing, one entry per occurrence. */
export type RequestHeader = readonly [name: string, value: string];

/**
 * The request's headers in arrival order, from Node's flat `rawHeaders` list, minus hop-by-hop
 * headers and HTTP/2 pseudo-headers (`:authority`...). Content-Length is kept, as AWS keeps it.
 * Hop-by-hop headers describe our TCP hop: AWS's front end terminates the connection, so its
 * events never carry them.
 */
export function requestHeaders(rawHeaders: readonly string[]): RequestHeader[] {
  const out: RequestHeader[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    if (name.startsWith(':') || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push([name, value]);
  }
  return out;
}

/** The first value of a header (case-insensitive name), or undefined. */
export function firstHeader(headers: readonly RequestHeader[], lowerName: string): string | undefined {
  for (const [name, value] of headers) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/**
 * Media types whose body HTTP APIs pass as UTF-8 text; anything else (including no
 * Content-Type, `application/x-www-form-urlencoded` and `+json`/`+xml` suffixes) is base64.
 * AWS documents no list; this one was verified against AWS (HTTP API, payload 2.0):
 * https://github.com/ministackorg/ministack/pull/766 (spec §2.2). Suffix types are not in
 * the verified list, so they are treated as binary like every other unlisted type.
 */
const TEXTUAL_MEDIA_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/** Whether a Content-Type value makes HTTP APIs send the body as text. Parameters are ignored. */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return mediaType.startsWith('text/') || TEXTUAL_MEDIA_TYPES.has(mediaType);
}

/** The `body` / `isBase64Encoded` pair of an event; `undefined` for an empty body. */
export interface EventBody {
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** Encodes a request body for an event: UTF-8 text for textual types, base64 otherwise. */
export function encodeEventBody(body: Buffer, contentType: string | undefined): EventBody | undefined {
  if (body.length === 0) return undefined;
  return isTextualContentType(contentType)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true };
}

/** A record from a map, keys in code-unit order: AWS's events list headers sorted (see the fixtures). */
export function sortedRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  // fromEntries defines own properties, so a `__proto__` header or parameter stays data.
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether the route captured path variables (the `pathParameters` field is present only then). */
export const hasEntries = (record: Readonly<Record<string, unknown>>): boolean => Object.keys(record).length > 0;

/** Route parameters decoded as the path is (the router hands them over raw). */
export function decodePathParameters(raw: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeLenient(v)]));
}
