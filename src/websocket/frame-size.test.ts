import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSizeGuard } from './frame-size.ts';

/** A masked client frame (RFC 6455 §5.2) with `length` payload bytes. */
function frame(opcode: number, length: number, fin = true): Buffer {
  const ext = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + 4);
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = 0x80 | (ext === 0 ? length : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(length, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(length), 2);
  head.writeUInt32BE(0x01020304, 2 + ext);
  return Buffer.concat([head, Buffer.alloc(length, 0x61)]);
}

const feed = (guard: FrameSizeGuard, bytes: Buffer, chunkSize = bytes.length): number[] => {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const r = guard.push(bytes.subarray(i, i + chunkSize));
    if (r >= 0) out.push(r);
  }
  return out;
};

test('passes frames up to the limit, with 7-bit, 16-bit and 64-bit lengths', () => {
  const guard = new FrameSizeGuard(70_000);
  assert.deepEqual(feed(guard, Buffer.concat([frame(1, 5), frame(2, 300), frame(1, 65_535), frame(2, 70_000)])), []);
});

test('reports a data frame over the limit from its header, before its payload', () => {
  const guard = new FrameSizeGuard(32 * 1024);
  const big = frame(1, 32 * 1024 + 1);
  assert.deepEqual(feed(guard, big.subarray(0, 8)), [32 * 1024 + 1]);
});

test('reads headers split across chunks, one byte at a time', () => {
  const guard = new FrameSizeGuard(1000);
  assert.deepEqual(feed(guard, Buffer.concat([frame(1, 10), frame(2, 999), frame(1, 1001)]), 1), [1001]);
});

test('checks each fragment of a fragmented message, not the message', () => {
  const guard = new FrameSizeGuard(100);
  const fragments = Buffer.concat([frame(1, 100, false), frame(0, 100, false), frame(0, 100, true)]);
  assert.deepEqual(feed(guard, fragments), [], 'three 100-byte frames: a 300-byte message is fine');
  assert.deepEqual(feed(guard, Buffer.concat([frame(1, 50, false), frame(0, 101, true)])), [101], 'an oversized continuation frame');
});

test('ignores control frames (ping, pong, close) between data frames', () => {
  const guard = new FrameSizeGuard(10);
  assert.deepEqual(feed(guard, Buffer.concat([frame(9, 125), frame(10, 20), frame(1, 10), frame(8, 2)])), []);
});

test('reports once, then stops reading', () => {
  const guard = new FrameSizeGuard(10);
  assert.deepEqual(feed(guard, Buffer.concat([frame(1, 11), frame(1, 12)])), [11]);
  assert.equal(guard.push(frame(1, 50)), -1);
});
