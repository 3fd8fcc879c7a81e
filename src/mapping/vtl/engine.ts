/**
 * The renderer: velocityjs's evaluator with the parts that decide *what a value is* replaced by
 * Java/Velocity 1.7 semantics (API Gateway runs Apache Velocity on the JVM):
 *
 * - property, index and method access go through java-methods.ts; no JS function or prototype
 *   is ever reached (velocityjs would call any JS function and patch `eval` onto objects);
 * - rendering uses Java `toString()` (java-values.ts); null and undefined render empty (quiet);
 * - `#if`, `&&`, `||`, `!`, `==` use Velocity 1.7 truthiness and equality;
 * - `#set` with a null value leaves the target unchanged, and only writes into maps and lists;
 * - `#foreach` stops after 1000 items; unknown macros (`#evaluate`, `#include`, `#parse`) and
 *   velocityjs's `#eval` render empty, so request data can never become template code;
 * - interpolated strings use the ASTs parsed at load (parser.ts), never the parser.
 */
import { Compile } from 'velocityjs';
import { VtlError } from './errors.ts';
import { callJavaMethod, getJavaIndex, getJavaProperty, mapOf } from './java-methods.ts';
import { isMap, javaEquals, javaList, javaToString, javaTruthy, mapPut, newMap, type VtlMap } from './java-values.ts';
import type { Ast, AstNode } from './parser.ts';

/**
 * AWS: "a #foreach loop is limited to 1,000 iterations" (spec §4.4/§12, DG:limits). Velocity's
 * `directive.foreach.maxloops` ends such a loop quietly, so the loop is truncated, not failed.
 */
export const MAX_FOREACH_ITERATIONS = 1000;
/** Portico guard (not an AWS number): all loops of one render together, against nested-loop blowups. */
export const MAX_TOTAL_ITERATIONS = 100_000;
/** Portico guard: a range literal `[a..b]` may hold at most this many numbers. */
export const MAX_RANGE = 100_000;
/** Portico guard: output above the 10 MB REST payload limit fails the render. */
export const MAX_OUTPUT_CHARS = 10 * 1024 * 1024;
/** Velocity's default `velocimacro.max.depth`. */
const MAX_MACRO_DEPTH = 20;

/** The override maps a render writes into, and which writes count as overrides. */
export interface OverrideTargets {
  /** `requestOverride.header/querystring/path` and `responseOverride.header`: one write per name. */
  readonly leaves: ReadonlySet<VtlMap>;
  /** `responseOverride`: its `status` key is an override too. */
  readonly response: VtlMap;
}

/** The velocityjs internals this renderer relies on (velocityjs 2.1.x mixes them into Compile). */
interface VelocityCore {
  context: VtlMap;
  local: Record<string, Record<string, unknown>>;
  conditions: string[];
  contextId: string;
  runState: { stop: boolean; break: boolean };
  macrosStore: Record<string, unknown>;
  defines: Record<string, unknown>;
  render(context: object, macros: object, silence: boolean): string;
  renderAstList(asts?: readonly Ast[], contextId?: string): string;
  getReferences(ast: AstNode, isVal?: boolean): unknown;
  getLiteral(ast: AstNode): unknown;
  getBlock(block: readonly Ast[]): string;
  getMacro(ast: AstNode, bodyContent?: string): string;
}
const VelocityBase = Compile as unknown as new (asts: Ast[], config: object) => VelocityCore;

const isNode = (x: unknown): x is AstNode => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number';
const render = (v: unknown): string => (v === null || v === undefined ? '' : javaToString(v));

/** One render of one template: create, `run`, discard (velocityjs keeps per-render state on the instance). */
export class VtlRenderer extends VelocityBase {
  readonly #strings: ReadonlyMap<string, Ast[]>;
  readonly #targets: OverrideTargets;
  #iterations = 0;
  #macroDepth = 0;
  #loops = 0;

  constructor(asts: Ast[], strings: ReadonlyMap<string, Ast[]>, targets: OverrideTargets) {
    super(asts, {});
    this.#strings = strings;
    this.#targets = targets;
    // No prototypes: a `#define($constructor)` or `#macro(toString)` is just a name.
    this.local = Object.create(null) as Record<string, Record<string, unknown>>;
    this.defines = Object.create(null) as Record<string, unknown>;
    this.macrosStore = Object.create(null) as Record<string, unknown>;
  }

  /** Renders with `root` as the top-level variables (`$input`, `$context`, ...). */
  run(root: VtlMap): string {
    return this.render(root, {}, true);
  }

