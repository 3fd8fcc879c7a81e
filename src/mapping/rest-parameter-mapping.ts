/**
 * REST API parameter mapping: integration `requestParameters`
 * (`integration.request.{header|querystring|path}.X` ← `method.request.*` | `context.*` |
 * `stageVariables.*` | `'static'`) and integration response `responseParameters`
 * (`method.response.header.X` ← `integration.response.*` | `context.*` | `stageVariables.*` | `'static'`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-parameter-mapping-sources.html
 *
 * Validated and parsed at load; a request only looks values up. Behaviour follows LocalStack's
 * parameters_mapping.py and its tests (some recorded against AWS), spec §4.3:
 *  - request header names are matched case-sensitively, as LocalStack does ("the mapping is strict");
 *    response header names case-insensitively (the HTTP client lower-cases them; docs/rest-api.md);
 *  - `header` / `querystring` take the last value, `multivalueheader` joins with `,`,
 *    `multivaluequerystring` gives the list (one value: the value);
 *  - a value that resolves to nothing or to `""` is skipped.
 */
import { GatewayError } from '../errors/index.ts';
import type { RestIntegrationType } from '../model/index.ts';
import { TOKEN } from '../util/http.ts';
import { compileJsonPath, type JsonPathSteps } from './mapping-value.ts';
import { lookupContext } from './rest-context.ts';

/** Where a mapped value comes from, parsed. */
export type RestValueSource =
  | { readonly kind: 'static'; readonly value: string }
  | { readonly kind: 'path' | 'querystring' | 'multivaluequerystring' | 'header' | 'multivalueheader'; readonly name: string }
  /** `steps: null` is the whole body. */
  | { readonly kind: 'body'; readonly steps: JsonPathSteps | null }
  | { readonly kind: 'context'; readonly path: string }
  | { readonly kind: 'stageVariable'; readonly name: string };

/** One `integration.request.{location}.{name}` entry. */
export interface CompiledRestRequestEntry {
  readonly location: 'header' | 'querystring' | 'path';
  readonly name: string;
  readonly source: RestValueSource;
}

/** Integration `requestParameters`, parsed at load. */
export interface CompiledRestRequestParameters {
  readonly entries: readonly CompiledRestRequestEntry[];
  /** Some entry reads `method.request.body`: buffer the body before applying. */
  readonly readsBody: boolean;
}

/** Integration response `responseParameters`, parsed at load. */
export interface CompiledRestResponseParameters {
  readonly entries: readonly { readonly name: string; readonly source: RestValueSource }[];
  /** Some entry reads `integration.response.body`. */
  readonly readsBody: boolean;
}

