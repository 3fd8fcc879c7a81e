/**
 * Where formatted access-log lines go: stdout or a file (appended, opened once per load).
 * Lines finished in one event-loop turn are written together, never one system call per
 * request; a destination that stops draining costs at most MAX_PENDING_BYTES of memory, then
 * lines are dropped and counted (the gateway keeps serving), as serve.ts does for its logs.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

/** One destination. */
export interface LineSink {
  /** Queues one line (without its newline). */
  write(line: string): void;
  /** Writes what is queued and releases the destination. */
  close(): Promise<void>;
  /** Lines dropped because the destination did not drain. */
  readonly dropped: number;
}

const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const BATCH_BYTES = 64 * 1024;

/** Batches lines per event-loop turn into `out`, which reports how much is still unwritten. */
class BatchingSink implements LineSink {
  #batch = '';
  #scheduled = false;
  #closed = false;
  dropped = 0;
  readonly #out: { write(chunk: string): void; readonly pending: number };
  readonly #end: () => Promise<void>;

  constructor(out: { write(chunk: string): void; readonly pending: number }, end: () => Promise<void>) {
    this.#out = out;
    this.#end = end;
  }

  write(line: string): void {
    if (this.#closed) return;
    this.#batch += line + '\n';
    if (this.#batch.length >= BATCH_BYTES) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#batch === '') return;
    const chunk = this.#batch;
    this.#batch = '';
    if (this.#out.pending > MAX_PENDING_BYTES) {
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) this.dropped++;
      return;
    }
    this.#out.write(chunk);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.#end();
  }
}

/** Lines to this process's stdout (never closed: stdout outlives any load). */
export function stdoutSink(): LineSink {
  return new BatchingSink(
    {
      write: (chunk) => void process.stdout.write(chunk),
      get pending() {
        return process.stdout.writableLength;
      },
    },
    () => Promise.resolve(),
  );
}

/** Lines appended to `path`; an open or write failure is reported once through `onError`. */
export function fileSink(path: string, onError: (err: Error) => void): LineSink {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  let failed = false;
  stream.on('error', (err) => {
    if (!failed) onError(err);
    failed = true;
  });
  return new BatchingSink(
    {
      write: (chunk) => {
        if (!failed) stream.write(chunk);
      },
      get pending() {
        return stream.writableLength;
      },
    },
    () => new Promise<void>((resolve) => (failed ? (stream.destroy(), resolve()) : stream.end(() => resolve()))),
  );
}

/**
 * The destinations of one gateway by name (`stdout` or an absolute file path), opened on first
 * use. `reopen` closes the files so the next line opens them again (after a reload: a rotated
 * file is followed by its new incarnation).
 */
export class SinkRegistry {
  readonly #sinks = new Map<string, LineSink>();
  readonly #onError: (path: string, err: Error) => void;

  constructor(onError: (path: string, err: Error) => void) {
    this.#onError = onError;
  }

  /** The sink for `destination`. */
  get(destination: string): LineSink {
    let sink = this.#sinks.get(destination);
    if (!sink) {
      sink = destination === 'stdout' ? stdoutSink() : fileSink(destination, (err) => this.#onError(destination, err));
      this.#sinks.set(destination, sink);
    }
    return sink;
  }

  /** Closes every file; the next line to one opens it again. */
  async reopen(): Promise<void> {
    const files = [...this.#sinks].filter(([d]) => d !== 'stdout');
    for (const [d] of files) this.#sinks.delete(d);
    await Promise.all(files.map(([, s]) => s.close()));
  }

  /** Writes what is queued and closes every destination. */
  async close(): Promise<void> {
    const all = [...this.#sinks.values()];
    this.#sinks.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}
