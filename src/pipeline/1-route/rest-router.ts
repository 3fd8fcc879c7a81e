/**
 * REST API resource matching (spec §1.2): the resource tree, walked segment by segment with
 * AWS's precedence at each level — a literal child beats `{param}`, which beats `{proxy+}` —
 * and backtracking, so a path the literal branch cannot finish is tried through the variable
 * ones. A resource only matches when it has the method (or `ANY`); otherwise the search goes on
 * (a `/{proxy+}` ANY catches methods a more specific resource lacks, as LocalStack's rule map
 * over (path, method) pairs does). A concrete method beats `ANY` on the same resource; `GET`
 * does not serve `HEAD`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
 *
 * Path parameters are captured raw (not decoded), as REST events carry them. One trailing `/`
 * is ignored; extra leading slashes are dropped (`//proxy-value` routes like `/proxy-value`).
 */
import type { Method, Resource } from '../../model/index.ts';
import { decodeLenient } from '../../util/http.ts';

export interface RestRouteMatch {
  readonly resource: Resource;
  readonly method: Method;
  /** Raw values keyed by variable name (`proxy` for `{proxy+}`); `{}` without variables. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface Node {
  resource?: Resource;
  readonly literals: Map<string, Node>;
  param?: { readonly name: string; readonly node: Node };
  greedy?: { readonly name: string; readonly resource: Resource };
}

const newNode = (): Node => ({ literals: new Map() });
const VARIABLE = /^\{([^{}+]+)(\+?)\}$/;

export class RestRouter {
  readonly #root: Node = newNode();

  /** Builds the tree from the API's resources (the loader has checked their path parts). */
  constructor(resources: readonly Resource[]) {
    for (const resource of resources) {
      let node = this.#root;
      const parts = resource.path.split('/').filter((p) => p !== '');
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        const variable = VARIABLE.exec(part);
        if (variable?.[2] === '+') {
          if (i !== parts.length - 1) throw new Error(`resource ${resource.path}: a greedy path variable must be the last part`);
          node.greedy = { name: variable[1] as string, resource };
          node = newNode();
          break;
        }
        if (variable) {
          const name = variable[1] as string;
          if (node.param && node.param.name !== name) throw new Error(`resource ${resource.path}: {${name}} conflicts with its sibling {${node.param.name}}`);
          node.param ??= { name, node: newNode() };
          node = node.param.node;
        } else {
          let next = node.literals.get(part);
          if (!next) node.literals.set(part, (next = newNode()));
          node = next;
        }
      }
      if (!parts.some((p) => p.endsWith('+}'))) node.resource = resource;
    }
  }

  /**
   * The resource and method for a path after the stage (`/pets/7`, raw) and a method;
   * undefined when nothing matches (→ 403 Missing Authentication Token).
   */
  match(httpMethod: string, stagePath: string): RestRouteMatch | undefined {
    // `//a` routes like `/a`; one trailing `/` is ignored (`/pets/` matches `/pets`).
    let path = stagePath.replace(/^\/+/, '');
    if (path.endsWith('/')) path = path.slice(0, -1);
    const segments = path === '' ? [] : path.split('/');
    const values: string[] = [];
    const names: string[] = [];
    return this.#walk(this.#root, segments, 0, httpMethod, names, values);
  }

  #walk(node: Node, segments: readonly string[], i: number, httpMethod: string, names: string[], values: string[]): RestRouteMatch | undefined {
    if (i === segments.length) {
      const method = node.resource && methodOf(node.resource, httpMethod);
      if (method && node.resource) return { resource: node.resource, method, pathParameters: record(names, values) };
    } else {
      const segment = segments[i] as string;
      if (segment !== '') {
        // Literals compare decoded (`/pet%73` is `/pets`); captured values stay raw.
        const literal = node.literals.get(segment) ?? (segment.includes('%') ? node.literals.get(decodeLenient(segment)) : undefined);
        const viaLiteral = literal && this.#walk(literal, segments, i + 1, httpMethod, names, values);
        if (viaLiteral) return viaLiteral;
        if (node.param) {
          names.push(node.param.name);
          values.push(segment);
          const viaParam = this.#walk(node.param.node, segments, i + 1, httpMethod, names, values);
          if (viaParam) return viaParam;
          names.pop();
          values.pop();
        }
      }
    }
    // `{proxy+}` takes one or more remaining segments, never none (`/{proxy+}` does not match `/`).
    if (node.greedy && i < segments.length) {
      const method = methodOf(node.greedy.resource, httpMethod);
      if (method) {
        const rest = segments.slice(i).join('/');
        return { resource: node.greedy.resource, method, pathParameters: record([...names, node.greedy.name], [...values, rest]) };
      }
    }
    return undefined;
  }
}

/** The resource's method for a request method: the concrete one, else `ANY` (which covers the seven methods). */
function methodOf(resource: Resource, httpMethod: string): Method | undefined {
  return resource.resourceMethods[httpMethod] ?? (ANY_COVERS.has(httpMethod) ? resource.resourceMethods['ANY'] : undefined);
}

const ANY_COVERS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);

function record(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i] as string] = values[i] as string;
  return out;
}
