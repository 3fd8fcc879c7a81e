import { createHash, randomBytes } from 'node:crypto';

// Ids are made on every request: draw their random bytes from a refilled pool instead of one
// getrandom call each (which showed as 6% of a proxy request's CPU).
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `n` random bytes from the pool (a view; copy it if kept). */
export function randomPooled(n: number): Buffer {
  if (offset + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

/**
 * An id in the style of `extendedRequestId`, HTTP API request ids and WebSocket connection ids:
 * 16 base64 characters ending in `=` (11 random bytes → 15 characters + padding), e.g. `L0SM9cOFvHcCIhw=`.
 */
export function shortId(): string {
  return randomPooled(11).toString('base64').slice(0, 15) + '=';
}

/**
 * A stable id of `length` lower-case base-36 characters (at most 12) hashed from `seed`, so ids
 * derived from names (API ids, API key and usage plan ids) survive restarts.
 */
export function stableId(seed: string, length = 10): string {
  const n = BigInt('0x' + createHash('sha256').update(seed).digest('hex').slice(0, 16));
  return n.toString(36).padStart(length, '0').slice(-length);
}
