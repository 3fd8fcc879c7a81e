/**
 * HTTP syntax shared by the integrations, the parameter mappings, CORS and the Lambda events:
 * hop-by-hop fields, tokens and field values (RFC 9110), the Host's domain, query strings.
 * One owner per rule, so the pieces that forward, map or describe a request agree.
 * A leaf: imports nothing.
 */

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1, plus the non-standard `proxy-connection`). They describe
 * one connection, not the message: a proxy never forwards them, and AWS's events never show them.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** RFC 9110 §5.6.2 token: what a header name (or a method) may contain. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// RFC 9110 §5.5 field-value: visible ASCII, SP, HTAB and obs-text (0x80-0xFF). The same set
// Node's writeHead and undici check, so a value passing here is never refused when sent.
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` can be sent as a header value (no CR, LF, NUL, other controls or chars above 0xFF). */
export function isFieldValue(value: string): boolean {
  return !NOT_FIELD_VALUE.test(value);
}

// `keep-alive` and `close` are the only tokens nearly every client sends; they name no header.
const PLAIN_CONNECTION = /^\s*(?:keep-alive|close)?\s*$/i;

/**
 * The header names a `Connection` value lists (lower-cased), which are hop-by-hop too
 * (RFC 9110 §7.6.1); `undefined` when it lists none but `keep-alive` / `close`, the usual case,
 * so no Set is built per request.
 */
export function connectionTokens(value: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined || PLAIN_CONNECTION.test(value)) return undefined;
  const names = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') names.add(name);
  }
  return names.size === 0 ? undefined : names;
}

/**
 * The domain of a Host value: without its port; an IPv6 literal keeps its brackets
 * (`[::1]:3000` → `[::1]`). On AWS the host never carries a port; locally it usually does.
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
 * The first label of a domain (`id` for `id.execute-api.us-east-1.amazonaws.com`), as AWS's
 * `domainPrefix`. An IP literal has no labels, so it is kept whole (`127.0.0.1`, `[::1]`).
 */
export function domainPrefix(domain: string): string {
  if (domain.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(domain)) return domain;
  const dot = domain.indexOf('.');
  return dot < 0 ? domain : domain.slice(0, dot);
}

/**
 * Percent-decodes like `decodeURIComponent`, but never throws: a run of escapes that is not
 * UTF-8 (`%E0%A4%41`) or a malformed escape (`%zz`) is left as written, and the runs around it
 * are still decoded (`%E0%A4%41bc%20x` → `%E0%A4%41bc x`).
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
 * `+` is a space and `%2B` a plus; escapes are decoded with {@link decodeLenient}. `a` alone is
 * `['a', '']`; empty pieces (`a=1&&b=2`) are skipped. HTTP APIs decode query parameters both in
 * events and for `$request.querystring.*` mappings (spec §1.3, §5). With `plusIsSpace` false, `+`
 * stays a plus, as SigV4 canonicalisation reads it (SDKs encode a space as `%20`).
 */
export function parseQuery(rawQuery: string, plusIsSpace = true): Array<[name: string, value: string]> {
  const out: Array<[string, string]> = [];
  if (rawQuery === '') return out;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    out.push(plusIsSpace ? [decodeLenient(name.replace(/\+/g, ' ')), decodeLenient(value.replace(/\+/g, ' '))] : [decodeLenient(name), decodeLenient(value)]);
  }
  return out;
}
