/**
 * The 32 KB frame limit. AWS: "Frame size 32 KB ... a larger frame closes the connection with
 * 1009" (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html), separate from
 * the 128 KB message limit. `ws` enforces `maxPayload` on whole messages only and never shows
 * frames, so this reads the frame headers of the client's byte stream alongside it: a header
 * announcing a data payload over the limit is reported before the payload arrives.
 *
 * RFC 6455 §5.2 base framing:
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-------+-+-------------+-------------------------------+
 *   |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *   |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *   |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *   |     Extended payload length continued, if payload len == 127  |
 *   + - - - - - - - - - - - - - - - +-------------------------------+
 *   |                               | Masking-key, if MASK set to 1 |
 *   +-------------------------------+-------------------------------+
 *   | Masking-key (continued)       |          Payload Data         |
 *   +-------------------------------- - - - - - - - - - - - - - - - +
 *
 * Only lengths are read; validation (masking, opcodes, UTF-8) stays ws's job.
 */

/** Reads frame headers from a byte stream and reports the first oversized data frame. */
export class FrameSizeGuard {
  readonly #max: number;
  /** Header bytes of the frame being read (2 to 14). */
  readonly #header = Buffer.alloc(14);
  #have = 0;
  /** Payload bytes still to skip before the next header. */
  #skip = 0;
  #tripped = false;

  constructor(maxFrameBytes: number) {
    this.#max = maxFrameBytes;
  }

  /**
   * Feeds bytes received from the client. Returns the payload length of the first data frame
   * over the limit (once; the guard then stops reading), or -1.
   */
  push(chunk: Buffer): number {
    let at = 0;
    while (at < chunk.length && !this.#tripped) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - at);
        this.#skip -= n;
        at += n;
        continue;
      }
      // At most 14 header bytes per frame: copied one by one.
      this.#header[this.#have++] = chunk[at++] as number;
      if (this.#have < 2 || this.#have < headerLength(this.#header)) continue;
      const length = payloadLength(this.#header);
      const opcode = (this.#header[0] as number) & 0x0f;
      this.#have = 0;
      // Continuation (0), text (1) and binary (2) frames carry message data; control frames
      // are at most 125 bytes by definition (RFC 6455 §5.5).
      if (opcode <= 2 && length > this.#max) {
        this.#tripped = true;
        return length;
      }
      this.#skip = length;
    }
    return -1;
  }
}

/** Header length from its first two bytes: 2, plus 2 or 8 extended length bytes, plus 4 mask bytes. */
function headerLength(header: Buffer): number {
  const b1 = header[1] as number;
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/** The payload length of a complete header. A 64-bit length beyond 2^53 is reported as Infinity. */
function payloadLength(header: Buffer): number {
  const len7 = (header[1] as number) & 0x7f;
  if (len7 === 126) return header.readUInt16BE(2);
  if (len7 === 127) {
    const big = header.readBigUInt64BE(2);
    return big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big);
  }
  return len7;
}
