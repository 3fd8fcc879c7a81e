/**
 * The signing keys of a token issuer, as JWT authorizers fetch them: discovery through
 * `{issuer}/.well-known/openid-configuration` (its `jwks_uri`), or a JWKS URL given directly
 * (Cognito's `{issuer}/.well-known/jwks.json`). Each fetch has a 1500 ms timeout and the JWKS
 * is at most 150000 bytes (spec §6.5, DG:http-api-jwt-authorizer). Keys are kept two hours
 * ("API Gateway caches public keys for two hours"); a token naming an unknown `kid` refetches
 * them, at most once per `minRefreshMs`, so forged kids cannot make the gateway hammer the issuer.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 *
 * With a `shared` layer (jwks-shared.ts: the state store, Redis with several nodes) a local
 * miss reads the keys another node fetched before fetching them itself, and each fetch is
 * written there. The local copy still answers every token check, and the unknown-`kid` limit
 * stays per node: a shared read counts as that node's attempt.
 */
import { request } from 'undici';
import { importJWK, type CryptoKey, type JWK } from 'jose';

/** AWS: "Currently, only RSA-based algorithms are supported." */
export const RSA_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);

/** Why keys could not be had; the message is for logs, never for clients. */
export class JwksError extends Error {
  override readonly name = 'JwksError';
  readonly code = 'PORTICO_ERR_AUTHORIZER_JWKS';
}

/** Limits and clock of a {@link JwksCache}; AWS's values by default. */
export interface JwksOptions {
  /** Per HTTP call (discovery, JWKS). Default 1500 ms. */
  readonly timeoutMs?: number;
  /** Largest JWKS (and discovery document) accepted. Default 150000 bytes. */
  readonly maxBytes?: number;
  /** How long fetched keys are trusted. Default 2 hours. */
  readonly ttlMs?: number;
  /** Least time between two fetches caused by unknown kids. Default 10 s. */
  readonly minRefreshMs?: number;
  readonly now?: () => number;
  /** Key sets shared with the other nodes (jwks-shared.ts); absent: every node fetches its own. */
  readonly shared?: JwksSharedLayer;
}

/** Keys as another node fetched them, validated, with the time of that fetch (epoch ms). */
export interface SharedKeys {
  readonly keys: ReadonlyMap<string, SigningKey>;
  readonly fetchedAt: number;
}

/** A second cache layer shared by the gateway nodes, keyed by {@link jwksSourceId}. */
export interface JwksSharedLayer {
  /** The keys stored for the source, validated as a fetch is; `undefined` on a miss or any failure. Never rejects. */
  read(sourceId: string): Promise<SharedKeys | undefined>;
  /** Stores freshly fetched keys for `ttlMs`. Never rejects. */
  write(sourceId: string, keys: ReadonlyMap<string, SigningKey>, fetchedAt: number, ttlMs: number): Promise<void>;
}

/** How far another node's clock may run ahead before its `fetchedAt` is not believed. */
const CLOCK_SKEW_MS = 60_000;

/** A verification key of the set, with the algorithm it is pinned to (the JWK's `alg`, if any). */
export interface SigningKey {
  readonly kid: string;
  /** The JWK's `alg`; absent = any RSA algorithm. */
  readonly alg?: string;
  readonly jwk: JWK;
}

/** Where a cache finds the keys: an issuer to discover, or the JWKS URL itself. */
export type JwksSource = { readonly issuer: string } | { readonly jwksUri: string };

/** A source's identity, the same for every node serving the project: `jwks <url>` or `issuer <url>`. */
export function jwksSourceId(source: JwksSource): string {
  return 'jwksUri' in source ? `jwks ${source.jwksUri}` : `issuer ${source.issuer}`;
}

/** The keys of one issuer, fetched on first use and refreshed as described above. */
export class JwksCache {
  readonly #source: JwksSource;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  readonly #minRefreshMs: number;
  readonly #now: () => number;
  readonly #shared: JwksSharedLayer | undefined;
  #keys: ReadonlyMap<string, SigningKey> | undefined;
  /** When `#keys` were fetched, and when the last fetch was attempted (epoch ms). */
  #keysAt = -Infinity;
  #attemptAt = -Infinity;
  /** The last attempt's failure, replayed until a retry is allowed. */
  #failure: JwksError | undefined;
  #inflight: Promise<ReadonlyMap<string, SigningKey>> | undefined;
  readonly #imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

  constructor(source: JwksSource, options: JwksOptions = {}) {
    this.#source = source;
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#maxBytes = options.maxBytes ?? 150_000;
    this.#ttlMs = options.ttlMs ?? 2 * 3600_000;
    this.#minRefreshMs = options.minRefreshMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#shared = options.shared;
  }

