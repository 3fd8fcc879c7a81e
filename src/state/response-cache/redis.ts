/**
 * The stage cache in Redis, shared by every gateway node: an entry filled through one node is
 * a hit through any other. Passes test/contract/response-cache.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 *
 * Keys: a generation counter per namespace (API + stage) at `portico:rc:{<namespace>}`, and each
 * entry at `portico:rc:{<namespace>}:<generation>:<sha-256 of its key>`. The braces are a Redis
 * Cluster hash tag, so a namespace's counter and entries share one slot and each script below
 * touches one slot: the scripts name only the counter in KEYS (the entry's name depends on the
 * generation, read inside the script), which a Cluster accepts for keys of the declared key's
 * slot. Flushing a stage is one INCR (O(1), whatever its size): entries of older
 * generations are never read again and expire by their own TTL (at most 3600 s).
 *
 * Values are binary: a 4-byte big-endian length, the JSON `{s: status, h: headers}`, then the
 * body bytes as they are. Replies are read as Buffers, so bodies are never decoded as text.
 *
 * Errors reject (RedisConnection counts them and logs the outage once); the cache phase turns
 * them into misses, so a failing Redis never fails a request.
 */
import { createHash } from 'node:crypto';
import type { RedisClient, RedisConnection } from '../redis/connection.ts';
import type { HeaderPair } from '../../pipeline/types.ts';
import type { CacheSetOptions, CachedResponse, ResponseCacheStore } from './types.ts';

/** KEYS[1] the generation counter; ARGV[1] the entry's digest. Returns the value or nil. */
const GET = `
local g = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', KEYS[1] .. ':' .. g .. ':' .. ARGV[1])
`;

/** KEYS[1] the generation counter; ARGV: digest, value, TTL ms. */
const SET = `
local g = redis.call('GET', KEYS[1]) or '0'
redis.call('SET', KEYS[1] .. ':' .. g .. ':' .. ARGV[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** KEYS[1] the generation counter; ARGV[1] the digest. */
const DEL = `
local g = redis.call('GET', KEYS[1]) or '0'
return redis.call('DEL', KEYS[1] .. ':' .. g .. ':' .. ARGV[1])
`;

/** A Lua script run by SHA with Buffer replies (binary bodies), loaded again after NOSCRIPT. */
class BufferScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: RedisClient, key: string, args: readonly (string | Buffer | number)[]): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', [this.#sha, 1, key, ...args]);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.callBuffer('EVAL', [this.#lua, 1, key, ...args]);
    }
  }
}

const GET_SCRIPT = new BufferScript(GET);
const SET_SCRIPT = new BufferScript(SET);
const DEL_SCRIPT = new BufferScript(DEL);

/** {@link ResponseCacheStore} in Redis, shared by every node connected to it. */
export class RedisResponseCache implements ResponseCacheStore {
  readonly #redis: RedisConnection;
  #closed = false;

  /** Takes a reference on `redis`, released by {@link close}. */
  constructor(redis: RedisConnection) {
    this.#redis = redis.acquire();
  }

  /** {@inheritDoc ResponseCacheStore.get} Rejects when Redis fails (the phase counts it a miss). */
  async get(namespace: string, key: string): Promise<CachedResponse | undefined> {
    const redis = this.#redis;
    const reply = await redis.call(() => GET_SCRIPT.run(redis.client, this.#counter(namespace), [digest(key)]));
    return Buffer.isBuffer(reply) ? decode(reply) : undefined;
  }

  /** {@inheritDoc ResponseCacheStore.set} `capacityBytes` is left to Redis's `maxmemory`. */
  async set(namespace: string, key: string, value: CachedResponse, options: CacheSetOptions): Promise<void> {
    const ttlMs = Math.round(options.ttlSeconds * 1000);
    if (!(ttlMs > 0)) return;
    const redis = this.#redis;
    await redis.call(() => SET_SCRIPT.run(redis.client, this.#counter(namespace), [digest(key), encode(value), ttlMs]));
  }

  /** {@inheritDoc ResponseCacheStore.delete} */
  async delete(namespace: string, key: string): Promise<void> {
    const redis = this.#redis;
    await redis.call(() => DEL_SCRIPT.run(redis.client, this.#counter(namespace), [digest(key)]));
  }

  /** {@inheritDoc ResponseCacheStore.flush} One INCR: every node stops reading the old entries at once. */
  async flush(namespace: string): Promise<void> {
    const redis = this.#redis;
    await redis.call(() => redis.client.incr(this.#counter(namespace)));
  }

  /** {@inheritDoc ResponseCacheStore.ready} */
  ready(): Promise<boolean> {
    return this.#redis.ready();
  }

  /** Releases the shared client; the entries stay in Redis for the other nodes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.release();
  }

  #counter(namespace: string): string {
    return this.#redis.key('rc', namespace);
  }
}

/** A fixed-length stand-in for a key that may hold long header values. */
const digest = (key: string): string => createHash('sha256').update(key).digest('base64url');

/** `[u32 meta length][meta JSON][body]`. */
export function encode(value: CachedResponse): Buffer {
  const meta = Buffer.from(JSON.stringify({ s: value.statusCode, h: value.headers }));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(meta.length);
  return Buffer.concat([head, meta, value.body]);
}

/** The inverse of {@link encode}; `undefined` for anything malformed (treated as a miss). */
export function decode(raw: Buffer): CachedResponse | undefined {
  if (raw.length < 4) return undefined;
  const length = raw.readUInt32BE(0);
  if (4 + length > raw.length) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(raw.subarray(4, 4 + length).toString());
  } catch {
    return undefined;
  }
  if (typeof meta !== 'object' || meta === null) return undefined;
  const { s, h } = meta as { s?: unknown; h?: unknown };
  if (typeof s !== 'number' || !Array.isArray(h)) return undefined;
  const headers: HeaderPair[] = [];
  for (const pair of h as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return undefined;
    headers.push([pair[0], pair[1]]);
  }
  return { statusCode: s, headers, body: Buffer.from(raw.subarray(4 + length)) };
}
