/**
 * Reads a YAML or JSON definition and remembers where each node came from, so a
 * ConfigError can say `file:line` as well as the JSON path.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ConfigError } from '../errors/index.ts';
import { formatJsonPath, type JsonPath } from './json-path.ts';

export class SourceFile {
  readonly file: string;
  readonly data: unknown;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(file: string, doc: Document, lines: LineCounter) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  }

  /** Loads a `.yaml`, `.yml` or `.json` file (JSON is YAML 1.2). Throws ConfigError on syntax errors. */
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

  /** Parses text already in memory (tests, control plane). */
  static parse(file: string, text: string): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      throw new ConfigError(pos ? `${file}:${pos.line}:${pos.col}` : file, '$', `syntax error: ${first.message.split('\n')[0]}`);
    }
    return new SourceFile(file, doc, lines);
  }

  /** `file:line` of the node at `path` (or of its nearest existing parent). */
  where(path: JsonPath): string {
    for (let n = path.length; n >= 0; n--) {
      const node = this.#doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line } = this.#lines.linePos(node.range[0]);
        return `${this.file}:${line}`;
      }
    }
    return this.file;
  }

  /** A ConfigError located at `path`. */
  error(path: JsonPath, reason: string, cause?: unknown): ConfigError {
    return new ConfigError(this.where(path), formatJsonPath(path), reason, cause === undefined ? undefined : { cause });
  }
}