  /**
   * The key with this `kid`, or `undefined` when the issuer has none (after a refresh, if one
   * is allowed now). Rejects with JwksError when the keys cannot be fetched.
   */
  async key(kid: string): Promise<SigningKey | undefined> {
    let keys = this.#fresh() ?? (await this.#load(kid));
    if (!keys.has(kid) && this.#now() - this.#attemptAt >= this.#minRefreshMs) keys = await this.#load(kid);
    return keys.get(kid);
  }

  /** The key as jose verifies with it, imported once per key and algorithm. */
  async cryptoKey(key: SigningKey, alg: string): Promise<CryptoKey | Uint8Array> {
    const id = `${alg} ${key.jwk.n ?? ''} ${key.jwk.e ?? ''}`;
    let imported = this.#imported.get(id);
    if (!imported) {
      imported = importJWK(key.jwk, alg);
      if (this.#imported.size > 100) this.#imported.clear();
      this.#imported.set(id, imported);
    }
    return imported;
  }

  #fresh(): ReadonlyMap<string, SigningKey> | undefined {
    return this.#keys && this.#now() - this.#keysAt < this.#ttlMs ? this.#keys : undefined;
  }

  /**
   * Loads keys holding `kid` if it can (one load at a time, shared by concurrent callers), or
   * replays a recent failure: the shared layer first, then the issuer.
   */
  #load(kid: string): Promise<ReadonlyMap<string, SigningKey>> {
    if (this.#failure && this.#now() - this.#attemptAt < this.#minRefreshMs) return Promise.reject(this.#failure);
    this.#inflight ??= this.#refresh(kid).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #refresh(kid: string): Promise<ReadonlyMap<string, SigningKey>> {
    this.#attemptAt = this.#now();
    const shared = await this.#readShared();
    if (shared?.has(kid)) return shared;
    return this.#fetchKeys();
  }

  /**
   * The shared keys when they are fresh (their fetch within the TTL, by the fetching node's
   * clock) and newer than ours, adopted locally; they then expire when that fetch's TTL ends.
   */
  async #readShared(): Promise<ReadonlyMap<string, SigningKey> | undefined> {
    if (!this.#shared) return undefined;
    const entry = await this.#shared.read(jwksSourceId(this.#source)).catch(() => undefined);
    if (!entry) return undefined;
    const now = this.#now();
    const age = now - entry.fetchedAt;
    if (age < -CLOCK_SKEW_MS || age >= this.#ttlMs) return undefined;
    const at = Math.min(entry.fetchedAt, now);
    // A set older than ours is never used: a kid the issuer has since dropped stays dropped.
    if (this.#fresh() && at <= this.#keysAt) return undefined;
    this.#keys = entry.keys;
    this.#keysAt = at;
    this.#failure = undefined;
    return entry.keys;
  }

  async #fetchKeys(): Promise<ReadonlyMap<string, SigningKey>> {
    try {
      let uri: string;
      if ('jwksUri' in this.#source) uri = this.#source.jwksUri;
      else {
        const discovery = await this.#getJson(`${this.#source.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
        const jwksUri = isRecord(discovery) ? discovery['jwks_uri'] : undefined;
        if (typeof jwksUri !== 'string') throw new JwksError('the openid-configuration has no jwks_uri');
        uri = jwksUri;
      }
      const keys = parseJwks(await this.#getJson(uri));
      this.#keys = keys;
      this.#keysAt = this.#now();
      this.#failure = undefined;
      // Awaited (it never rejects, and Redis fails fast): the next node to miss finds the keys.
      await this.#shared?.write(jwksSourceId(this.#source), keys, this.#keysAt, this.#ttlMs);
      return keys;
    } catch (err) {
      this.#failure = err instanceof JwksError ? err : new JwksError(`fetching the signing keys failed: ${(err as Error).message}`, { cause: err });
      // Keys fetched earlier stay usable until their TTL runs out.
      const fresh = this.#fresh();
      if (fresh) return fresh;
      throw this.#failure;
    }
  }

  async #getJson(url: string): Promise<unknown> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new JwksError(`${url}: only http(s) URLs can be fetched`);
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const res = await request(parsed, { method: 'GET', signal, headers: { accept: 'application/json' }, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
    if (res.statusCode !== 200) {
      res.body.destroy();
      throw new JwksError(`${url} answered ${res.statusCode}`);
    }
    const declared = Number(res.headers['content-length']);
    if (declared > this.#maxBytes) {
      res.body.destroy();
      throw new JwksError(`${url} is ${declared} bytes, over the ${this.#maxBytes}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.#maxBytes) {
        res.body.destroy();
        throw new JwksError(`${url} is over the ${this.#maxBytes}-byte limit`);
      }
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new JwksError(`${url} is not JSON`);
    }
  }
}

/**
 * The usable keys of a JWKS document (RFC 7517): RSA keys with a `kid`, meant for signatures
 * (`use` absent or `sig`), and, when they name one, an RSA `alg`. Others are left out.
 */
export function parseJwks(doc: unknown): ReadonlyMap<string, SigningKey> {
  const list = isRecord(doc) ? doc['keys'] : undefined;
  if (!Array.isArray(list)) throw new JwksError('the JWKS has no "keys" list');
  const keys = new Map<string, SigningKey>();
  for (const k of list) {
    if (!isRecord(k) || k['kty'] !== 'RSA' || typeof k['kid'] !== 'string' || typeof k['n'] !== 'string' || typeof k['e'] !== 'string') continue;
    if (k['use'] !== undefined && k['use'] !== 'sig') continue;
    const alg = k['alg'];
    if (alg !== undefined && (typeof alg !== 'string' || !RSA_ALGORITHMS.has(alg))) continue;
    // Only the public members: a JWKS that leaks `d` must not turn into a private key here.
    const jwk: JWK = { kty: 'RSA', n: k['n'], e: k['e'], ...(typeof alg === 'string' ? { alg } : {}) };
    if (!keys.has(k['kid'])) keys.set(k['kid'], { kid: k['kid'], ...(typeof alg === 'string' ? { alg } : {}), jwk });
  }
  return keys;
}

/** Caches shared by the authorizers of one compiled API: one per issuer or JWKS URL. */
export class JwksRegistry {
  readonly #caches = new Map<string, JwksCache>();
  readonly #options: JwksOptions;

  constructor(options: JwksOptions = {}) {
    this.#options = options;
  }

  /** The cache of `source`, created on first use. */
  get(source: JwksSource): JwksCache {
    const id = jwksSourceId(source);
    let cache = this.#caches.get(id);
    if (!cache) {
      cache = new JwksCache(source, this.#options);
      this.#caches.set(id, cache);
    }
    return cache;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
