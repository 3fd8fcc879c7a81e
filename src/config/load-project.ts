/**
 * portico.yaml → Project: validates the file against its schema, resolves functions,
 * and hands each API to its flavour's loader. Collects every problem it can find and
 * throws them together (ConfigErrors), each with file:line, JSON path and reason.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import type { AnyApi, FunctionConfig, Project } from '../model/index.ts';
import { ConfigError, ConfigErrors } from '../errors/index.ts';
import { loadAccess } from './access.ts';
import { loadHttpApi } from './http-api.ts';
import { loadRestApi } from './rest/rest-api.ts';
import { fromPointer, type JsonPath } from './json-path.ts';
import { projectSchema } from './project-schema.ts';
import type { RawFunction, RawProject } from './raw-types.ts';
import { SourceFile } from './source-file.ts';
import { stableId } from '../util/ids.ts';
import { parseCidr } from '../util/client-address.ts';
import { loadWebSocketApi } from './websocket-api.ts';

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

  const apis: AnyApi[] = [];
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
    const input = { src, path, dir, apiId, region, accountId, functionNames, errors, warnings };
    // ImportRestApi options mean nothing to the other flavours: say so rather than ignore them.
    if (rawApi.type !== 'REST' && rawApi.import !== undefined) errors.push(src.error([...path, 'import'], '"import" is only for REST APIs'));
    const api = rawApi.type === 'REST' ? loadRestApi(rawApi, input) : rawApi.type === 'HTTP' ? loadHttpApi(rawApi, input) : loadWebSocketApi(rawApi, input);
    if (api) apis.push(api);
  });

  const access = loadAccess(raw, apis, { src, errors, warnings });
  raw.trustedProxies?.forEach((range, i) => {
    const cidr = parseCidr(range.trim());
    if (typeof cidr === 'string') errors.push(src.error(['trustedProxies', i], cidr));
  });

  if (errors.length > 0) throw new ConfigErrors(errors);
  return { file, dir, region, accountId, functions, apis, ...access, warnings, ...(raw.host !== undefined ? { host: raw.host } : {}), ...(raw.port !== undefined ? { port: raw.port } : {}), ...(raw.state !== undefined ? { state: raw.state } : {}), ...(raw.cognito?.issuers !== undefined ? { cognitoIssuers: raw.cognito.issuers } : {}), ...(raw.admin !== undefined ? { admin: raw.admin } : {}), ...(raw.trustedProxies !== undefined && raw.trustedProxies.length > 0 ? { trustedProxies: raw.trustedProxies } : {}) };
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
  return stableId(name);
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
  // AWS's own wording for this keyword (`x-messages` in the schema, e.g. API key value lengths).
  const custom = isRecord(e.parentSchema) && isRecord(e.parentSchema['x-messages']) ? e.parentSchema['x-messages'][e.keyword] : undefined;
  if (typeof custom === 'string') return src.error(path, custom);
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

