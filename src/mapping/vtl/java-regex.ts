/**
 * java.util.regex semantics for `String.replaceAll / replaceFirst / split / matches`, on top of
 * JS RegExp. The pattern syntax of the two is close enough for templates; what differs is
 * handled here: leading inline flags (`(?i)`), Java replacement strings (`$1`, `${name}`, `\$`)
 * and `split`'s trailing-empty-string rule.
 * https://docs.oracle.com/javase/8/docs/api/java/lang/String.html#split-java.lang.String-int-
 */
import { VtlError } from './errors.ts';

const cache = new Map<string, RegExp>();
const CACHE_MAX = 256;

/** Compiles (and caches) a Java pattern; a pattern JS cannot compile is a RUNTIME error, as PatternSyntaxException is. */
export function javaRegex(pattern: string, extraFlags = ''): RegExp {
  const key = `${extraFlags}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let source = pattern;
  let flags = extraFlags;
  // Java allows flag groups such as (?i) or (?is) at the start; JS only as flags.
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline?.[1]) {
    source = source.slice(inline[0].length);
    for (const f of inline[1].replace('x', '')) if (!flags.includes(f)) flags += f;
  }
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (cause) {
    throw new VtlError('PORTICO_ERR_VTL_RUNTIME', `invalid regular expression ${JSON.stringify(pattern)}`, { cause });
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, re);
  return re;
}

/** Expands a Java replacement string (`$1`, `${name}`, `\x` = literal x) for one match. */
function expand(replacement: string, match: RegExpMatchArray): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === '\\') {
      out += replacement[++i] ?? '';
    } else if (c === '$') {
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(replacement.slice(i + 1));
      if (named?.[1] !== undefined) {
        out += match.groups?.[named[1]] ?? '';
        i += named[0].length;
        continue;
      }
      const digits = /^\d+/.exec(replacement.slice(i + 1));
      if (!digits) throw new VtlError('PORTICO_ERR_VTL_RUNTIME', 'illegal group reference in replacement string');
      out += match[Number(digits[0])] ?? '';
      i += digits[0].length;
    } else {
      out += c;
    }
  }
  return out;
}

/** `String.replaceAll(regex, replacement)` / `replaceFirst`. */
export function javaReplace(s: string, pattern: string, replacement: string, all: boolean): string {
  const re = javaRegex(pattern, all ? 'g' : '');
  return s.replace(re, (...args: unknown[]) => {
    const groupsArg = args[args.length - 1];
    const hasGroups = typeof groupsArg === 'object' && groupsArg !== null;
    const captures = args.slice(0, hasGroups ? -3 : -2) as string[];
    const match = Object.assign(captures, hasGroups ? { groups: groupsArg as Record<string, string> } : {}) as unknown as RegExpMatchArray;
    return expand(replacement, match);
  });
}

/** `String.matches(regex)`: the whole string must match. */
export function javaMatches(s: string, pattern: string): boolean {
  const re = javaRegex(pattern);
  return new RegExp(`^(?:${re.source})$`, re.flags).test(s);
}

/** `String.split(regex, limit)`, including Java's removal of trailing empty strings when limit is 0. */
export function javaSplit(s: string, pattern: string, limit = 0): string[] {
  const out: string[] = [];
  let index = 0;
  for (const m of s.matchAll(javaRegex(pattern, 'g'))) {
    if (limit > 0 && out.length >= limit - 1) break;
    const start = m.index;
    // A zero-width match at the very start never yields a leading empty string (Java 8+).
    if (start === 0 && m[0].length === 0) continue;
    out.push(s.slice(index, start));
    index = start + m[0].length;
  }
  if (index === 0) return [s];
  out.push(s.slice(index));
  if (limit === 0) while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
