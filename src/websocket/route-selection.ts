/**
 * WebSocket route selection: the API's `routeSelectionExpression` evaluated against each
 * incoming message, then the route whose key equals the result exactly, else `$default`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-selection-expressions.html
 *
 * The expression language (the second page's rules):
 *   - a variable starts with `$`: `$request.body.action`; braces bound it: `${request.body.version}-beta`;
 *   - several variables are allowed, evaluated once (a value is never evaluated again);
 *   - `\$` is a literal dollar sign, so `\$default` evaluates to the key `$default`;
 *   - anything else is literal text (`action` alone is a static value).
 * For WebSocket routes the only variable is `request.body` followed by a JSONPath.
 * Pure: no I/O, compiled once at load, evaluated per message.
 */

/** One piece of a compiled expression: literal text, or a path into the message's JSON. */
type Part = { readonly text: string } | { readonly path: readonly (string | number)[] };

/** A compiled selection expression: the message text in, the route key it evaluates to out. */
export interface RouteSelector {
  /** The expression as written. */
  readonly expression: string;
  /**
   * Evaluates against one message. `undefined` when the message is not JSON: "Non-JSON
   * messages are directed to a `$default` route" (first page above).
   */
  evaluate(message: string): string | undefined;
}

/** Thrown at load for an expression portico cannot evaluate; the loader wraps it in a ConfigError. */
export class RouteSelectionExpressionError extends Error {
  readonly code = 'PORTICO_ERR_WS_ROUTE_SELECTION';
  constructor(expression: string, reason: string) {
    super(`routeSelectionExpression "${expression}": ${reason}`);
    this.name = 'RouteSelectionExpressionError';
  }
}

// Unwrapped variables run over identifier characters, dots and `[n]` indices.
const UNWRAPPED = /^\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*)/;

/** Parses a JSONPath after `request.body`: `.a.b`, `[0]`, `['key']` / `["key"]`. */
function parsePath(expression: string, variable: string): (string | number)[] {
  if (variable !== 'request.body' && !variable.startsWith('request.body.') && !variable.startsWith('request.body[')) {
    // "For WebSocket-based APIs, the expression should be of the form $request.body.{path_to_body_element}."
    throw new RouteSelectionExpressionError(expression, `unknown variable "$${variable}"; WebSocket routes select on $request.body.{path}`);
  }
  const path: (string | number)[] = [];
  const rest = variable.slice('request.body'.length);
  const step = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let at = 0;
  while (at < rest.length) {
    step.lastIndex = at;
    const m = step.exec(rest);
    if (!m) throw new RouteSelectionExpressionError(expression, `cannot read the JSONPath "${rest}" at "${rest.slice(at)}"`);
    path.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? m[4] ?? ''));
    at = step.lastIndex;
  }
  return path;
}

/** Compiles an expression; throws {@link RouteSelectionExpressionError} on one it cannot evaluate. */
export function compileRouteSelection(expression: string): RouteSelector {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < expression.length; ) {
    const c = expression[i] as string;
    if (c === '\\' && expression[i + 1] === '$') {
      text += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      text += c;
      i++;
      continue;
    }
    let variable: string;
    if (expression[i + 1] === '{') {
      const end = expression.indexOf('}', i + 2);
      if (end < 0) throw new RouteSelectionExpressionError(expression, `"\${" at ${i} is not closed`);
      variable = expression.slice(i + 2, end);
      i = end + 1;
    } else {
      const m = UNWRAPPED.exec(expression.slice(i));
      if (!m) throw new RouteSelectionExpressionError(expression, `"$" at ${i} starts no variable (write "\\$" for a literal dollar sign)`);
      variable = m[1] as string;
      i += m[0].length;
    }
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ path: parsePath(expression, variable.trim()) });
  }
  if (text !== '') parts.push({ text });

  const hasVariables = parts.some((p) => 'path' in p);
  return {
    expression,
    evaluate(message: string): string | undefined {
      let json: unknown;
      try {
        json = JSON.parse(message);
      } catch {
        return undefined;
      }
      if (!hasVariables) return parts.map((p) => ('text' in p ? p.text : '')).join('');
      let out = '';
      for (const part of parts) out += 'text' in part ? part.text : stringify(lookup(json, part.path));
      return out;
    },
  };
}

/** Follows a path; `undefined` when any step is missing. */
function lookup(value: unknown, path: readonly (string | number)[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    if (Array.isArray(at)) {
      if (typeof key !== 'number') return undefined;
      at = at[key];
    } else {
      // Own properties only: `__proto__` or `constructor` in a path reads the message, not Object.prototype.
      if (!Object.prototype.hasOwnProperty.call(at, key)) return undefined;
      at = (at as Record<string, unknown>)[String(key)];
    }
  }
  return at;
}

/**
 * A JSONPath result as text. A path that is not found resolves to "" (the routes page's
 * table). Other results are stringified; the same page's example is an array of two elements
 * presented as the string "[item1, item2]", so arrays are written that way, elements
 * recursively. AWS shows no object example; objects are written as JSON (unverified). `null`
 * is treated as missing.
 */
export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(stringify).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The route table of one API: selector plus route keys. */
export interface RouteTable {
  /**
   * The route key a message goes to: the exact match of the evaluated expression, else
   * `$default` when the API has it, else `undefined` (the client gets the Forbidden frame).
   * Binary messages are never JSON, so they go to `$default`.
   */
  select(message: string | undefined): string | undefined;
}

/**
 * Builds the table. Predefined keys (`$connect`, `$disconnect`) are never selected by a
 * message, even when the expression evaluates to them; `$default` is, through `\$default`.
 */
export function createRouteTable(selector: RouteSelector, routeKeys: Iterable<string>): RouteTable {
  const keys = new Set<string>();
  for (const key of routeKeys) if (key !== '$connect' && key !== '$disconnect') keys.add(key);
  const fallback = keys.has('$default') ? '$default' : undefined;
  return {
    select(message) {
      const key = message === undefined ? undefined : selector.evaluate(message);
      return key !== undefined && keys.has(key) ? key : fallback;
    },
  };
}
