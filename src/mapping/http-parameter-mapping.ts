/**
 * HTTP API parameter mapping: `requestParameters` change the request before it reaches the
 * integration, `responseParameters` (keyed by the backend's status code) change its answer.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 *
 * Everything is validated and parsed at load (`compile*`); a request only evaluates parts.
 */
import type { ParameterMapping, ResponseParameterMappings } from '../model/index.ts';
import type { HeaderPair } from '../pipeline/types.ts';
import { isFieldValue, TOKEN } from '../util/http.ts';
import {
  compileValue,
  evaluateValue,
  parseBodyForSelection,
  selectJson,
  type CompiledValue,
  type SourceResolver,
  type ValueSource,
} from './mapping-value.ts';

export type { CompiledValue, ValueSource } from './mapping-value.ts';
export { contextVariables, DEFAULT_ACCOUNT_ID } from './context-variables.ts';

/** What a mapping does to a header or query parameter. */
export type MappingAction = 'append' | 'overwrite' | 'remove';

/** One header or query string operation, parsed. `name` keeps the key's spelling. */
export interface CompiledOperation {
  readonly action: MappingAction;
  readonly name: string;
  /** `undefined` for `remove` (its value, conventionally `''`, is ignored). */
  readonly value: CompiledValue | undefined;
}

/** Request mapping, parsed at load. */
export interface CompiledRequestMapping {
  readonly headers: readonly CompiledOperation[];
  readonly querystrings: readonly CompiledOperation[];
  /** `overwrite:path`. */
  readonly path: CompiledValue | undefined;
  /** Some value reads `$request.body`: the body must be buffered before {@link applyRequestMapping}. */
  readonly needsBody: boolean;
}

/** One operation with its value resolved for a request. */
export interface ResolvedOperation {
  readonly action: MappingAction;
  readonly name: string;
  /** `''` for `remove`. */
  readonly value: string;
}

/** What a request mapping produced; apply with {@link applyHeaderOperations} / {@link applyQueryOperations}. */
export interface MappedRequest {
  readonly headerOps: readonly ResolvedOperation[];
  readonly queryOps: readonly ResolvedOperation[];
  /** The path to send instead of the integration URI's, or `undefined`. */
  readonly path: string | undefined;
}

/** The request as request mappings see it. */
export interface MappingInput {
  /** Case-insensitive lookup; repeated headers joined with `,` (as `GatewayRequest.headers`). */
  header(name: string): string | undefined;
  /** Case-sensitive; decoded; repeated parameters joined with `,`. */
  querystring(name: string): string | undefined;
  /** `$request.path`: the request path without the stage. */
  readonly path: string;
  pathParameter(name: string): string | undefined;
  /** The raw body, when the mapping needs it (`needsBody`). Parsed lazily, at most once. */
  readonly body: Buffer | undefined;
  context(name: string): string | undefined;
  stageVariable(name: string): string | undefined;
}

// "The following headers are reserved. You can't configure request or response mappings for these headers."
const RESERVED_HEADERS = new Set([
  'authorization', 'connection', 'content-encoding', 'content-length', 'content-location', 'forwarded',
  'keep-alive', 'origin', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers',
  'transfer-encoding', 'upgrade', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'via',
]);
const RESERVED_PREFIXES = ['access-control-', 'apigw-', 'x-amz-', 'x-amzn-'];
const OPERATION_KEY = /^(append|overwrite|remove):(header|querystring)\.(.+)$/;

/** True when AWS refuses mappings for this header name. */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p));
}

function compileHeaderName(name: string, key: string): string {
  if (!TOKEN.test(name)) throw new Error(`"${key}": "${name}" is not a valid header name`);
  if (isReservedHeader(name)) throw new Error(`"${key}": header "${name}" is reserved and cannot be mapped`);
  return name;
}

