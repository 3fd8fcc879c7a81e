/**
 * A response body read into memory for the stage cache, up to AWS's largest cacheable response
 * (1,048,576 bytes). A streamed (HTTP_PROXY) body longer than that is not cached: the bytes
 * read so far and the rest of the stream go on to the client unchanged.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 */
import { Readable } from 'node:stream';
import type { GatewayResponse } from '../types.ts';

/** "The maximum size of a response that can be cached is 1048576 bytes." */
export const MAX_CACHED_BODY_BYTES = 1_048_576;

/** The body in memory (`cacheable` when it fits the limit), or a stream too long to cache to send in its place. */
export type Captured = { readonly buffer: Buffer; readonly cacheable: boolean } | { readonly buffer?: undefined; readonly body: Readable };

/** Reads `body` up to `limit` bytes. A stream that fails while read rejects, as it would have failed the client. */
export async function captureBody(body: GatewayResponse['body'], limit = MAX_CACHED_BODY_BYTES): Promise<Captured> {
  if (body === null) return { buffer: Buffer.alloc(0), cacheable: true };
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const buffer = typeof body === 'string' ? Buffer.from(body) : body;
    return { buffer, cacheable: buffer.length <= limit };
  }
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { buffer: Buffer.concat(chunks, length), cacheable: true };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
    chunks.push(chunk);
    length += chunk.length;
    if (length > limit) return { body: Readable.from(rest(chunks, iterator), { objectMode: false }) };
  }
}

/** The chunks already read, then whatever the source still has. */
async function* rest(head: Buffer[], iterator: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value));
  }
}
