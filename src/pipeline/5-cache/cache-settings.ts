/**
 * Which methods a REST stage caches, and how: the stage's `cacheClusterEnabled` and the caching
 * fields of its `methodSettings`, resolved once per (stage, method) at load.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 * https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
 */
import type { CacheClusterSize, Method, MethodSetting, Resource, RestStage, UnauthorizedCacheControlHeaderStrategy } from '../../model/index.ts';

/** AWS's default TTL, and its maximum. */
export const DEFAULT_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 3600;

/** What one method of one stage does with the cache. */
export interface MethodCacheSettings {
  readonly ttlSeconds: number;
  /** Requests of these methods use the cache (the request's method, `ANY` methods serving several). */
  readonly methods: ReadonlySet<string> | 'all';
  readonly requireAuthorizationForCacheControl: boolean;
  readonly unauthorizedStrategy: UnauthorizedCacheControlHeaderStrategy;
  /** The stage's `cacheClusterSize` in bytes. */
  readonly capacityBytes: number;
}

const GB = 1024 ** 3;

/** `cacheClusterSize` in bytes (AWS's sizes are in GB; 0.5 when unset). */
export function clusterBytes(size: CacheClusterSize | undefined): number {
  return Math.round(Number(size ?? '0.5') * GB);
}

/**
 * The method's cache settings on `stage`, or `undefined` when it is not cached. The stage-wide
 * `*\/*` entry caches GET only ("When you enable caching for a stage, only GET methods have
 * caching enabled by default"); a method's own `cachingEnabled` turns any method on or off.
 * A method's fields override the stage's field by field; a TTL of 0 turns caching off.
 */
export function methodCacheSettings(stage: RestStage, resource: Resource, method: Method): MethodCacheSettings | undefined {
  if (stage.cacheClusterEnabled !== true) return undefined;
  const stageWide: MethodSetting = stage.methodSettings['*/*'] ?? {};
  const own: MethodSetting = stage.methodSettings[`${resource.path}/${method.httpMethod}`] ?? {};
  const merged: MethodSetting = { ...stageWide, ...own };
  const ttlSeconds = Math.min(merged.cacheTtlInSeconds ?? DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS);
  if (!(ttlSeconds > 0)) return undefined;
  let methods: ReadonlySet<string> | 'all';
  if (own.cachingEnabled !== undefined) {
    if (!own.cachingEnabled) return undefined;
    methods = 'all';
  } else {
    // Stage-wide: GET only, also for the GET requests an ANY method serves.
    if (stageWide.cachingEnabled !== true || (method.httpMethod !== 'GET' && method.httpMethod !== 'ANY')) return undefined;
    methods = new Set(['GET']);
  }
  return {
    ttlSeconds,
    methods,
    requireAuthorizationForCacheControl: merged.requireAuthorizationForCacheControl ?? true,
    unauthorizedStrategy: merged.unauthorizedCacheControlHeaderStrategy ?? 'SUCCEED_WITH_RESPONSE_HEADER',
    capacityBytes: clusterBytes(stage.cacheClusterSize),
  };
}
