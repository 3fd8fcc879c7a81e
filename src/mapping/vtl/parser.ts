/**
 * Load-time parsing: velocityjs's grammar produces a flat token list; this module checks that
 * every `#if/#foreach/#macro/#define` has its `#end` (velocityjs itself silently drops text
 * after a stray `#end` and accepts an unclosed block), nests the blocks, and pre-parses every
 * interpolated string literal (`"Hello $name"`) so that rendering never parses anything.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VtlError } from './errors.ts';

/** A position as the grammar reports it (1-based line, 0-based column). */
interface Pos {
  readonly first_line: number;
  readonly first_column: number;
}

/** One parsed node; the shapes are velocityjs's (see its `type.d.ts`). */
export interface AstNode {
  readonly type: string;
  readonly id?: string;
  readonly pos?: Pos;
  readonly [key: string]: unknown;
}

/** A template body: text, nodes, and nested blocks (`[head, ...body]`). */
export type Ast = string | AstNode | Ast[];

type RawParse = (text: string) => unknown;

// velocityjs exports only its nesting `parse`, which hides unbalanced blocks; its grammar
// (`dist/cjs/parse/index.cjs`, velocityjs 2.1.x) is loaded by file path, which the package's
// `exports` map does not cover.
const require = createRequire(import.meta.url);
const grammar: unknown = require(join(dirname(require.resolve('velocityjs')), 'parse', 'index.cjs'));
const rawParse: RawParse = (() => {
  const fn = typeof grammar === 'object' && grammar !== null ? (grammar as Record<string, unknown>)['parse_1'] : undefined;
  if (typeof fn !== 'function') throw new Error('velocityjs grammar not found (expected velocityjs 2.1.x)');
  return (text: string) => (fn as RawParse)(text);
})();

const BLOCKS = new Set(['if', 'foreach', 'macro', 'noescape', 'define', 'macro_body']);
const TRAILING_NEWLINE = /^[ \t]*\n/;

function isNode(x: unknown): x is AstNode {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as { type?: unknown }).type === 'string';
}

function syntaxError(where: string, message: string, line: number, column: number, cause?: unknown): VtlError {
  return new VtlError('PORTICO_ERR_VTL_SYNTAX', `${where}: line ${line}, column ${column}: ${message}`, { line, column, cause });
}

function position(node: AstNode): [number, number] {
  return [node.pos?.first_line ?? 1, (node.pos?.first_column ?? 0) + 1];
}

/** Tokens → nested blocks, refusing a missing or stray `#end`, and a stray `#else`. */
function nest(tokens: readonly (string | AstNode)[], where: string): Ast[] {
  const root: Ast[] = [];
  const stack: { node: AstNode; body: Ast[] }[] = [];
  let current = root;
  for (const token of tokens) {
    if (typeof token === 'string') {
      current.push(token);
    } else if (BLOCKS.has(token.type)) {
      const block: Ast[] = [token];
      current.push(block);
      stack.push({ node: token, body: current });
      current = block;
    } else if (token.type === 'end') {
      const open = stack.pop();
      if (!open) throw syntaxError(where, '#end without a matching #if, #foreach, #macro or #define', ...position(token));
      current = open.body;
    } else if ((token.type === 'else' || token.type === 'elseif') && stack[stack.length - 1]?.node.type !== 'if') {
      throw syntaxError(where, `#${token.type} outside #if`, ...position(token));
    } else {
      current.push(token);
    }
  }
  const open = stack.pop();
  if (open) throw syntaxError(where, `#${open.node.type} is missing its #end`, ...position(open.node));
  return root;
}

/** Parses a template: grammar errors and unbalanced blocks are SYNTAX errors with line/column. */
export function parseTemplate(text: string, where: string): Ast[] {
  let raw: unknown;
  try {
    raw = rawParse(text);
  } catch (cause) {
    const loc = (cause as { hash?: { loc?: Pos; token?: unknown } }).hash?.loc;
    const token = (cause as { hash?: { token?: unknown } }).hash?.token;
    const lastLine = cause instanceof Error ? (cause.message.split('\n').pop() ?? '') : '';
    const what = typeof token === 'string' ? `unexpected ${token === 'EOF' ? 'end of template' : token}` : 'syntax error';
    throw syntaxError(where, lastLine.startsWith('Expecting') ? `${what} (${lastLine})` : what, loc?.first_line ?? 1, (loc?.first_column ?? 0) + 1, cause);
  }
  if (!Array.isArray(raw)) throw syntaxError(where, 'unparseable template', 1, 1);
  const tokens = raw.filter((t): t is string | AstNode => typeof t === 'string' || isNode(t));
  // As velocityjs does: a directive swallows the rest of its line when only blanks follow it.
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (isNode(t) && t.type !== 'references' && t.type !== 'raw' && typeof next === 'string' && TRAILING_NEWLINE.test(next)) {
      tokens[i + 1] = next.replace(TRAILING_NEWLINE, '');
    }
  }
  return nest(tokens, where);
}

/**
 * Finds every double-quoted string literal that interpolates (`"$a-#if…"`) and parses it now,
 * recursively, keyed by its text: the renderer looks them up instead of parsing per request.
 */
export function collectInterpolations(asts: unknown, where: string, into = new Map<string, Ast[]>()): Map<string, Ast[]> {
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (const item of x) visit(item);
      return;
    }
    if (typeof x !== 'object' || x === null) return;
    const node = x as Record<string, unknown>;
    const value = node['value'];
    if (node['type'] === 'string' && node['isEval'] === true && typeof value === 'string' && /[$#]/.test(value) && !into.has(value)) {
      const parsed = parseTemplate(value, `${where} (string "${value}")`);
      into.set(value, parsed);
      visit(parsed);
    }
    for (const child of Object.values(node)) if (typeof child === 'object') visit(child);
  };
  visit(asts);
  return into;
}
