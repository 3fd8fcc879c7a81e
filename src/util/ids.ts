import { randomBytes, randomUUID } from 'node:crypto';

/** A request id as AWS's `$context.requestId` (UUID). */
export const requestId = (): string => randomUUID();

/**
 * An id in the style of `extendedRequestId` / WebSocket connection ids: 16 base64 characters
 * ending in `=` (11 random bytes → 15 characters + padding), e.g. `L0SM9cOFvHcCIhw=`.
 */
export function shortId(): string {
  return randomBytes(11).toString('base64').slice(0, 15) + '=';
}

/** A lower-case alphanumeric id of `n` characters, like API ids (`a1b2c3d4e5`). */
export function alnumId(n = 10): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += chars[b % chars.length];
  return out;
}
