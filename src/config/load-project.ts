/**
 * portico.yaml → Project: validates the file against its schema, resolves functions,
 * and hands each API to its flavour's loader. Collects every problem it can find and
 * throws them together (ConfigErrors), each with file:line, JSON path and reason.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import type { FunctionConfig, HttpApi, Project, Route, RouteSettings, Stage } from '../model/index.ts';
import { ConfigError, ConfigErrors } from '../errors/index.ts';
import { HttpRouter } from '../pipeline/1-route/http-router.ts';
import { validateCors } from '../pipeline/cors/http-cors.ts';
import { parseRouteKey } from '../pipeline/1-route/route-key.ts';
import { buildHttpApiIntegration } from './http-integration.ts';
import { fromPointer, type JsonPath } from './json-path.ts';
import { loadOpenApiHttp, toCorsConfiguration, type LocatedRoute } from './openapi-http.ts';
import { projectSchema } from './project-schema.ts';
import { SourceFile } from './source-file.ts';

/** Project file names looked up in a directory, in order. */
export const PROJECT_FILES = ['portico.yaml', 'portico.yml', 'portico.json'];
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

// `verbose` gives each error the offending value and its schema (for descriptions in reasons).
const validate = new Ajv({ allErrors: true, useDefaults: false, strict: false, verbose: true }).compile(projectSchema);

/** Finds portico.yaml for a directory or file argument. */
export function resolveProjectFile(target: string): string {
  const abs = resolve(target);
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    for (const name of PROJECT_FILES) if (existsSync(join(abs, name))) return join(abs, name);
    throw new ConfigError(abs, '$', `no ${PROJECT_FILES.join(' / ')} in this directory`);
  }
  return abs;
}

/** Loads and checks a project. Throws ConfigErrors (and only ConfigErrors) listing every problem found. */
export function loadProject(target: string): Project {
  let file: string;
  let src: SourceFile;
  try {
    file = resolveProjectFile(target);
    src = SourceFile.read(file);
  } catch (e) {
    throw e instanceof ConfigError ? new ConfigErrors([e]) : e;
  }
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  if (!validate(src.data)) {
    const found = (validate.errors ?? []).flatMap((e) => ajvError(src, e) ?? []);
    throw new ConfigErrors(found.sort((a, b) => lineOf(a) - lineOf(b)));
  }
  const raw = src.data as RawProject;
  const dir = dirname(file);
  const region = raw.region ?? 'us-east-1';
  const accountId = raw.accountId ?? '123456789012';

  const functions: Record<string, FunctionConfig> = {};
  for (const [name, f] of Object.entries(raw.functions ?? {})) {
    try {
      functions[name] = resolveFunction(name, f, { dir, src, region, accountId });
    } catch (e) {
      errors.push(e as ConfigError);
    }
  }
  // An API may name a function whose file is missing: report the file problem once, not per route.
  const functionNames = new Set(Object.keys(raw.functions ?? {}));

  const apis: HttpApi[] = [];
  const names = new Set<string>();
  const ids = new Map<string, string>();
  raw.apis.forEach((rawApi, i) => {
    const path: JsonPath = ['apis', i];
    if (names.has(rawApi.name)) errors.push(src.error([...path, 'name'], `another API is already named "${rawApi.name}"`));
    names.add(rawApi.name);
    const apiId = rawApi.apiId ?? deriveApiId(rawApi.name);
    const other = ids.get(apiId);
    // Two APIs with one name also share the derived id: that is the name error above, not a second one.
    if (other !== undefined && (other !== rawApi.name || rawApi.apiId !== undefined)) {
      errors.push(src.error([...path, 'apiId'], `API id "${apiId}" is already used by "${other}"`));
    }
    ids.set(apiId, rawApi.name);
    if (rawApi.type !== 'HTTP') {
      errors.push(src.error([...path, 'type'], `${rawApi.type} APIs are not supported yet by this version of portico (HTTP is)`));
      return;
    }
    const api = loadHttpApi(rawApi, { src, path, dir, apiId, region, accountId, functionNames, errors, warnings });
    if (api) apis.push(api);
  });

  if (errors.length > 0) throw new ConfigErrors(errors);
  return { file, dir, functions, apis, warnings, ...(raw.host !== undefined ? { host: raw.host } : {}), ...(raw.port !== undefined ? { port: raw.port } : {}) };
}

interface ApiLoadInput {
  readonly src: SourceFile;
  readonly path: JsonPath;
  readonly dir: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  readonly functionNames: ReadonlySet<string>;
  readonly errors: ConfigError[];
  readonly warnings: string[];
}

/** A loaded route, the file it came from and its path there. */
interface SourcedRoute extends LocatedRoute {
  readonly src: SourceFile;
}

