/**
 * What every part of the REST OpenAPI loader shares: the document, where it is, which
 * flavour it is (OpenAPI 3.0 or Swagger 2.0), and how to report a located problem.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api.html
 */
import type { ConfigError } from '../../errors/index.ts';
import type { JsonPath } from '../json-path.ts';
import type { SourceFile } from '../source-file.ts';

/** `oas3` (OpenAPI 3.0.x) or `swagger2` (Swagger 2.0): they place models, parameters and bodies differently. */
export type DocFlavour = 'oas3' | 'swagger2';

/** The loader's state for one OpenAPI document. */
export interface RestDocContext {
  readonly src: SourceFile;
  readonly doc: Readonly<Record<string, unknown>>;
  readonly flavour: DocFlavour;
  readonly apiId: string;
  readonly functionNames: ReadonlySet<string>;
  /** A located warning (an error instead when `import.failOnWarnings` is set). */
  readonly warn: (path: JsonPath, reason: string) => void;
  /** A located error; loading goes on to report as many as possible. */
  readonly fail: (error: ConfigError) => void;
}

/** A plain object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at `key` of `obj`, or `{}` when absent; reports a non-object. */
export function objectAt(ctx: RestDocContext, obj: Readonly<Record<string, unknown>>, key: string, path: JsonPath): Record<string, unknown> {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (isRecord(v)) return v;
  ctx.fail(ctx.src.error([...path, key], `must be an object, got ${Array.isArray(v) ? 'a list' : typeof v}`));
  return {};
}

/** A map of strings (templates, parameter mappings): reports non-string values and drops them. */
export function stringMap(ctx: RestDocContext, raw: unknown, path: JsonPath): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    ctx.fail(ctx.src.error(path, 'must be an object of strings'));
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else ctx.fail(ctx.src.error([...path, k], `must be a string, got ${v === null ? 'null' : typeof v}`));
  }
  return out;
}

/** Decodes one JSON pointer segment (RFC 6901). */
export const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');
