/**
 * REST API mapping templates (Velocity Template Language): compiled once at load, rendered per
 * request. Behaviour follows spec §4.4–4.6 and AWS's reference:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 *
 * ```ts
 * const t = compileTemplate('{"name": "$input.path(\'$.name\')"}', 'integration request application/json');
 * const { output, requestOverride } = renderTemplate(t, { body, params, context, stageVariables });
 * ```
 */
import { VtlRenderer, MAX_OUTPUT_CHARS, type OverrideTargets } from './engine.ts';
import { VtlError } from './errors.ts';
import { InputVariable } from './input.ts';
import { copyTree, isMap, javaToString, mapPut, newMap, type VtlMap } from './java-values.ts';
import { collectInterpolations, parseTemplate, type Ast } from './parser.ts';
import { UTIL } from './util.ts';

export { VtlError, type VtlErrorCode } from './errors.ts';
export { escapeJavaScript, urlEncode, urlDecode, base64Encode, base64Decode } from './util.ts';
export { MAX_FOREACH_ITERATIONS } from './engine.ts';

/** The request parameters `$input.params()` exposes. */
export interface VtlParams {
  readonly path: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  /** Header names as the client sent them. */
  readonly header: Readonly<Record<string, string>>;
}

/** What one render reads. Never mutated. */
export interface VtlInput {
  /** The payload as text ('' when empty): the request body (request templates) or the integration's response body (response templates). */
  readonly body: string;
  /** `$input.params()`. */
  readonly params: VtlParams;
  /** The `$context` tree (nested plain objects; leaves string/number/boolean/null). */
  readonly context: Readonly<Record<string, unknown>>;
  /** `$stageVariables`. */
  readonly stageVariables: Readonly<Record<string, string>>;
}

/** `$context.requestOverride.*` as the template set them. */
export interface RequestOverride {
  readonly header: Record<string, string>;
  readonly querystring: Record<string, string>;
  readonly path: Record<string, string>;
}

/** `$context.responseOverride.*` as the template set them; `status` only when an integer 100–599. */
export interface ResponseOverride {
  status?: number;
  readonly header: Record<string, string>;
}

/** A rendered template and the overrides it set. */
export interface VtlResult {
  readonly output: string;
  readonly requestOverride: RequestOverride;
  readonly responseOverride: ResponseOverride;
}

/** A parsed template; opaque, reusable across requests and threads of control. */
export interface CompiledTemplate {
  /** Where the template came from, prefixed to every error message. */
  readonly where: string;
}

interface Parsed {
  readonly asts: Ast[];
  readonly strings: ReadonlyMap<string, Ast[]>;
}

const parsed = new WeakMap<CompiledTemplate, Parsed>();

/** AWS: a mapping template is at most 300 KB (spec §4.4, §12; DG:limits). */
export const MAX_TEMPLATE_BYTES = 300 * 1024;

/** Parses once at load. Throws VtlError (SYNTAX, with line/column, prefixed by `where`) or for a template over 300 KB. */
export function compileTemplate(text: string, where: string): CompiledTemplate {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEMPLATE_BYTES) {
    throw new VtlError('PORTICO_ERR_VTL_LIMIT', `${where}: mapping template is ${bytes} bytes; the limit is ${MAX_TEMPLATE_BYTES} (300 KB)`);
  }
  const asts = parseTemplate(text, where);
  const template: CompiledTemplate = Object.freeze({ where });
  parsed.set(template, { asts, strings: collectInterpolations(asts, where) });
  return template;
}

/** An override value as header/query text: lists (multi-value headers) join with `,`. */
function overrideText(value: unknown): string {
  return Array.isArray(value) ? value.map(javaToString).join(',') : javaToString(value);
}

function texts(map: VtlMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) if (v !== null && v !== undefined) out[k] = overrideText(v);
  return out;
}

/** `responseOverride.status`: "only integers 100–599 are honoured" (spec §4.5); `"404"` counts. */
function statusOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/** Renders per request; never re-parses. Throws VtlError (RUNTIME/LIMIT). */
export function renderTemplate(template: CompiledTemplate, input: VtlInput): VtlResult {
  const compiled = parsed.get(template);
  if (compiled === undefined) throw new TypeError('renderTemplate: not a template from compileTemplate');
  const request = { header: newMap(), querystring: newMap(), path: newMap() };
  const responseHeader = newMap();
  const response = newMap();
  mapPut(response, 'header', responseHeader);
  const requestOverride = newMap();
  for (const [k, v] of Object.entries(request)) mapPut(requestOverride, k, v);

  // $context is a fresh copy each render: templates may #set into it, the caller's tree stays intact.
  const copied = copyTree(input.context);
  const context = isMap(copied) ? copied : newMap();
  mapPut(context, 'requestOverride', requestOverride);
  mapPut(context, 'responseOverride', response);
  const root = newMap();
  mapPut(root, 'context', context);
  mapPut(root, 'input', new InputVariable(input.body, input.params));
  mapPut(root, 'util', UTIL);
  mapPut(root, 'stageVariables', copyTree(input.stageVariables));

  const targets: OverrideTargets = { leaves: new Set([request.header, request.querystring, request.path, responseHeader]), response };
  let output: string;
  try {
    output = new VtlRenderer(compiled.asts, compiled.strings, targets).run(root);
  } catch (cause) {
    if (cause instanceof VtlError) throw new VtlError(cause.code, `${template.where}: ${cause.message}`, { cause });
    // A stack overflow comes from runaway recursion (a map that contains itself, deep macros).
    const code = cause instanceof RangeError ? 'PORTICO_ERR_VTL_LIMIT' : 'PORTICO_ERR_VTL_RUNTIME';
    throw new VtlError(code, `${template.where}: template rendering failed`, { cause });
  }
  if (output.length > MAX_OUTPUT_CHARS) throw new VtlError('PORTICO_ERR_VTL_LIMIT', `${template.where}: template output is larger than 10 MB`);

  const responseOverride: ResponseOverride = { header: texts(responseHeader) };
  const status = statusOf(response['status']);
  if (status !== undefined) responseOverride.status = status;
  return {
    output,
    requestOverride: { header: texts(request.header), querystring: texts(request.querystring), path: texts(request.path) },
    responseOverride,
  };
}
