/**
 * The Lambda authorizer result cache (REST TOKEN and REQUEST authorizers): what an authorizer
 * returned, kept for `authorizerResultTtlInSeconds` under a key derived from the identity
 * sources, so the function is not invoked again for the same caller. Memory now; a shared
 * (Redis) store passes the same contract suite (test/contract/authorizer-cache.ts).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
 *
 * Values are JSON data: a store may serialise them, so readers validate what comes back
 * rather than trust it (pipeline/2-authorize/authorizer-result.ts does).
 */

/** A JSON value, as a store round-trips it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface AuthorizerCacheStore {
  /** The value stored under `key`, or `undefined` when there is none or its TTL has passed. */
  get(key: string): Promise<JsonValue | undefined>;
  /**
   * Stores `value` under `key` for `ttlSeconds` (> 0; a TTL of 0 or less stores nothing, as
   * AWS's `authorizerResultTtlInSeconds: 0` disables caching). Replaces an earlier value.
   */
  set(key: string, value: JsonValue, ttlSeconds: number): Promise<void>;
  /**
   * Forgets every value whose key starts with `prefix` and resolves how many went: AWS's
   * FlushStageAuthorizersCache / ResetAuthorizersCache, for the keys of one API stage
   * ({@link authorizerCacheScope}). Absent on test doubles (nothing to flush).
   */
  flush?(prefix: string): Promise<number>;
  /** Forgets everything and releases resources. */
  close(): Promise<void>;
}

/**
 * The first part of every cache key of an API stage's authorizers (REST and HTTP APIs alike),
 * so flushing a stage is one prefix. API ids are `[a-z0-9]` and stage names `[A-Za-z0-9_-]` or
 * `$default`, so no scope is a prefix of another's.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html
 */
export function authorizerCacheScope(apiId: string, stageName: string): string {
  return `authz:${apiId}/${stageName}/`;
}
