/**
 * `$util`: the six functions API Gateway documents, and nothing else (any other name renders
 * empty). https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference
 */
import { VtlError } from './errors.ts';
import { VtlObject, javaToString } from './java-values.ts';

const hex4 = (code: number): string => code.toString(16).toUpperCase().padStart(4, '0');

/**
 * Apache Commons Lang 2.x `StringEscapeUtils.escapeJavaScript`: `'` → `\'`, `"` → `\"`,
 * `\` → `\\`, `/` → `\/`, `\b \f \n \r \t` as such, other control characters and every char
 * above U+007F as `\uXXXX` (upper-case hex, one per UTF-16 unit).
 * https://commons.apache.org/proper/commons-lang/javadocs/api-2.6/org/apache/commons/lang/StringEscapeUtils.html#escapeJavaScript(java.lang.String)
 */
export function escapeJavaScript(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) out += `\\u${hex4(code)}`;
    else if (code < 0x20) {
      switch (code) {
        case 0x08: out += '\\b'; break;
        case 0x09: out += '\\t'; break;
        case 0x0a: out += '\\n'; break;
        case 0x0c: out += '\\f'; break;
        case 0x0d: out += '\\r'; break;
        default: out += `\\u${hex4(code)}`;
      }
    } else {
      const c = s.charAt(i);
      out += c === "'" || c === '"' || c === '\\' || c === '/' ? `\\${c}` : c;
    }
  }
  return out;
}

/**
 * `java.net.URLEncoder.encode(s, "UTF-8")` (application/x-www-form-urlencoded): letters, digits
 * and `.-*_` stay, space becomes `+`, every other UTF-8 byte `%XX`.
 */
export function urlEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `java.net.URLDecoder.decode(s, "UTF-8")`: `+` is space; a bad `%` escape throws (RUNTIME). */
export function urlDecode(s: string): string {
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '%') {
      const pair = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(pair)) {
        throw new VtlError('PORTICO_ERR_VTL_RUNTIME', `urlDecode: illegal hex characters in escape (%) pattern at ${i}`);
      }
      bytes.push(Number.parseInt(pair, 16));
      i += 2;
    } else {
      flush();
      out += c === '+' ? ' ' : c;
    }
  }
  flush();
  return out;
}

/** Base64 of the UTF-8 bytes, with padding. */
export function base64Encode(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Decodes base64 (standard or URL alphabet, padding optional) to UTF-8 text. */
export function base64Decode(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/** `$util.parseJson(s)`: objects become maps, arrays JSON lists (as `$input.path`); bad JSON is a RUNTIME error. */
export function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch (cause) {
    throw new VtlError('PORTICO_ERR_VTL_RUNTIME', '$util.parseJson: the argument is not valid JSON', { cause });
  }
}

/** The `$util` object: stateless, shared by every render. */
class UtilVariable extends VtlObject {
  call(name: string, args: readonly unknown[]): unknown {
    const arg = args[0];
    // Like a Java String parameter: null in, null out (renders empty).
    if (arg === null || arg === undefined) return undefined;
    const s = javaToString(arg);
    switch (name) {
      case 'escapeJavaScript': return escapeJavaScript(s);
      case 'parseJson': return parseJson(s);
      case 'urlEncode': return urlEncode(s);
      case 'urlDecode': return urlDecode(s);
      case 'base64Encode': return base64Encode(s);
      case 'base64Decode': return base64Decode(s);
      default: return undefined;
    }
  }
  property(): unknown {
    return undefined;
  }
  toString(): string {
    return '';
  }
}

/** The `$util` value handed to every template. */
export const UTIL: VtlObject = Object.freeze(new UtilVariable());
