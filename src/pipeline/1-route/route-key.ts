/**
 * HTTP API route keys: `METHOD /path` or `$default`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */

export const ROUTE_METHODS = ['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** One path segment of a route: a literal, a `{var}` or a final greedy `{var+}`. */
export type RouteSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

export type ParsedRouteKey =
  | { readonly kind: 'default' }
  | { readonly kind: 'route'; readonly method: RouteMethod; readonly path: string; readonly segments: readonly RouteSegment[] };

const VAR = /^\{([A-Za-z0-9._-]+)(\+?)\}$/;
// AWS accepts these characters in literal path parts (plus anything URL-safe); we refuse
// what could never match a request path: whitespace, `?`, `#` and stray braces.
const LITERAL = /^[^\s?#{}]+$/;

/** Parses a route key; throws an Error whose message says what is wrong. */
export function parseRouteKey(routeKey: string): ParsedRouteKey {
  if (routeKey === '$default') return { kind: 'default' };
  const space = routeKey.indexOf(' ');
  if (space < 0) throw new Error(`route key "${routeKey}" must be "$default" or "METHOD /path" (e.g. "GET /pets/{id}")`);
  const method = routeKey.slice(0, space);
  const path = routeKey.slice(space + 1);
  if (!(ROUTE_METHODS as readonly string[]).includes(method)) {
    throw new Error(`route key "${routeKey}": method "${method}" is not one of ${ROUTE_METHODS.join(', ')}`);
  }
  if (!path.startsWith('/')) throw new Error(`route key "${routeKey}": the path must start with "/"`);
  // AWS: "route paths cannot end with /" except the root itself.
  if (path.length > 1 && path.endsWith('/')) throw new Error(`route key "${routeKey}": the path must not end with "/"`);
  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  const parts = path === '/' ? [] : path.slice(1).split('/');
  parts.forEach((part, i) => {
    if (part === '') throw new Error(`route key "${routeKey}": empty path segment`);
    const v = VAR.exec(part);
    if (v) {
      const name = v[1] as string;
      if (names.has(name)) throw new Error(`route key "${routeKey}": path variable {${name}} appears twice`);
      names.add(name);
      if (v[2] === '+') {
        if (i !== parts.length - 1) throw new Error(`route key "${routeKey}": a greedy variable {${name}+} must be the last segment`);
        segments.push({ kind: 'greedy', name });
      } else segments.push({ kind: 'param', name });
    } else if (LITERAL.test(part)) {
      segments.push({ kind: 'literal', value: part });
    } else {
      throw new Error(`route key "${routeKey}": segment "${part}" is neither a literal nor a {variable}`);
    }
  });
  return { kind: 'route', method: method as RouteMethod, path, segments };
}
