/**
 * Pieces the HTTP API Lambda event builders share (payload 1.0 and 2.0): header collection,
 * query parsing, path decoding, the textual-body test and the domain fields.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */

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
 * Hop-by-hop request headers (RFC 9110 §7.6.1). They describe our TCP hop, not the request;
 * AWS's front end terminates the connection, so its events never carry them.
 */
const HOP_BY_HOP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * The request's headers in arrival order, from Node's flat `rawHeaders` list, minus hop-by-hop
 * headers and HTTP/2 pseudo-headers (`:authority`...). Content-Length is kept, as AWS keeps it.
 */
export function requestHeaders(rawHeaders: readonly string[]): RequestHeader[] {
  const out: RequestHeader[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    if (name.startsWith(':') || HOP_BY_HOP_REQUEST.has(name.toLowerCase())) continue;
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
 * Percent-decodes like `decodeURIComponent`, but never throws: a malformed or non-UTF-8
 * escape (`%E0%A4`, `%zz`) is left as written instead of failing the request.
 */
export function decodeLenient(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * Parses a raw query string into decoded `[name, value]` pairs in order. Form decoding:
 * `+` is a space and `%2B` a plus. `a` alone is `['a', '']`; empty pieces (`a=1&&b=2`) are skipped.
 * HTTP APIs decode `queryStringParameters` (spec §1.3).
 */
export function parseQuery(rawQuery: string): Array<[name: string, value: string]> {
  const out: Array<[string, string]> = [];
  if (rawQuery === '') return out;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    out.push([decodeLenient(name.replace(/\+/g, ' ')), decodeLenient(value.replace(/\+/g, ' '))]);
  }
  return out;
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

/**
 * `requestContext.domainName`: the Host header the client sent, without its port.
 * (On AWS the host never carries a port; locally it usually does.) `[::1]:3000` → `[::1]`.
 */
export function domainName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * `requestContext.domainPrefix`: the first label of the domain name (`id` for
 * `id.execute-api.us-east-1.amazonaws.com`). An IP literal has no labels, so it is kept whole.
 */
export function domainPrefix(domain: string): string {
  if (domain.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(domain)) return domain;
  const dot = domain.indexOf('.');
  return dot < 0 ? domain : domain.slice(0, dot);
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
