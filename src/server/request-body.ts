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

/**
 * Discards the rest of a body that went over the limit: the client keeps sending until it
 * reads the 413, and the connection closes after the response (gateway.ts bounds how long).
 */
function drain(req: IncomingMessage): void {
  req.on('data', () => {});
  req.resume();
}

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
    const req = this.#req;
    const limit = this.#limit;
    // Listeners, not for-await: leaving a for-await loop early destroys the request, and a socket
    // closed with unread data is reset (RST), so the client would never read its 413.
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = (): void => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
        else {
          cleanup();
          drain(req);
          reject(tooLarge());
        }
      };
      const onEnd = (): void => {
        cleanup();
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', onError);
    });
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
    const req = this.#req;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size <= limit) return cb(null, chunk);
        // Stop forwarding and discard the rest, so the 413 can still be read (see #readAll).
        req.unpipe(counter);
        drain(req);
        cb(tooLarge());
      },
    });
    req.on('error', (err) => counter.destroy(err));
    return req.pipe(counter);
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
