import { randomBytes } from 'node:crypto';

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
