/**
 * Reads a YAML or JSON definition and remembers where each node came from, so a
 * ConfigError can say `file:line` as well as the JSON path.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isMap, isNode, isScalar, isSeq, type Document } from 'yaml';
import { ConfigError, ConfigErrors } from '../errors/index.ts';
import { formatJsonPath, type JsonPath } from './json-path.ts';

export class SourceFile {
  readonly file: string;
  readonly data: unknown;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(file: string, doc: Document, lines: LineCounter, data: unknown) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.data = data;
  }

  /**
   * Loads a `.yaml`, `.yml` or `.json` file (JSON is YAML 1.2).
   * Throws a ConfigError (located at the file alone) when the file cannot be read, so a caller
   * can say which reference named it, and ConfigErrors for syntax errors (see {@link parse}).
   */
  static read(file: string): SourceFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read the file (${(cause as Error).message})`;
      throw new ConfigError(file, '$', reason, { cause });
    }
    return SourceFile.parse(file, text);
  }

  /**
   * Parses text already in memory (tests, control plane). Throws ConfigErrors listing every
   * syntax error (duplicate keys included), each located at `file:line:col`.
   */
  static parse(file: string, text: string): SourceFile {
    const lines = new LineCounter();
    // `merge`: `<<: *defaults` is common in hand-written YAML (compose files) though not YAML 1.2 core.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
    if (doc.errors.length > 0) {
      throw new ConfigErrors(
        doc.errors.map((e) => {
          const { line, col } = lines.linePos(e.pos[0]);
          return new ConfigError(`${file}:${line}:${col}`, '$', `syntax error: ${e.message.split('\n')[0] ?? e.code}`);
        }),
      );
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (cause) {
      // e.g. "Excessive alias count" (a billion-laughs document).
      throw new ConfigErrors([new ConfigError(file, '$', `cannot read the document: ${(cause as Error).message}`, { cause })]);
    }
    return new SourceFile(file, doc, lines, data);
  }

  /**
   * `file:line` of the node at `path`, or of its nearest existing parent. A map entry is
   * located at its key, so an error about a block value points at the line that names it.
   */
  where(path: JsonPath): string {
    let node: unknown = this.#doc.contents;
    let offset = isNode(node) ? node.range?.[0] : undefined;
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
        if (!pair) break;
        offset = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item: unknown = node.items[key];
        if (!isNode(item)) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? this.file : `${this.file}:${this.#lines.linePos(offset).line}`;
  }

  /** A ConfigError located at `path`. */
  error(path: JsonPath, reason: string, cause?: unknown): ConfigError {
    return new ConfigError(this.where(path), formatJsonPath(path), reason, cause === undefined ? undefined : { cause });
  }

  /** A warning located at `path`, formatted as errors are: `file:line: $.json.path: reason`. */
  warning(path: JsonPath, reason: string): string {
    return `${this.where(path)}: ${formatJsonPath(path)}: ${reason}`;
  }
}