function loadHttpApi(raw: RawApi, input: ApiLoadInput): HttpApi | undefined {
  const { src, path, errors } = input;
  const loaded: SourcedRoute[] = [];
  // Every route key declared, loaded or not; undefined when the OpenAPI file could not be read.
  let declared: Set<string> | undefined = new Set();
  let corsRaw: { config: unknown; src: SourceFile; path: JsonPath } | undefined;

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
    }
  }
  for (const [routeKey, r] of Object.entries(raw.routes ?? {})) {
    const rpath: JsonPath = [...path, 'routes', routeKey];
    declared?.add(routeKey);
    try {
      parseRouteKey(routeKey);
    } catch (e) {
      errors.push(src.error(rpath, (e as Error).message));
      continue;
    }
    const kinds = (['function', 'http', 'integration'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      const got = kinds.length === 0 ? 'none' : kinds.map((k) => `"${k}"`).join(' and ');
      errors.push(src.error(rpath, `a route needs exactly one of "function", "http" or "integration", got ${got}`));
      continue;
    }
    const common = { payloadFormatVersion: r.payloadFormatVersion, timeoutInMillis: r.timeoutInMillis, requestParameters: r.requestParameters, responseParameters: r.responseParameters };
    const shorthand =
      r.function !== undefined
        ? { raw: { type: 'AWS_PROXY', uri: `arn:aws:lambda:${input.region}:${input.accountId}:function:${r.function}`, ...common }, path: rpath, keys: { uri: 'function' } }
        : r.http !== undefined
          ? { raw: { type: 'HTTP_PROXY', uri: r.http, httpMethod: r.method ?? 'ANY', ...common }, path: rpath, keys: { uri: 'http', httpMethod: 'method' } }
          : { raw: r.integration, path: [...rpath, 'integration'] };
    try {
      const integration = buildHttpApiIntegration(shorthand.raw, { src, path: shorthand.path, integrationId: routeKey, functionNames: input.functionNames, ...('keys' in shorthand ? { keys: shorthand.keys } : {}) });
      loaded.push({ route: { routeId: routeKey, routeKey, integration, authorizationType: 'NONE', source: src.where(rpath) }, path: rpath, src });
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

function loadStages(raw: RawApi, input: ApiLoadInput, routeKeys: ReadonlySet<string> | undefined): Stage[] {
  const { src, path, errors } = input;
  if (raw.stages && (raw.stage !== undefined || raw.stageVariables !== undefined || raw.throttling !== undefined)) {
    const extra = (['stage', 'stageVariables', 'throttling'] as const).filter((k) => raw[k] !== undefined).map((k) => `"${k}"`).join(', ');
    errors.push(src.error([...path, 'stages'], `use either "stages" or the one-stage form "stage"/"stageVariables"/"throttling", not both (also given: ${extra})`));
  }
  const entries: { stage: RawStage; path: JsonPath }[] = raw.stages
    ? raw.stages.map((stage, i) => ({ stage, path: [...path, 'stages', i] }))
    : [{ stage: { name: raw.stage ?? '$default', variables: raw.stageVariables, throttling: raw.throttling }, path }];
  const seen = new Set<string>();
  return entries.map(({ stage: s, path: spath }) => {
    if (seen.has(s.name)) errors.push(src.error([...spath, 'name'], `stage "${s.name}" is listed twice`));
    seen.add(s.name);
    const vars = Object.fromEntries(Object.entries({ ...s.stageVariables, ...s.variables }).map(([k, v]) => [k, String(v)]));
    const t = s.throttling ?? {};
    for (const key of Object.keys(t.routes ?? {})) {
      // A misspelt route key would silently leave the route unthrottled (AWS refuses it too).
      if (routeKeys && !routeKeys.has(key)) {
        errors.push(src.error([...spath, 'throttling', 'routes', key], `"${key}" is not a route of this API (routes: ${[...routeKeys].join(', ') || 'none'})`));
      }
    }
    const limits = (x: RawLimits): RouteSettings => ({
      ...(x.rateLimit !== undefined ? { throttlingRateLimit: x.rateLimit } : {}),
      ...(x.burstLimit !== undefined ? { throttlingBurstLimit: x.burstLimit } : {}),
    });
    return {
      stageName: s.name,
      stageVariables: vars,
      defaultRouteSettings: limits(t),
      routeSettings: Object.fromEntries(Object.entries(t.routes ?? {}).map(([k, v]) => [k, limits(v)])),
    };
  });
}

function resolveFunction(name: string, f: RawFunction, o: { dir: string; src: SourceFile; region: string; accountId: string }): FunctionConfig {
  const dot = f.handler.lastIndexOf('.');
  const base = resolve(o.dir, f.handler.slice(0, dot));
  const exportName = f.handler.slice(dot + 1);
  const modulePath = HANDLER_EXTENSIONS.map((ext) => base + ext).find((p) => existsSync(p) && statSync(p).isFile());
  if (!modulePath) {
    const file = f.handler.slice(0, dot);
    const tried = HANDLER_EXTENSIONS.map((ext) => file + ext).join(', ');
    // `handlers/pets.mjs.list`: AWS's handler string has no extension.
    const hint = HANDLER_EXTENSIONS.some((ext) => file.endsWith(ext)) ? `; write the handler without the file extension, e.g. "${file.replace(/\.[cm]?js$/, '')}.${exportName}"` : '';
    throw o.src.error(['functions', name, 'handler'], `handler file not found: none of ${tried} exists in ${o.dir}${hint}`);
  }
  return {
    name,
    handler: f.handler,
    modulePath,
    exportName,
    timeout: f.timeout ?? 3,
    memorySize: f.memorySize ?? 128,
    environment: Object.fromEntries(Object.entries(f.environment ?? {}).map(([k, v]) => [k, String(v)])),
    reservedConcurrency: f.reservedConcurrency ?? 10,
    maxQueue: f.maxQueue ?? 100,
    region: o.region,
    accountId: o.accountId,
  };
}

/** A stable 10-character id from the API name, so invoke URLs survive restarts. */
export function deriveApiId(name: string): string {
  const n = BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 16));
  return n.toString(36).padStart(10, '0').slice(-10);
}

/** A schema error as a ConfigError at the key it is about; undefined for ajv's redundant summaries. */
function ajvError(src: SourceFile, e: ErrorObject): ConfigError | undefined {
  const path = fromPointer(e.instancePath);
  const description = isRecord(e.parentSchema) && typeof e.parentSchema['description'] === 'string' ? e.parentSchema['description'] : undefined;
  const got = e.data === undefined || (typeof e.data === 'object' && e.data !== null) ? '' : `, got ${JSON.stringify(e.data)}`;
  // `propertyNames` is followed by the error of the name itself (which has `propertyName`).
  if (e.keyword === 'propertyNames') return undefined;
  if (e.propertyName !== undefined) {
    return src.error([...path, e.propertyName], `"${e.propertyName}" is not a valid name${description ? `; ${description}` : ''}`);
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      const props = isRecord(e.parentSchema) && isRecord(e.parentSchema['properties']) ? Object.keys(e.parentSchema['properties']) : [];
      return src.error([...path, key], `unknown key "${key}"${props.length > 0 ? ` (expected one of ${props.join(', ')})` : ''}`);
    }
    case 'required':
      return src.error(path, `missing required key "${String(e.params['missingProperty'])}"`);
    case 'enum':
      return src.error(path, `must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`);
    case 'pattern':
      return src.error(path, `${JSON.stringify(e.data)} does not match ${String(e.params['pattern'])}${description ? `; ${description}` : ''}`);
    default:
      return src.error(path, `${e.message ?? e.keyword}${got}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The line of a ConfigError located at `file:line`, for sorting; 0 when it has none. */
const lineOf = (e: ConfigError): number => Number(/:(\d+)$/.exec(e.file)?.[1] ?? 0);

// The shapes ajv has checked (project-schema.ts).
type Scalar = string | number | boolean;
interface RawLimits { rateLimit?: number; burstLimit?: number }
interface RawThrottling extends RawLimits { routes?: Record<string, RawLimits> }
interface RawStage { name: string; variables?: Record<string, Scalar> | undefined; stageVariables?: Record<string, Scalar>; throttling?: RawThrottling | undefined }
interface RawRoute {
  function?: string;
  http?: string;
  method?: string;
  integration?: unknown;
  payloadFormatVersion?: string;
  timeoutInMillis?: number;
  requestParameters?: Record<string, string>;
  responseParameters?: Record<string, Record<string, string>>;
}
interface RawApi {
  name: string;
  type: 'HTTP' | 'REST' | 'WEBSOCKET';
  apiId?: string;
  openapi?: string;
  routes?: Record<string, RawRoute>;
  cors?: unknown;
  port?: number;
  stage?: string;
  stageVariables?: Record<string, Scalar>;
  throttling?: RawThrottling;
  stages?: RawStage[];
}
interface RawFunction {
  handler: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, Scalar>;
  reservedConcurrency?: number;
  maxQueue?: number;
}
interface RawProject {
  region?: string;
  accountId?: string;
  host?: string;
  port?: number;
  functions?: Record<string, RawFunction>;
  apis: RawApi[];
}
