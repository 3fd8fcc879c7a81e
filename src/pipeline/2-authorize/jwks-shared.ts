/**
 * The second layer of the JWKS cache: key sets shared by the gateway nodes through the state
 * store, so N nodes behind one Redis fetch an issuer's keys once per rotation instead of N
 * times. Each node's {@link JwksCache} still answers every token check from its own memory;
 * this layer is read only on a local miss (cold node, expired keys, or an unknown `kid` that
 * the node's own refetch limit lets through) and written after each successful fetch.
 *
 * The store is the Lambda authorizer cache ({@link AuthorizerCacheStore}: JSON with a TTL),
 * memory on one node, Redis with several. An entry is
 *
 *     jwks:<sha-256 of the source>  →  { v: 1, source, fetchedAt, jwks: { keys: [public JWKs] } }
 *
 * (in Redis `portico:authz:{jwks:<hex>}`: the hash tag is the whole key, so any Cluster slot).
 * Authorizer-cache flushes match `authz:<api>/<stage>/` prefixes and never touch these keys.
 *
 * What comes back is trusted no more than a fetch: the entry must name the same source, its
 * JWKS must be within the fetch size limit and every key in it must pass {@link parseJwks}
 * unchanged (RSA, `kid`, `sig`, RSA `alg`), or the entry is dropped and the issuer fetched.
 * A store failure is a miss: the memory store cannot fail, and the Redis store resolves
 * `undefined` at once while Redis is down (its connection logs the outage once).
 */
import { createHash } from 'node:crypto';
import type { AuthorizerCacheStore, JsonValue } from '../../state/authorizer-cache/types.ts';
import { parseJwks, type JwksSharedLayer, type SharedKeys, type SigningKey } from './jwks.ts';

/** Format version of a stored entry; another version is a miss. */
const VERSION = 1;

/** Options of {@link SharedJwks}. */
export interface SharedJwksOptions {
  /** Largest stored JWKS accepted, as serialised JSON. Default 150000 bytes, the fetch limit. */
  readonly maxBytes?: number;
}

/** The store key of a source id (`issuer <url>` or `jwks <url>`): never the URL itself. */
export function sharedJwksKey(sourceId: string): string {
  return `jwks:${createHash('sha256').update(sourceId).digest('hex')}`;
}

/** {@link JwksSharedLayer} on an authorizer cache store (memory or Redis). */
export class SharedJwks implements JwksSharedLayer {
  readonly #store: AuthorizerCacheStore;
  readonly #maxBytes: number;

  constructor(store: AuthorizerCacheStore, options: SharedJwksOptions = {}) {
    this.#store = store;
    this.#maxBytes = options.maxBytes ?? 150_000;
  }

  /** {@inheritDoc JwksSharedLayer.read} Never rejects: a failure or a bad entry is a miss. */
  async read(sourceId: string): Promise<SharedKeys | undefined> {
    let value: JsonValue | undefined;
    try {
      value = await this.#store.get(sharedJwksKey(sourceId));
    } catch {
      return undefined;
    }
    return value === undefined ? undefined : this.#decode(value, sourceId);
  }

  /** {@inheritDoc JwksSharedLayer.write} Never rejects: a failed write costs another node a fetch. */
  async write(sourceId: string, keys: ReadonlyMap<string, SigningKey>, fetchedAt: number, ttlMs: number): Promise<void> {
    const list: JsonValue[] = [];
    for (const key of keys.values()) list.push(publicJwk(key));
    const value: JsonValue = { v: VERSION, source: sourceId, fetchedAt, jwks: { keys: list } };
    try {
      await this.#store.set(sharedJwksKey(sourceId), value, ttlMs / 1000);
    } catch {
      // Nothing to do: the keys are cached locally all the same.
    }
  }

  /** The entry's keys, or `undefined` for anything a fetch would not have produced. */
  #decode(value: JsonValue, sourceId: string): SharedKeys | undefined {
    if (!isRecord(value) || value['v'] !== VERSION || value['source'] !== sourceId) return undefined;
    const fetchedAt = value['fetchedAt'];
    if (typeof fetchedAt !== 'number' || !Number.isFinite(fetchedAt)) return undefined;
    const jwks = value['jwks'];
    if (Buffer.byteLength(JSON.stringify(jwks ?? null)) > this.#maxBytes) return undefined;
    const list = isRecord(jwks) ? jwks['keys'] : undefined;
    if (!Array.isArray(list)) return undefined;
    let keys: ReadonlyMap<string, SigningKey>;
    try {
      keys = parseJwks(jwks);
    } catch {
      return undefined;
    }
    // parseJwks skips keys it cannot use; a writer stores only usable keys, so a skipped one
    // means the entry was not written by a gateway: drop it whole.
    if (keys.size !== list.length) return undefined;
    return { keys, fetchedAt };
  }
}

/** The public members a verifier needs, as parseJwks keeps them. */
function publicJwk(key: SigningKey): JsonValue {
  const { n, e } = key.jwk;
  return { kty: 'RSA', kid: key.kid, n: n ?? '', e: e ?? '', ...(key.alg !== undefined ? { alg: key.alg } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
