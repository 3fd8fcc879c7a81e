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
import { buildHttpApiIntegration } from './http-integration.ts';
import { fromPointer, type JsonPath } from './json-path.ts';
import { loadOpenApiHttp, toCorsConfiguration } from './openapi-http.ts';
import { projectSchema } from './project-schema.ts';
import { SourceFile } from './source-file.ts';

/** Project file names looked up in a directory, in order. */
export const PROJECT_FILES = ['portico.yaml', 'portico.yml', 'portico.json'];
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

const validate = new Ajv({ allErrors: true, useDefaults: false, strict: false }).compile(projectSchema);

/** Finds portico.yaml for a directory or file argument. */
export function resolveProjectFile(target: string): string {
  const abs = resolve(target);
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    for (const name of PROJECT_FILES) if (existsSync(join(abs, name))) return join(abs, name);
    throw new ConfigError(abs, '$', `no ${PROJECT_FILES.join(' / ')} in this directory`);
  }
  return abs;
}

/** Loads and checks a project. Throws ConfigErrors listing every problem found. */
export function loadProject(target: string): Project {
  const file = resolveProjectFile(target);
  const src = SourceFile.read(file);
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  if (!validate(src.data)) {
    throw new ConfigErrors((validate.errors ?? []).map((e) => src.error(fromPointer(e.instancePath), ajvReason(e))));
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
    if (other !== undefined) errors.push(src.error([...path, 'apiId'], `API id "${apiId}" is already used by "${other}"`));
    ids.set(apiId, rawApi.name);
    if (rawApi.type !== 'HTTP') {
      errors.push(src.error([...path, 'type'], `${rawApi.type} APIs are not supported yet by this version of portico (HTTP is)`));
      return;
    }
    const api = loadHttpApi(rawApi, { src, path, dir, apiId, functionNames, errors, warnings });
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
  readonly functionNames: ReadonlySet<string>;
  readonly errors: ConfigError[];
  readonly warnings: string[];
}

function loadHttpApi(raw: RawApi, input: ApiLoadInput): HttpApi | undefined {
  const { src, path, errors } = input;
  const routes: Route[] = [];
  let corsRaw: { config: unknown; src: SourceFile; path: JsonPath } | undefined;

  if (raw.openapi !== undefined) {
    let oas: SourceFile | undefined;
    try {
      oas = SourceFile.read(resolve(input.dir, raw.openapi));
    } catch (e) {
      errors.push(e instanceof ConfigError ? src.error([...path, 'openapi'], `${raw.openapi}: ${e.reason}`) : (e as ConfigError));
    }
    if (oas) {
      const result = loadOpenApiHttp({ src: oas, functionNames: input.functionNames, warn: (w) => input.warnings.push(w), fail: (e) => errors.push(e) });
      routes.push(...result.routes);
      if (result.cors) corsRaw = { config: result.cors.config, src: oas, path: result.cors.path };
    }
  }
  for (const [routeKey, r] of Object.entries(raw.routes ?? {})) {
    const rpath: JsonPath = [...path, 'routes', routeKey];
    const kinds = (['function', 'http', 'integration'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      errors.push(src.error(rpath, 'a route needs exactly one of "function", "http" or "integration"'));
      continue;
    }
    const common = { payloadFormatVersion: r.payloadFormatVersion, timeoutInMillis: r.timeoutInMillis, requestParameters: r.requestParameters, responseParameters: r.responseParameters };
    const rawIntegration =
      r.function !== undefined
        ? { type: 'AWS_PROXY', uri: `arn:aws:lambda:us-east-1:123456789012:function:${r.function}`, ...common }
        : r.http !== undefined
          ? { type: 'HTTP_PROXY', uri: r.http, httpMethod: r.method ?? 'ANY', ...common }
          : r.integration;
    try {
      const integration = buildHttpApiIntegration(rawIntegration, { src, path: r.function !== undefined ? rpath : r.http !== undefined ? rpath : [...rpath, 'integration'], integrationId: routeKey, functionNames: input.functionNames });
      routes.push({ routeId: routeKey, routeKey, integration, authorizationType: 'NONE', source: src.where(rpath) });
    } catch (e) {
      errors.push(e as ConfigError);
    }
  }
  try {
    new HttpRouter(routes);
  } catch (e) {
    errors.push(src.error([...path, raw.routes ? 'routes' : 'openapi'], (e as Error).message));
  }
  if (raw.cors !== undefined) corsRaw = { config: raw.cors, src, path: [...path, 'cors'] };
  let corsConfiguration;
  if (corsRaw) {
    try {
      corsConfiguration = toCorsConfiguration(corsRaw.config);
      for (const reason of validateCors(corsConfiguration)) errors.push(corsRaw.src.error(corsRaw.path, reason));
    } catch (e) {
      errors.push(corsRaw.src.error(corsRaw.path, (e as Error).message));
    }
  }
  const stages = loadStages(raw, input);
  if (routes.length === 0 && !errors.length) input.warnings.push(`${src.where(path)}: API "${raw.name}" has no routes; every request gets 404`);
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

function loadStages(raw: RawApi, input: ApiLoadInput): Stage[] {
  const { src, path, errors } = input;
  if (raw.stages && (raw.stage !== undefined || raw.stageVariables !== undefined || raw.throttling !== undefined)) {
    errors.push(src.error([...path, 'stages'], 'use either "stages" or the one-stage form "stage"/"stageVariables"/"throttling", not both'));
  }
  const entries: RawStage[] = raw.stages ?? [{ name: raw.stage ?? '$default', variables: raw.stageVariables, throttling: raw.throttling }];
  const seen = new Set<string>();
  return entries.map((s, i) => {
    if (seen.has(s.name)) errors.push(src.error([...path, 'stages', i, 'name'], `stage "${s.name}" is listed twice`));
    seen.add(s.name);
    const vars = Object.fromEntries(Object.entries({ ...s.stageVariables, ...s.variables }).map(([k, v]) => [k, String(v)]));
    const t = s.throttling ?? {};
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
  const modulePath = HANDLER_EXTENSIONS.map((ext) => base + ext).find((p) => existsSync(p));
  if (!modulePath) {
    throw o.src.error(['functions', name, 'handler'], `no handler file ${f.handler.slice(0, dot)}{${HANDLER_EXTENSIONS.join(',')}} next to portico.yaml`);
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

function ajvReason(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key "${String(e.params['additionalProperty'])}"`;
    case 'required':
      return `missing required key "${String(e.params['missingProperty'])}"`;
    case 'enum':
      return `must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? e.keyword;
  }
}

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