  override renderAstList(asts?: readonly Ast[], contextId?: string): string {
    if (contextId) {
      if (contextId !== this.contextId && !this.conditions.includes(contextId)) this.conditions.unshift(contextId);
      this.contextId = contextId;
    } else {
      this.contextId = '';
    }
    let out = '';
    for (const ast of asts ?? (this as unknown as { asts: Ast[] }).asts) {
      // Velocity's #break leaves the enclosing scope at once; #stop ends the template.
      if (this.runState.stop || this.runState.break) break;
      if (typeof ast === 'string') out += ast;
      else if (Array.isArray(ast)) out += this.getBlock(ast);
      else if (ast.type === 'references') out += render(this.getReferences(ast, true));
      else if (ast.type === 'set') this.setValue(ast);
      else if (ast.type === 'break') this.runState.break = true;
      else if (ast.type === 'macro_call') out += this.getMacro(ast);
      else if (ast.type === 'raw') out += String(ast['value'] ?? '');
    }
    return out;
  }

  /** `$a.b`, `$a.b()`, `$a[i]` after `$a` (called by velocityjs's getReferences). */
  getAttributes(property: AstNode, base: unknown, ast: AstNode): unknown {
    if (base === null || base === undefined) return undefined;
    if (property.type === 'method') return this.getPropMethod(property, base, ast);
    if (property.type === 'property') return getJavaProperty(base, String(property.id));
    return this.getPropIndex(property, base);
  }

  getPropIndex(property: AstNode, base: unknown): unknown {
    const key = property.id as unknown;
    return getJavaIndex(base, isNode(key) ? this.getLiteral(key) : key);
  }

  getPropMethod(property: AstNode, base: unknown, _ast: AstNode): unknown {
    const args = Array.isArray(property['args']) ? (property['args'] as unknown[]).filter(isNode).map((a) => this.getLiteral(a)) : [];
    return callJavaMethod(base, String(property.id), args);
  }

  override getLiteral(literal: AstNode): unknown {
    if (literal.type === 'math') return this.getExpression(literal);
    if (literal.type === 'map') {
      // A Velocity map literal is a LinkedHashMap.
      const out = newMap();
      const entries = isNode(literal['value']) ? Object.entries(literal['value']) : [];
      for (const [k, v] of entries) if (isNode(v)) mapPut(out, k, this.getLiteral(v));
      return out;
    }
    if (literal.type === 'array') return javaList(this.#array(literal));
    return super.getLiteral(literal);
  }

  #array(literal: AstNode): unknown[] {
    const items = Array.isArray(literal['value']) ? (literal['value'] as unknown[]) : [];
    if (literal['isRange'] !== true) return items.filter(isNode).map((x) => this.getLiteral(x));
    const [from, to] = items.map((x) => (isNode(x) ? this.getReferences(x) : typeof x === 'string' ? Number.parseInt(x, 10) : x));
    if (!isNum(from) || !isNum(to) || !Number.isInteger(from) || !Number.isInteger(to)) return [];
    if (Math.abs(to - from) >= MAX_RANGE) throw new VtlError('PORTICO_ERR_VTL_LIMIT', `range [${from}..${to}] is larger than ${MAX_RANGE}`);
    const step = from <= to ? 1 : -1;
    const out: number[] = [];
    for (let i = from; step > 0 ? i <= to : i >= to; i += step) out.push(i);
    return out;
  }

  /** Math, logic and comparisons with Velocity 1.7 rules (integer division, null on bad operands). */
  getExpression(ast: AstNode): unknown {
    if (ast.type !== 'math') return this.getLiteral(ast);
    const operands = Array.isArray(ast['expression']) ? (ast['expression'] as unknown[]).filter(isNode) : [];
    const [left, right] = operands;
    const ev = (x: AstNode | undefined): unknown => (x === undefined ? undefined : this.getExpression(x));
    switch (ast['operator']) {
      case '&&': return javaTruthy(ev(left)) && javaTruthy(ev(right));
      case '||': return javaTruthy(ev(left)) || javaTruthy(ev(right));
      case 'not': return !javaTruthy(ev(left));
      case 'parenthesis': return ev(left);
      case 'minus': { const v = ev(left); return isNum(v) ? -v : undefined; }
    }
    const a = ev(left);
    const b = ev(right);
    switch (ast['operator']) {
      case '==': return javaEquals(a, b);
      case '!=': return !javaEquals(a, b);
      case '+':
        if (isNum(a) && isNum(b)) return a + b;
        return typeof a === 'string' || typeof b === 'string' ? (a == null || b == null ? undefined : javaToString(a) + javaToString(b)) : undefined;
    }
    if (!isNum(a) || !isNum(b)) return ast['operator'] === '-' || ast['operator'] === '*' || ast['operator'] === '/' || ast['operator'] === '%' ? undefined : false;
    switch (ast['operator']) {
      case '-': return a - b;
      case '*': return a * b;
      case '/': return b === 0 ? undefined : Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b;
      case '%': return b === 0 ? undefined : a % b;
      case '>': return a > b;
      case '<': return a < b;
      case '>=': return a >= b;
      case '<=': return a <= b;
      default: return undefined;
    }
  }

