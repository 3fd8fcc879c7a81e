/**
 * The stage cache's key for a request: the request's method, the integration's `cacheNamespace`
 * (by default the resource's id) and the values of its `cacheKeyParameters`, nothing else.
 * Parameters not in the list don't vary the entry (`?type=admin&department=A` serves
 * `?type=admin&department=B`), and that includes path parameters: `/pets/1` and `/pets/2` share
 * an entry unless `method.request.path.id` is a key parameter, as on AWS (the console adds
 * `method.request.path.proxy` to `{proxy+}` methods itself; an imported file must list it).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#enable-api-gateway-cache-keys
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html (cacheNamespace: "You can
 * specify the same cacheNamespace across resources to return the same cached data for requests
 * to different resources.")
 */
import type { Method, Resource } from '../../model/index.ts';
import { parseQuery } from '../../util/http.ts';
import type { RestContext } from '../types.ts';

/** Reads one key parameter's value from a request; `null` when absent. */
type Reader = (ctx: RestContext, query: () => Array<[string, string]>) => string | null;

const PARAMETER = /^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$/;

function reader(parameter: string): Reader {
  const m = PARAMETER.exec(parameter);
  // The loader checked every name (config/rest/integration.ts); anything else keys nothing.
  if (!m) return () => null;
  const [, where, name = ''] = m;
  switch (where) {
    case 'path':
      return (ctx) => ctx.match?.pathParameters[name] ?? null;
    case 'querystring':
      // The last value, as a method.request.querystring mapping sees it.
      return (_ctx, query) => query().findLast(([k]) => k === name)?.[1] ?? null;
    case 'multivaluequerystring':
      return (_ctx, query) => {
        const values = query().filter(([k]) => k === name).map(([, v]) => v);
        return values.length > 0 ? JSON.stringify(values) : null;
      };
    default:
      // Repeated headers arrive joined with `,`: the single and multi-value forms agree.
      return (ctx) => ctx.request.headers[name.toLowerCase()] ?? null;
  }
}

/** Builds a method's key function once, at load. */
export function compileCacheKey(resource: Resource, method: Method): (ctx: RestContext) => string {
  const integration = method.methodIntegration;
  const namespace = integration.cacheNamespace ?? resource.id;
  const readers = integration.cacheKeyParameters.map((p) => [p, reader(p)] as const);
  return (ctx) => {
    let parsed: Array<[string, string]> | undefined;
    const query = (): Array<[string, string]> => (parsed ??= parseQuery(ctx.request.rawQuery));
    // JSON keeps the parts apart whatever they hold; names keep a shared namespace unambiguous.
    return JSON.stringify([namespace, ctx.httpMethod, readers.map(([p, read]) => [p, read(ctx, query)])]);
  };
}
