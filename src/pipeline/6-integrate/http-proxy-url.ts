/**
 * URL work for HTTP_PROXY: splitting the integration URI, filling `{var}` / `{var+}` from the
 * route, and query strings. Kept by hand rather than through WHATWG URL, which would resolve
 * `..` segments and re-encode what the client sent.
 */
import type { HeaderPair } from '../types.ts';

/** Characters a path segment carries as they are (RFC 3986 pchar). */
export const PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;
/** Characters a query name or value carries as they are. */
export const QUERY_SAFE = /^[A-Za-z0-9\-._~!$'()*,;:@/?]$/;

/**
 * Percent-encodes what a URL cannot carry, keeping existing `%XX` escapes, so a path parameter
 * works whether the router handed it over raw or decoded. A greedy value keeps its `/`.
 */
export function encodeForUri(value: string, safe: RegExp, keepSlash: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) out += c;
    else if (safe.test(c) || (keepSlash && c === '/')) out += c;
    else {
      // Keep surrogate pairs together for encodeURIComponent.
      const code = value.codePointAt(i) as number;
      const char = String.fromCodePoint(code);
      if (char.length === 2) i++;
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Decodes a query component (`+` is a space); malformed escapes stay as sent. */
function decodeQuery(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** `a=1&b=2&a=3` → decoded pairs, in order. */
export function parseQuery(raw: string): HeaderPair[] {
  if (raw === '') return [];
  return raw.split('&').filter(Boolean).map((part) => {
    const eq = part.indexOf('=');
    return eq === -1 ? [decodeQuery(part), ''] : [decodeQuery(part.slice(0, eq)), decodeQuery(part.slice(eq + 1))];
  });
}

const URI = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;
/** `{id}` and `{proxy+}` in an integration URI (older docs write the greedy form there too). */
export const PATH_VARIABLE = /\{([^{}+]+)\+?\}/g;

/** An integration URI, split. */
export interface Target {
  readonly origin: string;
  readonly path: string;
  readonly query: string;
}

/** Splits an integration URI after stage variables are substituted; throws on anything but http(s). */
export function splitUri(uri: string): Target {
  const m = URI.exec(uri);
  if (!m) throw new Error(`integrationUri "${uri}" is not an http(s) URL`);
  const origin = new URL(`${m[1] as string}://${m[2] as string}`).origin;
  return { origin, path: m[3] || '/', query: m[4] ?? '' };
}
