/**
 * The request body over a node:http IncomingMessage, read lazily so HTTP_PROXY can stream
 * it and Lambda can buffer it. Both paths enforce the 10 MB payload limit (→ 413).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable, Transform } from 'node:stream';
import { GatewayError } from '../errors/index.ts';
import type { RequestBody } from '../pipeline/types.ts';

/** AWS's payload limit for REST and HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);
const tooLarge = (): GatewayError => new GatewayError('REQUEST_TOO_LARGE', { message: `request body exceeds ${MAX_BODY_BYTES} bytes` });

/** A body over a live request stream. */
export class IncomingBody implements RequestBody {
  readonly declaredLength: number | undefined;
  readonly #req: IncomingMessage;
  readonly #limit: number;
  #buffered: Promise<Buffer> | undefined;
  #used = false;

  constructor(req: IncomingMessage, limit = MAX_BODY_BYTES) {
    this.#req = req;
    this.#limit = limit;
    const cl = req.headers['content-length'];
    this.declaredLength = cl === undefined ? undefined : Number(cl);
  }

  /** True when the request can have no body (no length, not chunked): nothing to read. */
  get #empty(): boolean {
    return (this.declaredLength === 0 || this.declaredLength === undefined) && this.#req.headers['transfer-encoding'] === undefined;
  }

  read(): Promise<Buffer> {
    this.#buffered ??= this.#readAll();
    return this.#buffered;
  }

  async #readAll(): Promise<Buffer> {
    if (this.#empty) return EMPTY;
    if (this.declaredLength !== undefined && this.declaredLength > this.#limit) throw tooLarge();
    this.#used = true;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.#req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#limit) throw tooLarge();
      chunks.push(chunk);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  }

  stream(): Readable {
    if (this.#buffered) {
      // Already buffered (a mapping needed the body): replay the buffer.
      const replay = new PassThrough();
      this.#buffered.then((b) => replay.end(b), (err: unknown) => replay.destroy(err as Error));
      return replay;
    }
    if (this.declaredLength !== undefined && this.declaredLength > this.#limit) {
      const t = new PassThrough();
      queueMicrotask(() => t.destroy(tooLarge()));
      return t;
    }
    this.#used = true;
    let size = 0;
    const limit = this.#limit;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limit) cb(tooLarge());
        else cb(null, chunk);
      },
    });
    this.#req.on('error', (err) => counter.destroy(err));
    return this.#req.pipe(counter);
  }

  /** Whether the pipeline consumed the stream (otherwise the server drains it). */
  get used(): boolean {
    return this.#used;
  }
}

/** A body held in memory (gateway.inject(), tests). */
export class BufferBody implements RequestBody {
  readonly declaredLength: number;
  readonly #buf: Buffer;
  constructor(buf: Buffer) {
    this.#buf = buf;
    this.declaredLength = buf.length;
  }
  read(): Promise<Buffer> {
    return this.#buf.length > MAX_BODY_BYTES ? Promise.reject(tooLarge()) : Promise.resolve(this.#buf);
  }
  stream(): Readable {
    return Readable.from([this.#buf]);
  }
}
