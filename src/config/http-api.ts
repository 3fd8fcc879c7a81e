/**
 * An HTTP API entry of portico.yaml → HttpApi: OpenAPI routes and native routes merged,
 * CORS, stages. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html
 */
import { resolve } from 'node:path';
import type { Authorizer, HttpApi, Route } from '../model/index.ts';
import { ConfigError, ConfigErrors } from '../errors/index.ts';
import { HttpRouter } from '../pipeline/1-route/http-router.ts';
import { validateCors } from '../pipeline/cors/http-cors.ts';
import { parseRouteKey } from '../pipeline/1-route/route-key.ts';
import { buildHttpApiIntegration } from './http-integration.ts';
import type { JsonPath } from './json-path.ts';
import { loadOpenApiHttp, toCorsConfiguration, type LocatedRoute } from './openapi-http.ts';
import type { RawApi } from './raw-types.ts';
import { loadNativeAuthorizers, nativeRouteAuth } from './http-route-auth.ts';
import { SourceFile } from './source-file.ts';
import { loadStages, type ApiLoadInput } from './stages.ts';

/** A loaded route, the file it came from and its path there. */
interface SourcedRoute extends LocatedRoute {
  readonly src: SourceFile;
}

/** Loads one HTTP API; problems go to `input.errors`. */
export function loadHttpApi(raw: RawApi, input: ApiLoadInput): HttpApi | undefined {
  const { src, path, errors } = input;
  const loaded: SourcedRoute[] = [];
  // Every route key declared, loaded or not; undefined when the OpenAPI file could not be read.
  let declared: Set<string> | undefined = new Set();
  let corsRaw: { config: unknown; src: SourceFile; path: JsonPath } | undefined;
  let authorizers: Readonly<Record<string, Authorizer>> = {};
  for (const key of ['routeSelectionExpression', 'limits'] as const) {
    if (raw[key] !== undefined) errors.push(src.error([...path, key], `"${key}" is only for WebSocket APIs`));
  }

  if (raw.openapi !== undefined) {
    const file = resolve(input.dir, raw.openapi);
    let oas: SourceFile | undefined;
    try {
      oas = SourceFile.read(file);
    } catch (e) {
      if (e instanceof ConfigErrors) errors.push(...e.errors); // syntax errors, located in the OpenAPI file
      else if (e instanceof ConfigError) errors.push(src.error([...path, 'openapi'], `${raw.openapi}: ${e.reason} (${file})`));
      else throw e;
      declared = undefined;
    }
    if (oas) {
      const result = loadOpenApiHttp({ src: oas, functionNames: input.functionNames, warn: (w) => input.warnings.push(w), fail: (e) => errors.push(e) });
      const from = oas;
      loaded.push(...result.routes.map((r) => ({ ...r, src: from })));
      for (const k of result.routeKeys) declared?.add(k);
      if (result.cors) corsRaw = { config: result.cors.config, src: oas, path: result.cors.path };
      authorizers = result.authorizers ?? {};
    }
  }
  // Native authorizers (`authorizers:`) join the OpenAPI document's; routes of either may name them.
  authorizers = { ...authorizers, ...loadNativeAuthorizers(raw, input, authorizers) };
  for (const [routeKey, r] of Object.entries(raw.routes ?? {})) {
    const rpath: JsonPath = [...path, 'routes', routeKey];
    declared?.add(routeKey);
    try {
      parseRouteKey(routeKey);
    } catch (e) {
      errors.push(src.error(rpath, (e as Error).message));
      continue;
    }
    // `authorizer` is both: a name here, an object on WebSocket $connect (http-route-auth.ts).
    const wsOnly = (['mock', 'routeResponse'] as const).find((k) => r[k] !== undefined);
    if (wsOnly !== undefined) {
      errors.push(src.error([...rpath, wsOnly], `"${wsOnly}" is only for WebSocket API routes`));
      continue;
    }
    const kinds = (['function', 'http', 'integration'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      const got = kinds.length === 0 ? 'none' : kinds.map((k) => `"${k}"`).join(' and ');
      errors.push(src.error(rpath, `a route needs exactly one of "function", "http" or "integration", got ${got}`));
      continue;
    }
    const auth = nativeRouteAuth(r, rpath, authorizers, input);
    if (!auth) continue;
    const common = { payloadFormatVersion: r.payloadFormatVersion, timeoutInMillis: r.timeoutInMillis, requestParameters: r.requestParameters, responseParameters: r.responseParameters };
    const shorthand =
      r.function !== undefined
        ? { raw: { type: 'AWS_PROXY', uri: `arn:aws:lambda:${input.region}:${input.accountId}:function:${r.function}`, ...common }, path: rpath, keys: { uri: 'function' } }
        : r.http !== undefined
          ? { raw: { type: 'HTTP_PROXY', uri: r.http, httpMethod: r.method ?? 'ANY', ...common }, path: rpath, keys: { uri: 'http', httpMethod: 'method' } }
          : { raw: r.integration, path: [...rpath, 'integration'] };
    try {
      const integration = buildHttpApiIntegration(shorthand.raw, { src, path: shorthand.path, integrationId: routeKey, functionNames: input.functionNames, ...('keys' in shorthand ? { keys: shorthand.keys } : {}) });
      loaded.push({ route: { routeId: routeKey, routeKey, integration, ...auth, source: src.where(rpath) }, path: rpath, src });
    } catch (e) {
      errors.push(e as ConfigError);
    }
  }
  const routes = checkRoutes(loaded, errors);

  if (raw.cors !== undefined) {
    if (corsRaw) input.warnings.push(src.warning([...path, 'cors'], `overrides x-amazon-apigateway-cors of ${corsRaw.src.where(corsRaw.path)}`));
    corsRaw = { config: raw.cors, src, path: [...path, 'cors'] };
  }
  let corsConfiguration;
  if (corsRaw) {
    const { config, problems } = toCorsConfiguration(corsRaw.config);
    for (const p of problems) errors.push(corsRaw.src.error(p.key === undefined ? corsRaw.path : [...corsRaw.path, p.key], p.reason));
    if (config) {
      corsConfiguration = config;
      for (const reason of validateCors(config)) errors.push(corsRaw.src.error([...corsRaw.path, ...corsKeyOf(reason)], reason));
    }
  }
  const stages = loadStages(raw, input, declared);
  if (routes.length === 0 && !errors.length) input.warnings.push(src.warning(path, `API "${raw.name}" has no routes; every request gets 404`));
  return {
    apiId: input.apiId,
    name: raw.name,
    protocolType: 'HTTP',
    routes,
    authorizers,
    stages,
    ...(corsConfiguration ? { corsConfiguration } : {}),
    ...(raw.port !== undefined ? { port: raw.port } : {}),
    source: src.where(path),
  };
}

/**
 * Reports duplicate and conflicting route keys, each at the route that clashes with an
 * earlier one, and returns the routes that can be served together.
 */
function checkRoutes(loaded: readonly SourcedRoute[], errors: ConfigError[]): Route[] {
  const first = new Map<string, string>();
  const unique: Route[] = [];
  const sources: SourcedRoute[] = [];
  for (const r of loaded) {
    const other = first.get(r.route.routeKey);
    if (other !== undefined) {
      errors.push(r.src.error(r.path, `duplicate route key "${r.route.routeKey}" (also defined at ${other})`));
      continue;
    }
    first.set(r.route.routeKey, r.route.source);
    unique.push(r.route);
    sources.push(r);
  }
  try {
    new HttpRouter(unique);
    return unique;
  } catch {
    // The router stops at the first conflict; add the routes one by one to find each of them.
    const ok: Route[] = [];
    for (const r of sources) {
      try {
        new HttpRouter([...ok, r.route]);
        ok.push(r.route);
      } catch (e) {
        errors.push(r.src.error(r.path, (e as Error).message));
      }
    }
    return ok;
  }
}

/** The CORS field a validateCors reason is about (`allowOrigins: ...`), as a path suffix. */
function corsKeyOf(reason: string): JsonPath {
  const key = /^(allowOrigins|allowMethods|allowHeaders|exposeHeaders|maxAge):/.exec(reason)?.[1];
  if (key !== undefined) return [key];
  return /allow-credentials/i.test(reason) ? ['allowCredentials'] : [];
}

