/**
 * REST non-proxy selection rules (spec §4.4, §4.5): which request template a Content-Type
 * gets (with the passthrough behaviour), which response template an Accept gets, and which
 * integration response a Lambda errorMessage or a status code selects. Pure functions.
 */
import type { IntegrationResponse, PassthroughBehavior } from '../../model/index.ts';
import { essence, firstAccept } from '../../util/media-types.ts';

/** Case-insensitive lookup of a media-type key (callers usually lower-case keys already). */
function lookup<T>(templates: ReadonlyMap<string, T>, type: string): T | undefined {
  const exact = templates.get(type);
  if (exact !== undefined) return exact;
  for (const [key, value] of templates) if (key.toLowerCase() === type) return value;
  return undefined;
}

/**
 * Request template for a Content-Type per spec §4.4 (missing Content-Type counts as application/json).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
 */
export function selectRequestTemplate<T>(
  templates: ReadonlyMap<string, T>,
  contentType: string | undefined,
  passthrough: PassthroughBehavior,
): { kind: 'template'; template: T } | { kind: 'passthrough' } | { kind: 'unsupported' } {
  const template = lookup(templates, essence(contentType) || 'application/json');
  if (template !== undefined) return { kind: 'template', template };
  // No templates at all: only NEVER refuses. Templates but none for this type: only WHEN_NO_MATCH passes.
  if (templates.size === 0) return passthrough === 'NEVER' ? { kind: 'unsupported' } : { kind: 'passthrough' };
  return passthrough === 'WHEN_NO_MATCH' ? { kind: 'passthrough' } : { kind: 'unsupported' };
}

/**
 * Response template by the request's Accept (first type only; missing = application/json;
 * fallback application/json then the FIRST defined template; none = passthrough → undefined).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
 */
export function selectResponseTemplate<T>(templates: ReadonlyMap<string, T>, accept: string | undefined): T | undefined {
  if (templates.size === 0) return undefined;
  return lookup(templates, firstAccept(accept) || 'application/json') ?? lookup(templates, 'application/json') ?? templates.values().next().value;
}

/** A method's integration responses, compiled once. */
export interface CompiledIntegrationResponses {
  /** Responses with a selectionPattern, in definition order, each with its whole-value regex. */
  readonly patterned: readonly { readonly regex: RegExp; readonly response: IntegrationResponse }[];
  /** The response without a selectionPattern (`default`); the first one if several. */
  readonly fallback: IntegrationResponse | undefined;
}