function compileEntryValue(key: string, value: unknown, side: 'request' | 'response'): CompiledValue {
  if (typeof value !== 'string') throw new Error(`"${key}": the value must be a string`);
  try {
    return compileValue(value, side);
  } catch (err) {
    throw new Error(`"${key}": ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Validates and parses `requestParameters`. Throws an Error whose message names the key;
 * `where` (the integration's `source`) prefixes it so the loader can wrap it in a ConfigError.
 */
export function compileRequestMapping(mapping: ParameterMapping, where: string): CompiledRequestMapping {
  const headers: CompiledOperation[] = [];
  const querystrings: CompiledOperation[] = [];
  let path: CompiledValue | undefined;
  try {
    for (const [key, value] of Object.entries(mapping)) {
      if (key === 'overwrite:path') {
        path = compileEntryValue(key, value, 'request');
        continue;
      }
      const m = OPERATION_KEY.exec(key);
      if (!m) {
        throw new Error(`"${key}" is not a request parameter mapping key (append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME or overwrite:path)`);
      }
      const action = m[1] as MappingAction;
      const target = m[2] as 'header' | 'querystring';
      const name = target === 'header' ? compileHeaderName(m[3] as string, key) : (m[3] as string);
      const op: CompiledOperation = { action, name, value: action === 'remove' ? undefined : compileEntryValue(key, value, 'request') };
      (target === 'header' ? headers : querystrings).push(op);
    }
  } catch (err) {
    throw new Error(`${where}: requestParameters: ${(err as Error).message}`, { cause: err });
  }
  const values = [...headers, ...querystrings].map((o) => o.value).concat(path);
  return { headers, querystrings, path, needsBody: values.some((v) => v?.readsBody === true) };
}

/**
 * Resolves operations for one request. `header` operations whose value is not a valid field
 * value are dropped: a decoded query parameter, a body field or a stage variable can hold CR/LF
 * or characters above 0xFF, and sending them would fail the request (Node refuses to write
 * them) or, worse, split the header. AWS documents nothing here; dropping the one operation is
 * what it does for a source that resolves to nothing, so the request goes on.
 */
function resolveOperations(ops: readonly CompiledOperation[], resolve: SourceResolver, header: boolean): ResolvedOperation[] {
  const out: ResolvedOperation[] = [];
  for (const op of ops) {
    if (op.value === undefined) {
      out.push({ action: op.action, name: op.name, value: '' });
      continue;
    }
    const value = evaluateValue(op.value, resolve);
    // A single variable with nothing behind it (absent header...) skips the operation.
    if (value !== undefined && (!header || isFieldValue(value))) out.push({ action: op.action, name: op.name, value });
  }
  return out;
}

/** A resolver over a (lazily parsed) body plus the shared context and stage variable lookups. */
function bodyResolver(body: Buffer | undefined): (source: Extract<ValueSource, { kind: 'body' }>) => string | undefined {
  let parsed: { value: unknown } | undefined;
  return (source) => {
    if (source.steps === null) return body === undefined ? undefined : body.toString('utf8');
    parsed ??= { value: parseBodyForSelection(body) };
    return parsed.value === undefined ? undefined : selectJson(parsed.value, source.steps);
  };
}

/** Evaluates a compiled request mapping for one request. */
export function applyRequestMapping(compiled: CompiledRequestMapping, input: MappingInput): MappedRequest {
  const body = bodyResolver(input.body);
  const resolve: SourceResolver = (s) => {
    switch (s.kind) {
      case 'header': return input.header(s.name);
      case 'querystring': return input.querystring(s.name);
      case 'body': return body(s);
      case 'path': return input.path;
      case 'pathParameter': return input.pathParameter(s.name);
      case 'context': return input.context(s.name);
      case 'stageVariable': return input.stageVariable(s.name);
    }
  };
  return {
    headerOps: resolveOperations(compiled.headers, resolve, true),
    queryOps: resolveOperations(compiled.querystrings, resolve, false),
    path: compiled.path === undefined ? undefined : evaluateValue(compiled.path, resolve),
  };
}

/**
 * Applies operations to a name/value list: all removes, then overwrites, then appends, so
 * `remove:header.a` + `append:header.a` yields only the appended value. Values were resolved
 * against the original request, so a rename (append b from a, remove a) works in any key order.
 */
function applyOperations(
  list: readonly HeaderPair[],
  ops: readonly ResolvedOperation[],
  same: (a: string, b: string) => boolean,
): HeaderPair[] {
  let out = [...list];
  for (const action of ['remove', 'overwrite', 'append'] as const) {
    for (const op of ops) {
      if (op.action !== action) continue;
      if (action !== 'append') out = out.filter(([n]) => !same(n, op.name));
      if (action !== 'remove') out.push([op.name, op.value]);
    }
  }
  return out;
}

const sameHeader = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const sameQuery = (a: string, b: string): boolean => a === b;

/** Applies header operations (names compared case-insensitively). */
export function applyHeaderOperations(headers: readonly HeaderPair[], ops: readonly ResolvedOperation[]): HeaderPair[] {
  return applyOperations(headers, ops, sameHeader);
}

/** Applies query string operations to decoded `[name, value]` pairs (names are case-sensitive). */
export function applyQueryOperations(query: readonly HeaderPair[], ops: readonly ResolvedOperation[]): HeaderPair[] {
  return applyOperations(query, ops, sameQuery);
}

/** Response mapping of one backend status code. */
export interface CompiledResponseRule {
  readonly headers: readonly CompiledOperation[];
  /** `overwrite:statuscode`. */
  readonly statusCode: CompiledValue | undefined;
  readonly needsBody: boolean;
}

/** Response mappings keyed by the backend's status code. */
export type CompiledResponseMapping = ReadonlyMap<number, CompiledResponseRule>;

const RESPONSE_HEADER_KEY = /^(append|overwrite|remove):header\.(.+)$/;

/** Validates and parses `responseParameters` (`{"500": {"overwrite:statuscode": "403"}}`). Throws like {@link compileRequestMapping}. */
export function compileResponseMapping(mappings: ResponseParameterMappings, where: string): CompiledResponseMapping {
  const rules = new Map<number, CompiledResponseRule>();
  try {
    for (const [status, mapping] of Object.entries(mappings)) {
      if (!/^[1-5]\d\d$/.test(status)) throw new Error(`"${status}" is not a status code`);
      const headers: CompiledOperation[] = [];
      let statusCode: CompiledValue | undefined;
      for (const [key, value] of Object.entries(mapping)) {
        if (key === 'overwrite:statuscode') {
          statusCode = compileEntryValue(key, value, 'response');
          const text = statusCode.parts.length === 1 ? statusCode.parts[0] : undefined;
          if (typeof text === 'string' && parseStatus(text) === undefined) throw new Error(`"${status}": "${key}": "${text}" is not a status code`);
          continue;
        }
        const m = RESPONSE_HEADER_KEY.exec(key);
        if (!m) throw new Error(`"${status}": "${key}" is not a response parameter mapping key (append|overwrite|remove:header.NAME or overwrite:statuscode)`);
        const action = m[1] as MappingAction;
        const name = compileHeaderName(m[2] as string, key);
        headers.push({ action, name, value: action === 'remove' ? undefined : compileEntryValue(key, value, 'response') });
      }
      const needsBody = statusCode?.readsBody === true || headers.some((h) => h.value?.readsBody === true);
      rules.set(Number(status), { headers, statusCode, needsBody });
    }
  } catch (err) {
    throw new Error(`${where}: responseParameters: ${(err as Error).message}`, { cause: err });
  }
  return rules;
}

/**
 * A status a mapping may answer with: 200-599. A 1xx is an interim response (RFC 9110 §15.2);
 * sent as the final one it leaves the client waiting.
 */
function parseStatus(text: string): number | undefined {
  const n = /^\s*[2-5]\d\d\s*$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/** The backend response as response mappings see it. */
export interface ResponseMappingInput {
  readonly statusCode: number;
  readonly headers: readonly HeaderPair[];
  /** The buffered body when the rule needs it (`needsBody`). */
  readonly body: Buffer | undefined;
  context(name: string): string | undefined;
  stageVariable(name: string): string | undefined;
}

/** Applies the rule for the backend's status code, if any; returns the new status and headers. */
export function applyResponseMapping(
  compiled: CompiledResponseMapping,
  input: ResponseMappingInput,
): { statusCode: number; headers: HeaderPair[] } {
  const rule = compiled.get(input.statusCode);
  if (rule === undefined) return { statusCode: input.statusCode, headers: [...input.headers] };
  const body = bodyResolver(input.body);
  const resolve: SourceResolver = (s) => {
    switch (s.kind) {
      case 'header': {
        const values = input.headers.filter(([n]) => n.toLowerCase() === s.name).map(([, v]) => v);
        return values.length === 0 ? undefined : values.join(',');
      }
      case 'body': return body(s);
      case 'context': return input.context(s.name);
      case 'stageVariable': return input.stageVariable(s.name);
      default: return undefined;
    }
  };
  // An unusable dynamic status (not 2xx-5xx) leaves the backend's status in place.
  const status = rule.statusCode === undefined ? undefined : parseStatus(evaluateValue(rule.statusCode, resolve) ?? '');
  return {
    statusCode: status ?? input.statusCode,
    headers: applyHeaderOperations(input.headers, resolveOperations(rule.headers, resolve, true)),
  };
}
