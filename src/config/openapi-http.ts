/**
 * OpenAPI 3 → HTTP API routes, as AWS's ImportApi reads it:
 * every operation with an `x-amazon-apigateway-integration` becomes the route `METHOD /path`,
 * `x-amazon-apigateway-any-method` becomes `ANY`, and `/$default` with `isDefaultRoute` the `$default` route.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
 */
import type { Authorizer, CorsConfiguration, Route } from '../model/index.ts';
import { parseRouteKey } from '../pipeline/1-route/route-key.ts';
import { HttpSecuritySchemes } from './http-authorizers.ts';
import { buildHttpApiIntegration } from './http-integration.ts';
import type { JsonPath } from './json-path.ts';
import type { SourceFile } from './source-file.ts';
import type { ConfigError } from '../errors/index.ts';

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** Extensions this loader understands, where they may appear. Others are warned about, never fatal. */
const KNOWN_ROOT = new Set(['x-amazon-apigateway-cors', 'x-amazon-apigateway-importexport-version', 'x-amazon-apigateway-tag-value']);
const KNOWN_OPERATION = new Set(['x-amazon-apigateway-integration']);
const KNOWN_PATH_ITEM = new Set(['x-amazon-apigateway-any-method']);
const KNOWN_COMPONENTS = new Set(['x-amazon-apigateway-integrations']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A route and where it was defined (for errors found once all routes are known). */
export interface LocatedRoute {
  readonly route: Route;
  readonly path: JsonPath;
}

/** The routes of a document, and its CORS object (checked by the caller with the project's). */
export interface OpenApiHttpResult {
  readonly routes: LocatedRoute[];
  /** Every route key the document declares, loaded or not (throttling settings may name them). */
  readonly routeKeys: string[];
  readonly cors?: { readonly config: unknown; readonly path: JsonPath };
  readonly title?: string;
  /** The document's authorizers, keyed by authorizerId. */
  readonly authorizers?: Readonly<Record<string, Authorizer>>;
}

/** What {@link loadOpenApiHttp} needs. */
export interface OpenApiHttpInput {
  readonly src: SourceFile;
  readonly functionNames: ReadonlySet<string>;
  /** Collects located warnings. */
  readonly warn: (message: string) => void;
  /** Collects located errors; loading goes on to report as many as possible. */
  readonly fail: (error: ConfigError) => void;
}

/** Loads an HTTP API's routes from an OpenAPI 3 document. */
export function loadOpenApiHttp(input: OpenApiHttpInput): OpenApiHttpResult {
  const { src, warn } = input;
  // A shared integration referenced by several operations is reported once, not per route.
  const reported = new Set<string>();
  const fail = (e: ConfigError): void => {
    if (reported.has(e.message)) return;
    reported.add(e.message);
    input.fail(e);
  };
  const doc = src.data;
  if (!isRecord(doc)) {
    fail(src.error([], 'an OpenAPI document must be an object'));
    return { routes: [], routeKeys: [] };
  }
  if (typeof doc['openapi'] !== 'string' || !doc['openapi'].startsWith('3.')) {
    if (typeof doc['swagger'] === 'string') fail(src.error(['swagger'], `HTTP APIs import OpenAPI 3 only; Swagger ${doc['swagger']} is for REST APIs`));
    else if (doc['openapi'] === undefined) fail(src.error([], 'missing "openapi: 3.x" (HTTP APIs import OpenAPI 3 documents)'));
    else fail(src.error(['openapi'], `must be an OpenAPI 3 version string such as "3.0.1", got ${JSON.stringify(doc['openapi'])}`));
    return { routes: [], routeKeys: [] };
  }
  warnUnknown(doc, [], KNOWN_ROOT, input);

  const components = isRecord(doc['components']) ? doc['components'] : {};
  warnUnknown(components, ['components'], KNOWN_COMPONENTS, input);
  const shared = isRecord(components['x-amazon-apigateway-integrations']) ? components['x-amazon-apigateway-integrations'] : {};
  const rootSecurity = doc['security'];
  const security = new HttpSecuritySchemes(doc, { src, functionNames: input.functionNames, fail });

  const routes: LocatedRoute[] = [];
  const routeKeys: string[] = [];
  const paths = doc['paths'];
  if (paths !== undefined && !isRecord(paths)) fail(src.error(['paths'], 'must be an object'));
  for (const [pathKey, item] of Object.entries(isRecord(paths) ? paths : {})) {
    const itemPath: JsonPath = ['paths', pathKey];
    if (pathKey.startsWith('x-')) {
      // Specification extensions of the Paths object, not paths.
      if (pathKey.startsWith('x-amazon-apigateway-')) warn(src.warning(itemPath, `${pathKey} is not supported for HTTP APIs and is ignored`));
      continue;
    }
    if (!isRecord(item)) {
      fail(src.error(itemPath, 'a path item must be an object of operations'));
      continue;
    }
    warnUnknown(item, itemPath, KNOWN_PATH_ITEM, input);
    if ('trace' in item) warn(src.warning([...itemPath, 'trace'], 'HTTP API routes have no TRACE method; the operation is skipped'));
    // The path is checked once, not once per operation under it.
    let pathError: string | undefined;
    if (pathKey !== '/$default') {
      try {
        parseRouteKey(`ANY ${pathKey}`);
      } catch (e) {
        pathError = (e as Error).message.replace(/^route key "ANY /, 'path "');
        fail(src.error(itemPath, pathError));
      }
    }
    const ops: [string, string][] = OPERATIONS.filter((m) => m in item).map((m) => [m, m.toUpperCase()]);
    if ('x-amazon-apigateway-any-method' in item) ops.push(['x-amazon-apigateway-any-method', 'ANY']);
    for (const [opKey, method] of ops) {
      const op = item[opKey];
      const opPath: JsonPath = [...itemPath, opKey];
      if (!isRecord(op)) {
        fail(src.error(opPath, 'an operation must be an object'));
        continue;
      }
      warnUnknown(op, opPath, KNOWN_OPERATION, input);
      const isDefault = pathKey === '/$default' || op['isDefaultRoute'] === true;
      if (!isDefault && pathError !== undefined) continue;
      const routeKey = isDefault ? '$default' : `${method} ${pathKey}`;
      routeKeys.push(routeKey);
      let raw = op['x-amazon-apigateway-integration'];
      let intPath: JsonPath = [...opPath, 'x-amazon-apigateway-integration'];
      if (raw === undefined) {
        // AWS imports an operation without an integration as a route with no target; it answers 404.
        warn(src.warning(opPath, `${routeKey} has no x-amazon-apigateway-integration; the route is skipped (AWS would create it without a target)`));
        continue;
      }
      // A root `security` applies to every operation without its own (OpenAPI 3 §4.8.1). AWS
      // ignores it (spec §13.2); applying it errs on the safe side: nothing is served open by mistake.
      const ownSecurity = op['security'] !== undefined;
      const auth = security.routeAuth(ownSecurity ? op['security'] : rootSecurity, ownSecurity ? [...opPath, 'security'] : ['security']);
      if (!auth) continue;
      if (isRecord(raw) && raw['$ref'] !== undefined) {
        const ref = raw['$ref'];
        const name = typeof ref === 'string' ? /^#\/components\/x-amazon-apigateway-integrations\/([^/]+)$/.exec(ref)?.[1] : undefined;
        // JSON pointer escapes (RFC 6901).
        const key = name?.replace(/~1/g, '/').replace(/~0/g, '~');
        const target = key === undefined ? undefined : shared[key];
        if (key === undefined || target === undefined) {
          fail(src.error([...intPath, '$ref'], `${JSON.stringify(ref)} does not name an entry of components.x-amazon-apigateway-integrations (defined: ${Object.keys(shared).join(', ') || 'none'})`));
          continue;
        }
        // Problems in a shared integration are located where it is written.
        raw = target;
        intPath = ['components', 'x-amazon-apigateway-integrations', key];
      }
      try {
        const integration = buildHttpApiIntegration(raw, { src, path: intPath, integrationId: routeKey, functionNames: input.functionNames });
        routes.push({ route: { routeId: routeKey, routeKey, integration, ...auth, source: src.where(opPath) }, path: opPath });
      } catch (e) {
        fail(e as ConfigError);
      }
    }
  }
  const info = isRecord(doc['info']) ? doc['info'] : {};
  const cors = doc['x-amazon-apigateway-cors'];
  return {
    routes,
    routeKeys,
    authorizers: security.authorizers,
    ...(cors !== undefined ? { cors: { config: cors, path: ['x-amazon-apigateway-cors'] } } : {}),
    ...(typeof info['title'] === 'string' ? { title: info['title'] } : {}),
  };
}

function warnUnknown(obj: Record<string, unknown>, path: JsonPath, known: ReadonlySet<string>, input: OpenApiHttpInput): void {
  for (const key of Object.keys(obj)) {
    if (key.startsWith('x-amazon-apigateway-') && !known.has(key)) {
      input.warn(input.src.warning([...path, key], `${key} is not supported for HTTP APIs and is ignored`));
    }
  }
}

const CORS_KEYS = ['allowOrigins', 'allowMethods', 'allowHeaders', 'exposeHeaders', 'maxAge', 'allowCredentials'];

/** What is wrong with a CORS object: `key` is the field at fault (absent: the object itself). */
export interface CorsProblem {
  readonly key?: string;
  readonly reason: string;
}

/**
 * Turns a CORS object (OpenAPI or portico.yaml) into the model. Shape problems are returned,
 * every one of them, instead of a configuration; AWS's own rules are in validateCors.
 */
export function toCorsConfiguration(raw: unknown): { config: CorsConfiguration; problems: [] } | { config: undefined; problems: CorsProblem[] } {
  if (!isRecord(raw)) return { config: undefined, problems: [{ reason: 'CORS configuration must be an object' }] };
  const problems: CorsProblem[] = [];
  // A misspelt key (allowOrigin) would otherwise silently turn CORS off.
  for (const key of Object.keys(raw)) {
    if (!CORS_KEYS.includes(key)) problems.push({ key, reason: `unknown CORS key "${key}" (expected ${CORS_KEYS.join(', ')})` });
  }
  const list = (k: string): string[] => {
    const v = raw[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      problems.push({ key: k, reason: `${k} must be a list of strings` });
      return [];
    }
    return v as string[];
  };
  const maxAge = raw['maxAge'];
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge))) problems.push({ key: 'maxAge', reason: 'maxAge must be an integer (seconds)' });
  const cred = raw['allowCredentials'];
  if (cred !== undefined && typeof cred !== 'boolean') problems.push({ key: 'allowCredentials', reason: 'allowCredentials must be true or false' });
  const config: CorsConfiguration = {
    allowOrigins: list('allowOrigins'),
    allowMethods: list('allowMethods'),
    allowHeaders: list('allowHeaders'),
    exposeHeaders: list('exposeHeaders'),
    ...(typeof maxAge === 'number' ? { maxAge } : {}),
    allowCredentials: cred === true,
  };
  return problems.length > 0 ? { config: undefined, problems } : { config, problems: [] };
}
