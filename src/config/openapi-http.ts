/**
 * OpenAPI 3 → HTTP API routes, as AWS's ImportApi reads it:
 * every operation with an `x-amazon-apigateway-integration` becomes the route `METHOD /path`,
 * `x-amazon-apigateway-any-method` becomes `ANY`, and `/$default` with `isDefaultRoute` the `$default` route.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
 */
import type { CorsConfiguration, Route } from '../model/index.ts';
import { parseRouteKey } from '../pipeline/1-route/route-key.ts';
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

export interface OpenApiHttpResult {
  readonly routes: Route[];
  readonly cors?: { readonly config: unknown; readonly path: JsonPath };
  readonly title?: string;
}

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
  const { src, warn, fail } = input;
  const doc = src.data;
  if (!isRecord(doc)) {
    fail(src.error([], 'an OpenAPI document must be an object'));
    return { routes: [] };
  }
  if (typeof doc['openapi'] !== 'string' || !doc['openapi'].startsWith('3.')) {
    const swagger = typeof doc['swagger'] === 'string';
    fail(src.error(['openapi'], swagger ? 'HTTP APIs import OpenAPI 3 only; Swagger 2.0 is for REST APIs' : 'missing "openapi: 3.x"'));
    return { routes: [] };
  }
  warnUnknown(doc, [], KNOWN_ROOT, input);

  const components = isRecord(doc['components']) ? doc['components'] : {};
  warnUnknown(components, ['components'], KNOWN_COMPONENTS, input);
  const shared = isRecord(components['x-amazon-apigateway-integrations']) ? components['x-amazon-apigateway-integrations'] : {};

  const routes: Route[] = [];
  const paths = doc['paths'];
  if (paths !== undefined && !isRecord(paths)) fail(src.error(['paths'], 'must be an object'));
  for (const [pathKey, item] of Object.entries(isRecord(paths) ? paths : {})) {
    if (!isRecord(item)) continue;
    const itemPath: JsonPath = ['paths', pathKey];
    warnUnknown(item, itemPath, KNOWN_PATH_ITEM, input);
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
      const routeKey = isDefault ? '$default' : `${method} ${pathKey}`;
      try {
        parseRouteKey(routeKey);
      } catch (e) {
        fail(src.error(itemPath, (e as Error).message));
        continue;
      }
      let raw = op['x-amazon-apigateway-integration'];
      const intPath: JsonPath = [...opPath, 'x-amazon-apigateway-integration'];
      if (raw === undefined) {
        // AWS imports an operation without an integration as a route with no target; it answers 404.
        warn(`${src.where(opPath)}: ${routeKey} has no x-amazon-apigateway-integration; the route is skipped (AWS would create it without a target)`);
        continue;
      }
      if (isRecord(raw) && typeof raw['$ref'] === 'string') {
        const name = /^#\/components\/x-amazon-apigateway-integrations\/(.+)$/.exec(raw['$ref'])?.[1];
        const target = name === undefined ? undefined : shared[name];
        if (target === undefined) {
          fail(src.error([...intPath, '$ref'], `"${raw['$ref']}" does not name an entry of components.x-amazon-apigateway-integrations`));
          continue;
        }
        raw = target;
      }
      if (op['security'] !== undefined && Array.isArray(op['security']) && op['security'].length > 0) {
        // Authorizers arrive with the access-control work; serving the route open would be unsafe.
        fail(src.error([...opPath, 'security'], 'authorizers (security) are not supported yet by portico; remove the requirement to serve this route'));
        continue;
      }
      try {
        const integration = buildHttpApiIntegration(raw, {
          src,
          path: intPath,
          integrationId: `${routeKey}`,
          functionNames: input.functionNames,
        });
        routes.push({ routeId: routeKey, routeKey, integration, authorizationType: 'NONE', source: src.where(opPath) });
      } catch (e) {
        fail(e as ConfigError);
      }
    }
  }
  const info = isRecord(doc['info']) ? doc['info'] : {};
  const cors = doc['x-amazon-apigateway-cors'];
  return {
    routes,
    ...(cors !== undefined ? { cors: { config: cors, path: ['x-amazon-apigateway-cors'] } } : {}),
    ...(typeof info['title'] === 'string' ? { title: info['title'] } : {}),
  };
}

function warnUnknown(obj: Record<string, unknown>, path: JsonPath, known: ReadonlySet<string>, input: OpenApiHttpInput): void {
  for (const key of Object.keys(obj)) {
    if (key.startsWith('x-amazon-apigateway-') && !known.has(key)) {
      input.warn(`${input.src.where([...path, key])}: ${key} is not supported for HTTP APIs and is ignored`);
    }
  }
}

/** Turns a CORS object (OpenAPI or portico.yaml) into the model; reasons are thrown as Error. */
export function toCorsConfiguration(raw: unknown): CorsConfiguration {
  if (!isRecord(raw)) throw new Error('CORS configuration must be an object');
  const list = (k: string): string[] => {
    const v = raw[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${k} must be a list of strings`);
    return v as string[];
  };
  const maxAge = raw['maxAge'];
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge))) throw new Error('maxAge must be an integer (seconds)');
  const cred = raw['allowCredentials'];
  if (cred !== undefined && typeof cred !== 'boolean') throw new Error('allowCredentials must be true or false');
  return {
    allowOrigins: list('allowOrigins'),
    allowMethods: list('allowMethods'),
    allowHeaders: list('allowHeaders'),
    exposeHeaders: list('exposeHeaders'),
    ...(typeof maxAge === 'number' ? { maxAge } : {}),
    allowCredentials: cred === true,
  };
}
