/**
 * URL work for HTTP_PROXY: splitting the integration URI (once per URI, not per request),
 * filling `{var}` / `{var+}` from the route, and percent-encoding. Kept by hand rather than
 * through WHATWG URL, which would resolve `..` segments and re-encode what the client sent.
 */
import { GatewayError } from '../../errors/index.ts';
import { decodeLenient } from '../../util/http.ts';

/** Characters a URI component carries as they are, with the tests {@link encodeForUri} needs precompiled. */
export interface UriCharset {
  /** One character that needs no encoding. */
  readonly char: RegExp;
  /** A whole value that needs no encoding: these characters and `%XX` escapes only. */
  readonly clean: RegExp;
  /** The same with `/` allowed (a greedy path value). */
  readonly cleanWithSlash: RegExp;
}

function charset(chars: string): UriCharset {
  return {
    char: new RegExp(`^[${chars}]$`),
    clean: new RegExp(`^(?:[${chars}]|%[0-9A-Fa-f]{2})*$`),
    cleanWithSlash: new RegExp(`^(?:[${chars}/]|%[0-9A-Fa-f]{2})*$`),
  };
}

/** Characters a path segment carries as they are (RFC 3986 pchar). */
export const PATH_SAFE: UriCharset = charset("A-Za-z0-9\\-._~!$&'()*+,;=:@");
/** Characters a query name or value carries as they are. */
export const QUERY_SAFE: UriCharset = charset("A-Za-z0-9\\-._~!$'()*,;:@/?");

const HEX2 = /[0-9A-Fa-f]{2}/y;

/**
 * Percent-encodes what a URL cannot carry, keeping existing `%XX` escapes, so a path parameter
 * works whether the router handed it over raw or decoded. A greedy value keeps its `/`.
 * A value with nothing to encode (the usual case) is returned as is after one regex test.
 */
export function encodeForUri(value: string, safe: UriCharset, keepSlash: boolean): string {
  if ((keepSlash ? safe.cleanWithSlash : safe.clean).test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '%') {
      HEX2.lastIndex = i + 1;
      if (HEX2.test(value)) {
        out += c;
        continue;
      }
    } else if (safe.char.test(c) || (keepSlash && c === '/')) {
      out += c;
      continue;
    }
    // Keep surrogate pairs together for encodeURIComponent; a lone surrogate (possible in a
    // mapped value from JSON) would make it throw, so it becomes U+FFFD.
    const code = value.codePointAt(i) as number;
    if (code > 0xffff) i++;
    out += code >= 0xd800 && code <= 0xdfff ? '%EF%BF%BD' : encodeURIComponent(String.fromCodePoint(code));
  }
  return out;
}

const DOT_HINT = /\.|%2e/i;
// `\` too: some servers (IIS, and frameworks on Windows) treat it as a separator.
const SEPARATORS = /[/\\]/;

/**
 * Whether a path value holds a `.` or `..` segment once decoded (`..`, `%2e%2E`, `a/../b`,
 * `..%2Fx`, `..\x`). A backend that normalises the path would resolve it, and a value filled
 * into `http://up/public/{proxy}` could then leave `/public/`.
 */
export function hasDotSegment(value: string): boolean {
  if (!DOT_HINT.test(value)) return false;
  for (const segment of decodeLenient(value).split(SEPARATORS)) if (segment === '.' || segment === '..') return true;
  return false;
}

/** A URI part with `{var}` holes: literal text at even indexes, variable names at odd ones. */
export type UriTemplate = readonly string[];

/** `{id}` and `{proxy+}` in an integration URI (older docs write the greedy form there too). */
const PATH_VARIABLE = /\{([^{}+]+)\+?\}/;

/**
 * Fills a template's holes from the route's (raw) path parameters, each encoded for `safe`;
 * an unknown name is empty. `check` sees each value first and may throw.
 */
export function fillTemplate(
  template: UriTemplate,
  params: Readonly<Record<string, string>>,
  safe: UriCharset,
  keepSlash: boolean,
  check?: (value: string) => void,
): string {
  let out = template[0] as string;
  for (let i = 1; i < template.length; i += 2) {
    const value = params[template[i] as string] ?? '';
    check?.(value);
    out += encodeForUri(value, safe, keepSlash) + (template[i + 1] as string);
  }
  return out;
}

const URI = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;

/** An integration URI, split and with its `{var}` holes found. */
export interface Target {
  readonly origin: string;
  readonly path: UriTemplate;
  readonly query: UriTemplate;
}

/** Splits an integration URI after stage variables are substituted; throws on anything but http(s). */
export function splitUri(uri: string): Target {
  const m = URI.exec(uri);
  if (!m) throw new Error(`integrationUri "${uri}" is not an http(s) URL`);
  const origin = new URL(`${m[1] as string}://${m[2] as string}`).origin;
  // split() with a capturing group interleaves the captured names: ['/a/', 'id', '/b'].
  return { origin, path: (m[3] || '/').split(PATH_VARIABLE), query: (m[4] ?? '').split(PATH_VARIABLE) };
}

/**
 * The target of an integration URI per stage: split once when the URI is literal, else once
 * per stage (keyed by the stage's variables object, fixed for a loaded project; a reload brings
 * new objects). A URI that is not http(s) after substitution is API_CONFIGURATION_ERROR.
 */
export function stageTargets(uri: string, substitute: (uri: string, vars: Readonly<Record<string, string>>) => string): (stageVariables: Readonly<Record<string, string>>) => Target {
  const cache = new WeakMap<object, Target | Error>();
  return (stageVariables) => {
    let target = cache.get(stageVariables);
    if (target === undefined) {
      try {
        target = splitUri(substitute(uri, stageVariables));
      } catch (err) {
        target = err as Error;
      }
      cache.set(stageVariables, target);
    }
    if (target instanceof Error) throw new GatewayError('API_CONFIGURATION_ERROR', { cause: target });
    return target;
  };
}
