/**
 * Values of HTTP API parameter mappings: `$request.header.x`, `${request.path.a} ${request.path.b}`,
 * static text. Parsed once at load into parts, so a request only looks values up and joins.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */

/** JSONPath steps into a body: property names and array indexes. */
export type JsonPathSteps = readonly (string | number)[];

/** Where one variable of a mapping value reads from. */
export type ValueSource =
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'querystring'; readonly name: string }
  /** `steps: null` is the whole body (`$request.body`), never truncated. */
  | { readonly kind: 'body'; readonly steps: JsonPathSteps | null }
  | { readonly kind: 'path' }
  | { readonly kind: 'pathParameter'; readonly name: string }
  | { readonly kind: 'context'; readonly name: string }
  | { readonly kind: 'stageVariable'; readonly name: string };

/** A parsed mapping value: text and variables in order. */
export interface CompiledValue {
  readonly parts: readonly (string | ValueSource)[];
  /**
   * The value is exactly one variable: when it resolves to nothing the operation is skipped
   * rather than sent empty (a missing source header must not create an empty header).
   */
  readonly single: boolean;
  /** Some part reads the body, so the caller must buffer it before applying. */
  readonly readsBody: boolean;
}

/** Which side a value is evaluated on: request mappings read `$request.*`, response mappings `$response.*`. */
export type MappingSide = 'request' | 'response';

/** Looks a variable up; `undefined` when the source has nothing. */
export type SourceResolver = (source: ValueSource) => string | undefined;

// "Only special characters . and _ are supported" for context variable names (same page).
const CONTEXT_NAME = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
// Stage variable names: alphanumerics and underscore.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables.html
const STAGE_VARIABLE_NAME = /^[A-Za-z0-9_]+$/;

/**
 * Parses a mapping value. A value starting with `$` (not `${`) must be exactly one variable;
 * `${...}` may appear any number of times inside text ("To use multiple variables in a
 * selection expression, enclose the variable in brackets"); anything else is static text.
 * Throws an Error naming the problem.
 */
export function compileValue(value: string, side: MappingSide): CompiledValue {
  if (value.startsWith('$') && !value.startsWith('${')) {
    const source = compileExpression(value.slice(1), side);
    return { parts: [source], single: true, readsBody: source.kind === 'body' };
  }
  const parts: (string | ValueSource)[] = [];
  let rest = value;
  for (let open = rest.indexOf('${'); open !== -1; open = rest.indexOf('${')) {
    const close = rest.indexOf('}', open + 2);
    if (close === -1) throw new Error(`unterminated "\${" in value ${JSON.stringify(value)}`);
    if (open > 0) parts.push(rest.slice(0, open));
    parts.push(compileExpression(rest.slice(open + 2, close), side));
    rest = rest.slice(close + 1);
  }
  if (rest !== '') parts.push(rest);
  const variables = parts.filter((p): p is ValueSource => typeof p !== 'string');
  return {
    parts,
    single: parts.length === 1 && variables.length === 1,
    readsBody: variables.some((v) => v.kind === 'body'),
  };
}

/** Parses `request.header.x`, `context.requestId`... (the text after `$` or inside `${}`). */
function compileExpression(expr: string, side: MappingSide): ValueSource {
  const dot = expr.indexOf('.');
  const head = dot === -1 ? expr : expr.slice(0, dot);
  const tail = dot === -1 ? '' : expr.slice(dot + 1);
  if (head === 'context') {
    if (!CONTEXT_NAME.test(tail)) throw new Error(`invalid context variable "$${expr}"`);
    return { kind: 'context', name: tail };
  }
  if (head === 'stageVariables') {
    if (!STAGE_VARIABLE_NAME.test(tail)) throw new Error(`invalid stage variable "$${expr}"`);
    return { kind: 'stageVariable', name: tail };
  }
  if (head !== side) {
    const hint = head === 'request' || head === 'response' ? ` (a ${side} mapping can only read $${side}.*)` : '';
    throw new Error(`unknown variable "$${expr}"${hint}`);
  }
  // `body`, `body.a.b`, `body['a.b']`: the JSON path keeps its leading `.` so `body..a` is caught.
  if (tail === 'body') return { kind: 'body', steps: null };
  if (tail.startsWith('body.') || tail.startsWith('body[')) return { kind: 'body', steps: compileJsonPath(tail.slice(4), expr) };
  const sub = tail.indexOf('.');
  const what = sub === -1 ? tail : tail.slice(0, sub);
  const name = sub === -1 ? undefined : tail.slice(sub + 1);
  if (what === 'header' && name) return { kind: 'header', name: name.toLowerCase() };
  if (side === 'request') {
    if (what === 'querystring' && name) return { kind: 'querystring', name };
    if (what === 'path') return name === undefined ? { kind: 'path' } : { kind: 'pathParameter', name };
  }
  throw new Error(`unknown variable "$${expr}"`);
}

// One step: `name` / `.name`, `[0]`, `['name']` or `["name"]`.
const STEP = /\.?([^.[\]'"]+)|\[(\d+)\]|\[(['"])(.*?)\3\]/y;

/**
 * Compiles the JSONPath after `body.`. AWS: "Recursive descent ($request.body..name) and filter
 * expressions (?(expression)) aren't supported"; wildcards would select several values, so
 * they are refused too.
 */
export function compileJsonPath(path: string, expr = path): JsonPathSteps {
  if (path === '' || path.includes('..') || path.includes('?(') || path.includes('*') || path.includes('@')) {
    throw new Error(`unsupported JSON path in "$${expr}" (no recursive descent, filters or wildcards)`);
  }
  const steps: (string | number)[] = [];
  STEP.lastIndex = 0;
  while (STEP.lastIndex < path.length) {
    const at = STEP.lastIndex;
    const m = STEP.exec(path);
    // A bare name is only allowed first; later names need their dot.
    if (!m || (m[1] !== undefined && at > 0 && path[at] !== '.')) throw new Error(`invalid JSON path in "$${expr}"`);
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[4] ?? '')));
  }
  return steps;
}

/** Selects with compiled steps; strings come back as is, other JSON values as JSON text. */
export function selectJson(root: unknown, steps: JsonPathSteps): string | undefined {
  let node: unknown = root;
  for (const step of steps) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else node = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[step] : undefined;
    if (node === undefined) return undefined;
  }
  return typeof node === 'string' ? node : JSON.stringify(node);
}

/**
 * AWS: "When you specify a JSON path, API Gateway truncates the request body at 100 KB and then
 * applies the selection expression." A body cut mid-document no longer parses: nothing is selected.
 */
export const JSON_PATH_BODY_LIMIT = 100 * 1024;

/** Parses a body for JSONPath selection as AWS does (truncated first); `undefined` when not JSON. */
export function parseBodyForSelection(body: Buffer | undefined): unknown {
  if (body === undefined || body.length === 0) return undefined;
  try {
    return JSON.parse(body.subarray(0, JSON_PATH_BODY_LIMIT).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Evaluates a compiled value. A single variable that resolves to nothing gives `undefined`
 * (skip the operation); inside text, a missing variable becomes the empty string.
 */
export function evaluateValue(value: CompiledValue, resolve: SourceResolver): string | undefined {
  if (value.single) return resolve(value.parts[0] as ValueSource);
  let out = '';
  for (const part of value.parts) out += typeof part === 'string' ? part : (resolve(part) ?? '');
  return out;
}
