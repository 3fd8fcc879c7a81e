/**
 * HTTP API route selection, AWS's priority:
 *  1. a full match of path and method, literal segments beating `{var}` left to right;
 *  2. a match through a greedy `{var+}`, the longest (most specific) prefix first;
 *  3. `$default`.
 * On the same path, a method-specific route beats `ANY`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation
 *
 * The routes are compiled into a segment trie once; a lookup walks it with backtracking
 * and allocates only the parameter record of the route it returns.
 */
import type { Route } from '../../model/index.ts';
import { parseRouteKey, type RouteMethod } from './route-key.ts';

export interface HttpRouteMatch {
  readonly route: Route;
  /** Raw (undecoded) values keyed by variable name. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface Node {
  readonly literals: Map<string, Node>;
  param?: { readonly name: string; readonly node: Node };
  /** Routes ending at this node, by method. */
  readonly exact: Map<RouteMethod, Route>;
  /** Greedy routes `{name+}` hanging off this node, by method. */
  greedy?: { readonly name: string; readonly byMethod: Map<RouteMethod, Route> };
  /** Names of the `{var}` segments on the way here, in order. */
  readonly paramNames: readonly string[];
}

const newNode = (paramNames: readonly string[]): Node => ({ literals: new Map(), exact: new Map(), paramNames });

export class HttpRouter {
  readonly #root: Node = newNode([]);
  readonly #default: Route | undefined;

  /** Builds the trie. Throws on an invalid or duplicate route key. */
  constructor(routes: readonly Route[]) {
    let def: Route | undefined;
    for (const route of routes) {
      const parsed = parseRouteKey(route.routeKey);
      if (parsed.kind === 'default') {
        if (def) throw new Error(`duplicate route key "$default"`);
        def = route;
        continue;
      }
      let node = this.#root;
      let greedy = false;
      for (const seg of parsed.segments) {
        if (seg.kind === 'literal') {
          let next = node.literals.get(seg.value);
          if (!next) node.literals.set(seg.value, (next = newNode(node.paramNames)));
          node = next;
        } else if (seg.kind === 'param') {
          // Siblings may name their variable differently ({id} vs {petId}); each keeps its name.
          if (!node.param || node.param.name !== seg.name) {
            if (node.param) throw new Error(`route "${route.routeKey}": {${seg.name}} conflicts with {${node.param.name}} at the same position`);
            node.param = { name: seg.name, node: newNode([...node.paramNames, seg.name]) };
          }
          node = node.param.node;
        } else {
          if (node.greedy && node.greedy.name !== seg.name) {
            throw new Error(`route "${route.routeKey}": {${seg.name}+} conflicts with {${node.greedy.name}+} at the same position`);
          }
          node.greedy ??= { name: seg.name, byMethod: new Map() };
          if (node.greedy.byMethod.has(parsed.method)) throw new Error(`duplicate route key "${route.routeKey}"`);
          node.greedy.byMethod.set(parsed.method, route);
          greedy = true; // always the last segment (checked by parseRouteKey)
        }
      }
      if (!greedy) {
        if (node.exact.has(parsed.method)) throw new Error(`duplicate route key "${route.routeKey}"`);
        node.exact.set(parsed.method, route);
      }
    }
    this.#default = def;
  }

  /**
   * Finds the route for `method` and the stage-relative raw `path` (leading `/`, no query).
   * Returns undefined when nothing, not even `$default`, matches (→ 404 Not Found).
   */
  match(method: string, path: string): HttpRouteMatch | undefined {
    const segments = path === '/' || path === '' ? [] : path.slice(1).split('/');
    const values: string[] = [];
    const exact = this.#exact(this.#root, segments, 0, method, values);
    if (exact) return exact;
    const greedy = this.#greedy(this.#root, segments, 0, method, values);
    if (greedy) return greedy;
    return this.#default ? { route: this.#default, pathParameters: {} } : undefined;
  }

  #exact(node: Node, segs: readonly string[], i: number, method: string, values: string[]): HttpRouteMatch | undefined {
    if (i === segs.length) {
      const route = node.exact.get(method as RouteMethod) ?? node.exact.get('ANY');
      return route ? { route, pathParameters: params(node.paramNames, values) } : undefined;
    }
    const seg = segs[i] as string;
    const lit = literal(node, seg);
    if (lit) {
      const m = this.#exact(lit, segs, i + 1, method, values);
      if (m) return m;
    }
    // A `{var}` never matches an empty segment.
    if (node.param && seg !== '') {
      values.push(seg);
      const m = this.#exact(node.param.node, segs, i + 1, method, values);
      values.pop();
      if (m) return m;
    }
    return undefined;
  }

  #greedy(node: Node, segs: readonly string[], i: number, method: string, values: string[]): HttpRouteMatch | undefined {
    // Deeper (more specific) prefixes first: try the children before this node's greedy route.
    if (i < segs.length) {
      const seg = segs[i] as string;
      const lit = literal(node, seg);
      if (lit) {
        const m = this.#greedy(lit, segs, i + 1, method, values);
        if (m) return m;
      }
      if (node.param && seg !== '') {
        values.push(seg);
        const m = this.#greedy(node.param.node, segs, i + 1, method, values);
        values.pop();
        if (m) return m;
      }
    }
    // `{proxy+}` needs at least one more segment: `/{proxy+}` does not match `/`, but HTTP
    // APIs let `/handler/{proxy+}` match `/handler/` with `proxy: ""` (seen in real events).
    if (node.greedy && i < segs.length) {
      const route = node.greedy.byMethod.get(method as RouteMethod) ?? node.greedy.byMethod.get('ANY');
      if (route) {
        const p = params(node.paramNames, values) as Record<string, string>;
        p[node.greedy.name] = segs.slice(i).join('/');
        return { route, pathParameters: p };
      }
    }
    return undefined;
  }
}

/**
 * The literal child for a request segment. HTTP APIs match the decoded path, so `/caf%C3%A9`
 * reaches `GET /café`; most segments have no `%` and cost one map lookup.
 */
function literal(node: Node, seg: string): Node | undefined {
  const hit = node.literals.get(seg);
  if (hit || !seg.includes('%')) return hit;
  try {
    return node.literals.get(decodeURIComponent(seg));
  } catch {
    return undefined;
  }
}

function params(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i] as string] = values[i] as string;
  return out;
}