/** The method request, as request mappings read it. */
export interface RestRequestSource {
  /** Raw (not decoded), as REST passes path parameters on (spec §1.2). */
  readonly pathParameters: Readonly<Record<string, string>>;
  /** Decoded, in order. */
  readonly query: readonly (readonly [string, string])[];
  /** Client casing, in order. */
  readonly headers: readonly (readonly [string, string])[];
  /** Called at most once, and only when an entry reads the body. */
  readonly body: () => Buffer | undefined;
  /** Called at most once, and only when an entry reads `context.*`. */
  readonly context: () => Record<string, unknown>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

/** What request mappings produced, by location; names as the keys spell them. */
export interface MappedRestRequest {
  readonly header: ReadonlyMap<string, string>;
  readonly querystring: ReadonlyMap<string, string | readonly string[]>;
  readonly path: ReadonlyMap<string, string>;
}

/** The integration response, as response mappings read it. */
export interface RestResponseSource {
  /** Backend casing, in order (pass raw header names: lookups are case-sensitive). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: () => Buffer | string | undefined;
  readonly context: () => Record<string, unknown>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

// PARAM_NAME: "It must match the regular expression '^[a-zA-Z0-9._$-]+$'".
// https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-parameter-mapping-sources.html
const PARAM_NAME = /^[a-zA-Z0-9._$-]+$/;
const CONTEXT_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
const STAGE_VARIABLE = /^[A-Za-z0-9_]+$/;
const REQUEST_KEY = /^integration\.request\.(header|querystring|path)\.(.+)$/;
const RESPONSE_KEY = /^method\.response\.header\.(.+)$/;

// Integration request headers AWS refuses to map (500 at run time on AWS; refused at load here).
// spec §4.2, LocalStack handlers/integration_request.py.
const NEVER_MAPPED = new Set(['content-length', 'transfer-encoding', 'x-amzn-trace-id', 'x-amzn-apigateway-api-id']);
const NOT_MAPPED_FOR_AWS = new Set(['authorization', 'connection', 'expect', 'proxy-authenticate', 'te']);

/** Parses one `where.kind.NAME` / `body[.path]` expression after its `method.request.` / `integration.response.` prefix. */
function compileMessageSource(expr: string, kinds: readonly string[], full: string): RestValueSource {
  if (expr === 'body') return { kind: 'body', steps: null };
  if (expr.startsWith('body.') || expr.startsWith('body[')) {
    // "method.request.body.JSONPath_EXPRESSION": the JSONPath without its leading `$`.
    return { kind: 'body', steps: compileJsonPath(expr.slice(4), full) };
  }
  const dot = expr.indexOf('.');
  const kind = dot < 0 ? expr : expr.slice(0, dot);
  const name = dot < 0 ? '' : expr.slice(dot + 1);
  if (!kinds.includes(kind)) throw new Error(`unknown mapping expression "${full}"`);
  if (!PARAM_NAME.test(name)) throw new Error(`invalid parameter name in "${full}"`);
  return { kind: kind as 'header', name };
}

/** Parses the value side: the request/response expression, `context.*`, `stageVariables.*` or `'static'`. */
function compileSource(value: unknown, prefix: string, kinds: readonly string[]): RestValueSource {
  if (typeof value !== 'string') throw new Error('the value must be a string');
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return { kind: 'static', value: value.slice(1, -1) };
  if (value.startsWith(prefix)) return compileMessageSource(value.slice(prefix.length), kinds, value);
  if (value.startsWith('context.')) {
    const path = value.slice('context.'.length);
    if (!CONTEXT_PATH.test(path)) throw new Error(`invalid context variable "${value}"`);
    return { kind: 'context', path };
  }
  if (value.startsWith('stageVariables.')) {
    const name = value.slice('stageVariables.'.length);
    if (!STAGE_VARIABLE.test(name)) throw new Error(`invalid stage variable "${value}"`);
    return { kind: 'stageVariable', name };
  }
  throw new Error(`unknown mapping expression "${value}" (expected ${prefix}*, context.*, stageVariables.* or a 'quoted' static value)`);
}

/** Runs `fn` per entry, prefixing errors with `where` and the key. */
function eachEntry(map: Readonly<Record<string, unknown>>, where: string, fn: (key: string, value: unknown) => void): void {
  for (const [key, value] of Object.entries(map)) {
    try {
      fn(key, value);
    } catch (err) {
      throw new Error(`${where}: "${key}": ${(err as Error).message}`, { cause: err });
    }
  }
}

const REQUEST_KINDS = ['path', 'querystring', 'multivaluequerystring', 'header', 'multivalueheader'];

/**
 * Load-time compile of integration `requestParameters` (keys integration.request.{header|querystring|path}.NAME;
 * values per spec §4.3). Throws Error naming `where` and the key. `AWS_PROXY` integrations ignore
 * their request parameters (spec §4.2 [aws-snap]): they are validated, then compiled to nothing.
 */
export function compileRestRequestParameters(
  map: Readonly<Record<string, string>>,
  where: string,
  integrationType: RestIntegrationType,
): CompiledRestRequestParameters {
  const entries: CompiledRestRequestEntry[] = [];
  eachEntry(map, where, (key, value) => {
    const m = REQUEST_KEY.exec(key);
    if (!m) throw new Error('keys must be integration.request.{header|querystring|path}.NAME');
    const location = m[1] as CompiledRestRequestEntry['location'];
    const name = m[2] as string;
    if (!PARAM_NAME.test(name)) throw new Error(`invalid parameter name "${name}"`);
    if (location === 'header') {
      const lower = name.toLowerCase();
      if (!TOKEN.test(name)) throw new Error(`"${name}" is not a valid header name`);
      const aws = integrationType === 'AWS' || integrationType === 'AWS_PROXY';
      if (NEVER_MAPPED.has(lower) || (aws && NOT_MAPPED_FOR_AWS.has(lower))) {
        throw new Error(`header "${name}" cannot be mapped${aws && NOT_MAPPED_FOR_AWS.has(lower) ? ` for ${integrationType} integrations` : ''}`);
      }
    }
    entries.push({ location, name, source: compileSource(value, 'method.request.', REQUEST_KINDS) });
  });
  if (integrationType === 'AWS_PROXY') return { entries: [], readsBody: false };
  return { entries, readsBody: entries.some((e) => e.source.kind === 'body') };
}

/**
 * Response side: method.response.header.NAME ← integration.response.{header|multivalueheader}.X |
 * integration.response.body[.JSONPath] | 'literal' | context.X | stageVariables.X.
 * Throws Error naming `where` and the key.
 */
export function compileRestResponseParameters(map: Readonly<Record<string, string>>, where: string): CompiledRestResponseParameters {
  const entries: { name: string; source: RestValueSource }[] = [];
  eachEntry(map, where, (key, value) => {
    const m = RESPONSE_KEY.exec(key);
    if (!m) throw new Error('keys must be method.response.header.NAME');
    const name = m[1] as string;
    if (!TOKEN.test(name)) throw new Error(`"${name}" is not a valid header name`);
    entries.push({ name, source: compileSource(value, 'integration.response.', ['header', 'multivalueheader']) });
  });
  return { entries, readsBody: entries.some((e) => e.source.kind === 'body') };
}

/** The parsed body JSON, or the body text; `{}` stands for an empty body. */
interface ParsedBody {
  readonly text: string;
  readonly json: unknown;
}

/**
 * AWS only JSON-parses a body that starts with `{`, `[`, `"` or `'` (after trimming); anything
 * else selects nothing. An empty body reads as `{}` ("validated against AWS" in LocalStack's
 * tests: `method.request.body` of an empty request is `{}`). Returns `undefined` for invalid JSON.
 * A leading `'` is not JSON, so such a body always fails, as in LocalStack (unverified on AWS).
 */
function parseBody(raw: Buffer | string | undefined): ParsedBody | undefined {
  const text = (typeof raw === 'string' ? raw : (raw?.toString('utf8') ?? '')).trim();
  if (text === '') return { text: '{}', json: {} };
  if (!'{["\''.includes(text[0] as string)) return { text, json: {} };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Walks JSONPath steps; own properties only. */
function select(root: unknown, steps: JsonPathSteps): unknown {
  let node = root;
  for (const step of steps) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else node = node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, step) ? (node as Record<string, unknown>)[step] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** A selected JSON or context value as header text: strings as they are, null as nothing, the rest as JSON. */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Values of a name in pairs, case-sensitively, in order. */
function valuesOf(pairs: readonly (readonly [string, string])[], name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of pairs) if (k === name) out.push(v);
  return out;
}

// REST events title-case these two whatever the client sent (spec §2.1 [aws-snap]), so a
// mapping of `method.request.header.Authorization` sees a lower-cased `authorization`.
const NORMALISED: Readonly<Record<string, string>> = { authorization: 'Authorization', 'user-agent': 'User-Agent' };
const normaliseHeaders = (headers: readonly (readonly [string, string])[]): (readonly [string, string])[] =>
  headers.map(([k, v]) => [NORMALISED[k.toLowerCase()] ?? k, v] as const);

/** Resolves sources for one request or response, parsing the body and building the context at most once. */
function resolver(
  headers: readonly (readonly [string, string])[],
  readBody: () => Buffer | string | undefined,
  context: () => Record<string, unknown>,
  stageVariables: Readonly<Record<string, string>>,
  invalidBody: () => GatewayError,
): (source: RestValueSource) => string | readonly string[] | undefined {
  let body: ParsedBody | undefined;
  let tree: Record<string, unknown> | undefined;
  return (source) => {
    switch (source.kind) {
      case 'static':
        return source.value;
      case 'header':
        return valuesOf(headers, source.name).at(-1);
      case 'multivalueheader':
        return valuesOf(headers, source.name).join(',');
      case 'body': {
        body ??= parseBody(readBody());
        if (!body) throw invalidBody();
        return source.steps === null ? body.text : asText(select(body.json, source.steps));
      }
      case 'context':
        tree ??= context();
        return asText(lookupContext(tree, source.path));
      case 'stageVariable':
        return Object.hasOwn(stageVariables, source.name) ? stageVariables[source.name] : undefined;
      default:
        return undefined;
    }
  };
}

/** Applies request mappings. Throws GatewayError BAD_REQUEST_BODY (400 `{"message":"Invalid JSON in request body"}`) for a body mapping on invalid JSON. */
export function applyRestRequestParameters(compiled: CompiledRestRequestParameters, source: RestRequestSource): MappedRestRequest {
  const header = new Map<string, string>();
  const querystring = new Map<string, string | readonly string[]>();
  const path = new Map<string, string>();
  if (compiled.entries.length === 0) return { header, querystring, path };
  // AWS answers 400 "Invalid JSON in request body" from its DEFAULT_4XX class (LocalStack raises
  // BadRequestException); BAD_REQUEST_BODY gives the same status, error type and body.
  const invalid = (): GatewayError => new GatewayError('BAD_REQUEST_BODY', { bodyMessage: 'Invalid JSON in request body', message: 'request parameter mapping: invalid JSON body' });
  const resolve = resolver(normaliseHeaders(source.headers), source.body, source.context, source.stageVariables, invalid);
  for (const { location, name, source: from } of compiled.entries) {
    let value: string | readonly string[] | undefined;
    if (from.kind === 'path') value = Object.hasOwn(source.pathParameters, from.name) ? source.pathParameters[from.name] : undefined;
    else if (from.kind === 'querystring') value = valuesOf(source.query, from.name).at(-1);
    else if (from.kind === 'multivaluequerystring') {
      const values = valuesOf(source.query, from.name);
      value = values.length === 1 ? values[0] : values;
    } else value = resolve(from);
    if (value === undefined || value.length === 0) continue;
    if (location === 'querystring') querystring.set(name, value);
    else (location === 'header' ? header : path).set(name, typeof value === 'string' ? value : value.join(','));
  }
  return { header, querystring, path };
}

/**
 * Applies integration response mappings: the method response headers to set, in key order.
 * Invalid JSON in the integration response body, for a body mapping, is AWS's 500
 * "Internal server error" (LocalStack: InternalFailureException); API_CONFIGURATION_ERROR gives that answer.
 */
export function applyRestResponseParameters(compiled: CompiledRestResponseParameters, source: RestResponseSource): [string, string][] {
  const out: [string, string][] = [];
  if (compiled.entries.length === 0) return out;
  const invalid = (): GatewayError => new GatewayError('API_CONFIGURATION_ERROR', { message: 'response parameter mapping: invalid JSON in the integration response body' });
  // Portico's HTTP client hands backend header names over lower-cased (HTTP/1.1 names are
  // case-insensitive), so the response side looks names up case-insensitively.
  const headers = source.headers.map(([k, v]) => [k.toLowerCase(), v] as const);
  const resolve = resolver(headers, source.body, source.context, source.stageVariables, invalid);
  for (const { name, source: from } of compiled.entries) {
    const value = resolve(from.kind === 'header' || from.kind === 'multivalueheader' ? { ...from, name: from.name.toLowerCase() } : from);
    if (typeof value === 'string' && value !== '') out.push([name, value]);
  }
  return out;
}
