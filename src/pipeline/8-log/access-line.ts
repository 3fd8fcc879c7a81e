/**
 * portico's JSON access line, formatted here rather than by pino when the caller registered the
 * access logger's destination ({@link formatAccessLinesFor}). The bytes are those pino writes for
 * `logger.info(record)` with `pino({ base: null })` and the child's bindings (access-line.test.ts
 * compares them), at a fraction of the cost: the access line was 18 % of a proxied request's
 * throughput (docs/performance.md). One difference: a lone UTF-16 surrogate (only possible in a
 * function's error message) is escaped, as JSON.stringify does, where pino writes it raw.
 */
import type { Logger } from 'pino';

/** An access record: flat, values string / number / null; undefined members are left out, as pino does. */
export type AccessRecord = Readonly<Record<string, string | number | null | undefined>>;

interface FastLine {
  readonly write: (line: string) => void;
  /** `,"log":"access"`: the child's bindings, as pino prints them after level and time. */
  readonly bindings: string;
}

const registered = new WeakMap<Logger, FastLine>();

/**
 * Formats `logger`'s access lines here and hands them to `write` (the destination the caller
 * gave `pino({ base: null }, destination)`), as long as `logger` logs at info level.
 */
export function formatAccessLinesFor(logger: Logger, write: (line: string) => void): void {
  if (!logger.isLevelEnabled('info')) return;
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  registered.set(logger, { write, bindings: bindings === '' ? '' : `,${bindings}` });
}

/** The line pino would write for `info(record)` at `time` (epoch ms). */
export function accessLine(record: AccessRecord, bindings: string, time: number): string {
  let line = `{"level":30,"time":${time}${bindings}`;
  for (const key in record) {
    const value = record[key];
    if (value === undefined) continue;
    line += `,"${key}":${typeof value === 'string' ? JSON.stringify(value) : value === null || !Number.isFinite(value) ? 'null' : String(value)}`;
  }
  return `${line}}\n`;
}

/** Writes one access record: formatted here when the logger was registered, else through pino. */
export function writeAccessRecord(logger: Logger, record: AccessRecord): void {
  const fast = registered.get(logger);
  if (fast === undefined) logger.info(record);
  else fast.write(accessLine(record, fast.bindings, Date.now()));
}