/** Compiles integration responses once: Java-regex selection patterns (whole-value match), default = no (or an empty) pattern. Throws Error naming `where` and the pattern when one cannot be translated. */
export function compileIntegrationResponses(responses: readonly IntegrationResponse[], where: string): CompiledIntegrationResponses {
  const patterned: Array<{ regex: RegExp; response: IntegrationResponse }> = [];
  let fallback: IntegrationResponse | undefined;
  for (const response of responses) {
    const pattern = response.selectionPattern;
    // An empty pattern is the default too (`--selection-pattern ""`), as LocalStack reads it.
    if (pattern === undefined || pattern === '') {
      fallback ??= response;
      continue;
    }
    try {
      patterned.push({ regex: compileJavaRegex(pattern), response });
    } catch (e) {
      throw new Error(`${where}: selectionPattern ${JSON.stringify(pattern)} (status ${response.statusCode}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return { patterned, fallback };
}

/**
 * Lambda (AWS): `value` is the function's errorMessage, undefined on success, which is matched
 * as `""`: "if the success response returns nothing and the error response returns some string,
 * you could use the .+ regex to match error response" (IntegrationResponse.selectionPattern,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html; LocalStack PR
 * #12580 checked it against AWS). So `.+` misses a success while `.*` catches it. HTTP / MOCK /
 * other AWS services: the status code string. The first matching pattern in definition order
 * wins, then the default (AWS documents no order; LocalStack's handlers/integration_response.py
 * takes the first). undefined → the caller answers API_CONFIGURATION_ERROR (500).
 */
export function selectIntegrationResponse(compiled: CompiledIntegrationResponses, value: string | undefined): IntegrationResponse | undefined {
  const subject = value ?? '';
  for (const { regex, response } of compiled.patterned) if (regex.test(subject)) return response;
  return compiled.fallback;
}

// --- Java regex → JavaScript -------------------------------------------------------------
// AWS evaluates selection patterns with java.util.regex and `matches()` (the whole value).
// https://docs.oracle.com/javase/8/docs/api/java/util/regex/Pattern.html
// Always compiled with the `u` flag (so `\p{…}` works and `.` is per code point); constructs
// with no JS equivalent (possessive quantifiers, atomic groups, class unions/intersections,
// mid-pattern inline flags, \G) are refused at load rather than silently changed.

/** Java's line terminators (`.` excludes them, `$` may stop before one). */
const LT = '\\n\\r\\u0085\\u2028\\u2029';
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
/** Java's POSIX classes (US-ASCII), as class contents. */
const POSIX: Readonly<Record<string, string>> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F', Space: JAVA_SPACE,
};
/** Escapes that stand for a set, as class contents (negated forms listed separately). */
const SETS: Readonly<Record<string, string>> = {
  s: JAVA_SPACE,
  h: ' \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000',
  v: '\\n\\x0B\\f\\r\\x85\\u2028\\u2029',
};
const SYNTAX = new Set('^$\\.*+?()[]{}|/');

/** A literal character, escaped for a `u`-flag pattern (inside or outside a class). */
function literal(c: string, inClass: boolean): string {
  return SYNTAX.has(c) || (inClass && c === '-') ? `\\${c}` : c;
}

/** `\p{Name}` of Java → a JS `u`-flag property escape or an explicit class. */
function property(name: string, negated: boolean, inClass: boolean): string {
  const posix = POSIX[name];
  if (posix !== undefined) {
    if (inClass && negated) throw new Error(`\\P{${name}} inside a character class is not supported`);
    return inClass ? posix : `[${negated ? '^' : ''}${posix}]`;
  }
  if (name.startsWith('In') || /^(blk|block)=/i.test(name)) throw new Error(`Unicode blocks (\\p{${name}}) are not supported`);
  const bare = name.replace(/^Is/, '').replace(/^(sc|script)=/i, 'Script=').replace(/^(gc|general_category)=/i, 'General_Category=');
  for (const candidate of [bare, `Script=${bare}`]) {
    const escape = `\\${negated ? 'P' : 'p'}{${candidate}}`;
    try {
      new RegExp(escape, 'u');
      return escape;
    } catch {
      // try the next reading
    }
  }
  throw new Error(`unknown Unicode property \\p{${name}}`);
}

/** Translates the escape at `p[i]` (just after the backslash); returns the JS text and the next index. */
function escape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i];
  if (c === undefined) throw new Error('trailing backslash');
  if (!/[A-Za-z0-9]/.test(c)) return [literal(c, inClass), i + 1];
  const set = SETS[c] ?? SETS[c.toLowerCase()];
  if (set !== undefined) {
    const negated = c !== c.toLowerCase();
    if (!inClass) return [`[${negated ? '^' : ''}${set}]`, i + 1];
    if (negated) throw new Error(`\\${c} inside a character class is not supported`);
    return [set, i + 1];
  }
  const hex = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(p.slice(i));
    if (m === null) throw new Error(`bad ${what} escape`);
    return m;
  };
  switch (c) {
    case 'd': case 'D': case 'w': case 'W': case 't': case 'n': case 'r': case 'f':
      return [`\\${c}`, i + 1];
    case 'a': return ['\\x07', i + 1];
    case 'e': return ['\\x1B', i + 1];
    case 'x': {
      const m = hex(/^x(?:([0-9a-fA-F]{2})|\{([0-9a-fA-F]+)\})/, '\\x');
      return [m[1] !== undefined ? `\\x${m[1]}` : `\\u{${m[2] ?? ''}}`, i + m[0].length];
    }
    case 'u': return [`\\u${hex(/^u([0-9a-fA-F]{4})/, '\\u')[1] ?? ''}`, i + 5];
    case '0': {
      const m = hex(/^0([0-3][0-7]{2}|[0-7]{1,2})/, 'octal');
      return [`\\u{${parseInt(m[1] ?? '0', 8).toString(16)}}`, i + m[0].length];
    }
    case 'c': {
      const ctl = p[i + 1];
      if (ctl === undefined) throw new Error('bad \\c escape');
      return [`\\u{${((ctl.codePointAt(0) ?? 0) ^ 64).toString(16)}}`, i + 2];
    }
    case 'p': case 'P': {
      const m = hex(/^[pP](?:\{([^}]+)\}|([A-Za-z]))/, `\\${c}`);
      return [property(m[1] ?? m[2] ?? '', c === 'P', inClass), i + m[0].length];
    }
    case 'Q': {
      const end = p.indexOf('\\E', i + 1);
      const text = p.slice(i + 1, end < 0 ? p.length : end);
      return [[...text].map((ch) => literal(ch, inClass)).join(''), end < 0 ? p.length : end + 2];
    }
    case 'E': return ['', i + 1];
  }
  if (inClass) throw new Error(`\\${c} inside a character class is not supported`);
  switch (c) {
    case 'b': case 'B': return [`\\${c}`, i + 1];
    case 'A': return ['(?<![\\s\\S])', i + 1];
    case 'z': return ['(?![\\s\\S])', i + 1];
    case 'Z': return [`(?=(?:\\r\\n|[${LT}])?(?![\\s\\S]))`, i + 1];
    case 'R': return [`(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])`, i + 1];
    case 'k': {
      const m = hex(/^k<[A-Za-z][A-Za-z0-9]*>/, '\\k');
      return [`\\${m[0]}`, i + m[0].length];
    }
  }
  // A backreference: one digit, then `(?:)` so a following digit stays a literal.
  if (/[1-9]/.test(c)) return [`\\${c}(?:)`, i + 1];
  throw new Error(`\\${c} is not supported`);
}

/** Reads Java's leading inline flags, `(?i)`, `(?is)`, `(?-i)`…; returns JS flags and the index after them. */
function leadingFlags(p: string): [Set<string>, number] {
  const flags = new Set<string>();
  let i = 0;
  for (let m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(p); m; m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(p.slice(i))) {
    for (const f of m[1] ?? '') {
      if (f === 'i' || f === 's' || f === 'm') flags.add(f);
      else if (f !== 'u') throw new Error(`inline flag (?${f}) is not supported`);
    }
    for (const f of m[2] ?? '') flags.delete(f);
    i += m[0].length;
  }
  return [flags, i];
}

/** Compiles a Java regex as AWS applies it: matched against the whole value. Throws Error saying what cannot be translated. */
export function compileJavaRegex(pattern: string): RegExp {
  const [flags, start] = leadingFlags(pattern);
  let out = '';
  let inClass = false;
  for (let i = start; i < pattern.length; ) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      const [text, next] = escape(pattern, i + 1, inClass);
      out += text;
      i = next;
    } else if (inClass) {
      if (c === '[') throw new Error('character class unions ([a[b]]) are not supported');
      if (pattern.startsWith('&&', i)) throw new Error('character class intersections (&&) are not supported');
      out += c;
      if (c === ']') inClass = false;
      i++;
    } else if (c === '[') {
      const head = /^\[\^?\]?/.exec(pattern.slice(i))?.[0] ?? '[';
      // Java reads a `]` right after `[` or `[^` as a literal.
      out += head.endsWith(']') ? `${head.slice(0, -1)}\\]` : head;
      inClass = true;
      i += head.length;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const group = /^\(\?(?::|=|!|<=|<!|<[A-Za-z][A-Za-z0-9]*>)/.exec(pattern.slice(i))?.[0];
      if (group === undefined) {
        throw new Error(pattern[i + 2] === '>' ? 'atomic groups (?>…) are not supported' : 'inline flags are only supported at the start of the pattern');
      }
      out += group;
      i += group.length;
    } else if ('*+?{'.includes(c)) {
      const quantifier = c === '{' ? /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i))?.[0] : c;
      if (quantifier === undefined) throw new Error(`illegal repetition at index ${i}`);
      i += quantifier.length;
      if (pattern[i] === '+') throw new Error('possessive quantifiers (*+, ++, ?+, {n}+) are not supported');
      out += quantifier;
      if (pattern[i] === '?') {
        out += '?';
        i++;
      }
    } else {
      if (c === '.') out += flags.has('s') ? '.' : `[^${LT}]`;
      // Without MULTILINE, Java's `$` also matches before a final line terminator.
      else if (c === '$') out += flags.has('m') ? '$' : `(?=(?:\\r\\n|[${LT}])?(?![\\s\\S]))`;
      else if (c === '}' || c === ']') out += `\\${c}`;
      else out += c;
      i++;
    }
  }
  if (inClass) throw new Error('unclosed character class');
  // Whole-value match; anchors that ignore the m flag.
  return new RegExp(`(?<![\\s\\S])(?:${out})(?![\\s\\S])`, ['u', ...flags].join(''));
}