  /** `#set($a = v)` / `#set($a.b.c = v)`: the parent must exist; only maps and lists take writes. */
  setValue(ast: AstNode): void {
    const [ref, valueAst] = Array.isArray(ast['equal']) ? (ast['equal'] as unknown[]) : [];
    if (!isNode(ref) || !isNode(valueAst)) return;
    const value = this.getExpression(valueAst);
    // Velocity 1.7 (directive.set.null.allowed=false): a null right-hand side changes nothing.
    if (value === null || value === undefined) return;
    const path = Array.isArray(ref['path']) ? (ref['path'] as unknown[]).filter(isNode) : [];
    const id = String(ref.id);
    const last = path[path.length - 1];
    if (last === undefined) {
      const inMacro = this.contextId.startsWith('macro:');
      const scope = inMacro ? this.context : (this.conditions.map((c) => this.local[c]).find((s) => s !== undefined && Object.hasOwn(s, id)) ?? this.context);
      Object.defineProperty(scope, id, { value, writable: true, enumerable: true, configurable: true });
      return;
    }
    const parent = this.getReferences({ ...ref, path: path.slice(0, -1) }, false);
    const rawKey = last.type === 'property' ? last.id : isNode(last.id) ? this.getLiteral(last.id) : undefined;
    if (Array.isArray(parent) && isNum(rawKey) && rawKey >= 0 && rawKey < parent.length) {
      parent[rawKey] = value;
    } else if (isMap(parent) && rawKey !== undefined && rawKey !== null) {
      const key = javaToString(rawKey);
      const isOverride = this.#targets.leaves.has(parent) || (parent === this.#targets.response && key === 'status');
      // "Overrides are final ... If you try to override the same parameter multiple times, API
      // Gateway returns a 5XX response." https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
      if (isOverride && Object.hasOwn(parent, key)) {
        throw new VtlError('PORTICO_ERR_VTL_RUNTIME', `override ${key} is set more than once (AWS answers 5XX)`);
      }
      mapPut(parent, key, value);
    }
  }

  getBlockIf(block: readonly Ast[]): string {
    let taken = false;
    const body: Ast[] = [];
    for (const item of block) {
      if (isNode(item) && (item.type === 'if' || item.type === 'elseif' || item.type === 'else')) {
        if (taken) break;
        taken = item.type === 'else' || javaTruthy(isNode(item['condition']) ? this.getExpression(item['condition']) : undefined);
      } else if (taken) {
        body.push(item);
      }
    }
    return this.renderAstList(body, this.contextId);
  }

  /** `#foreach($x in $list)` / a map's values, with `$foreach.*` and `$velocityCount`. */
  getBlockEach(block: readonly Ast[]): string {
    const head = block[0];
    if (!isNode(head) || !isNode(head['from'])) return '';
    const from = this.getLiteral(head['from']);
    const items = Array.isArray(from) ? from : isMap(from) ? Object.values(from) : undefined;
    if (items === undefined || items.length === 0) return '';
    const body = block.slice(1);
    const contextId = `foreach:${++this.#loops}`;
    const local = Object.create(null) as Record<string, unknown>;
    this.local[contextId] = local;
    let out = '';
    const count = Math.min(items.length, MAX_FOREACH_ITERATIONS);
    for (let i = 0; i < count && !this.runState.break && !this.runState.stop; i++) {
      if (++this.#iterations > MAX_TOTAL_ITERATIONS) {
        throw new VtlError('PORTICO_ERR_VTL_LIMIT', `more than ${MAX_TOTAL_ITERATIONS} #foreach iterations in one render`);
      }
      local[String(head['to'])] = items[i];
      local['foreach'] = mapOf({ count: i + 1, index: i, hasNext: i + 1 < items.length, first: i === 0, last: i + 1 === items.length });
      local['velocityCount'] = i + 1;
      out += this.renderAstList(body, contextId);
      if (out.length > MAX_OUTPUT_CHARS) throw new VtlError('PORTICO_ERR_VTL_LIMIT', 'template output is larger than 10 MB');
    }
    this.runState.break = false;
    delete this.local[contextId];
    this.conditions = this.conditions.filter((c) => c !== contextId);
    this.contextId = this.conditions[0] ?? '';
    return out;
  }

  override getMacro(ast: AstNode, bodyContent?: string): string {
    const id = String(ast.id);
    if (id === 'stop') return super.getMacro(ast);
    // Only macros the template defines run; #evaluate/#eval/#include/#parse render nothing.
    if (!Object.hasOwn(this.macrosStore, id)) return '';
    if (++this.#macroDepth > MAX_MACRO_DEPTH) throw new VtlError('PORTICO_ERR_VTL_LIMIT', `macro #${id} nested deeper than ${MAX_MACRO_DEPTH}`);
    try {
      return render(super.getMacro(ast, bodyContent));
    } finally {
      this.#macroDepth--;
    }
  }

  /** A double-quoted string with `$`/`#`: rendered from the ASTs parsed at load. */
  evalStr(text: string): string {
    const asts = this.#strings.get(text);
    return asts === undefined ? text : this.renderAstList(asts, this.contextId);
  }
}
