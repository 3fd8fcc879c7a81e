/**
 * A REST stage's cache settings from portico.yaml: `cacheClusterEnabled`, `cacheClusterSize` and
 * `caching` become the stage's fields and the caching fields of its `methodSettings`, the
 * stage-wide ones under `*\/*` and a method's under `{resourcePath}/{httpMethod}`, as throttling
 * does (config/rest/stages.ts).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 * https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
 */
import type { CacheClusterSize, MethodSetting } from '../../model/index.ts';
import type { JsonPath } from '../json-path.ts';
import type { RawCacheSettings, RawStageCache } from '../raw-types.ts';
import type { ApiLoadInput } from '../stages.ts';

/** What a stage's cache settings add to it. */
export interface StageCache {
  readonly cacheClusterEnabled?: boolean;
  readonly cacheClusterSize?: CacheClusterSize;
  /** Caching fields keyed as `methodSettings` are (`*\/*`, `/pets/{id}/GET`). */
  readonly methodSettings: Readonly<Record<string, MethodSetting>>;
}

/**
 * Reads one stage's cache keys (`at`: where they are written). Route keys must be methods of
 * the API (`routeKeys`), or the setting would silently apply to nothing.
 */
export function loadStageCache(raw: RawStageCache, at: JsonPath, input: ApiLoadInput, routeKeys: ReadonlySet<string>): StageCache {
  const { src, errors, warnings } = input;
  const enabled = raw.cacheClusterEnabled === true;
  const methodSettings: Record<string, MethodSetting> = {};
  const caching = raw.caching;
  if (caching && !enabled) warnings.push(src.warning([...at, 'caching'], 'has no effect without "cacheClusterEnabled: true": the stage has no cache'));
  if (enabled) {
    // As the console's "Enable API cache": the stage default caches (GET methods only, see
    // pipeline/5-cache/) unless `caching.enabled` says otherwise.
    methodSettings['*/*'] = { cachingEnabled: caching?.enabled ?? true, ...settings(caching ?? {}) };
  }
  for (const [routeKey, own] of Object.entries(caching?.routes ?? {})) {
    if (!routeKeys.has(routeKey)) {
      errors.push(src.error([...at, 'caching', 'routes', routeKey], `"${routeKey}" is not a method of this API (methods: ${[...routeKeys].join(', ') || 'none'})`));
      continue;
    }
    const space = routeKey.indexOf(' ');
    methodSettings[`${routeKey.slice(space + 1)}/${routeKey.slice(0, space)}`] = { ...(own.enabled !== undefined ? { cachingEnabled: own.enabled } : {}), ...settings(own) };
  }
  return {
    ...(raw.cacheClusterEnabled !== undefined ? { cacheClusterEnabled: raw.cacheClusterEnabled } : {}),
    ...(enabled ? { cacheClusterSize: raw.cacheClusterSize ?? '0.5' } : raw.cacheClusterSize !== undefined ? { cacheClusterSize: raw.cacheClusterSize } : {}),
    methodSettings,
  };
}

/** The given fields only, so a method's settings override the stage's field by field. */
function settings(s: RawCacheSettings): MethodSetting {
  return {
    ...(s.ttlInSeconds !== undefined ? { cacheTtlInSeconds: s.ttlInSeconds } : {}),
    ...(s.dataEncrypted !== undefined ? { cacheDataEncrypted: s.dataEncrypted } : {}),
    ...(s.requireAuthorizationForCacheControl !== undefined ? { requireAuthorizationForCacheControl: s.requireAuthorizationForCacheControl } : {}),
    ...(s.unauthorizedCacheControlHeaderStrategy !== undefined ? { unauthorizedCacheControlHeaderStrategy: s.unauthorizedCacheControlHeaderStrategy } : {}),
  };
}
