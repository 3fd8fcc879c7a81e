/**
 * Flushing a stage's authorizer results on the admin port, as AWS's control planes do:
 *
 * - REST: FlushStageAuthorizersCache, `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers`
 *   → 202 with an empty body. https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html
 * - HTTP: ResetAuthorizersCache, `DELETE /v2/apis/{apiId}/stages/{stageName}/cache/authorizers`
 *   → 204. https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-cache-authorizers.html
 *
 * Every authorizer cache key starts with its API stage's scope (authorizerCacheScope), so a
 * flush is one prefix on the shared store: with `--redis`, every node's view is flushed at once.
 */
import type { AnyApi } from '../model/index.ts';
import { authorizerCacheScope, type AuthorizerCacheStore } from '../state/authorizer-cache/types.ts';
import type { AdminReply, AdminRoute } from './types.ts';
import { adminError } from './usage.ts';

/** What the flush routes read. */
export interface AuthorizerCacheAdminDeps {
  /** The APIs served and the account id, read on every call (a reload may change them). */
  readonly project: () => { readonly apis: readonly AnyApi[]; readonly accountId: string };
  readonly cache: AuthorizerCacheStore;
}

/** The admin routes that flush authorizer caches. */
export function authorizerCacheAdminRoutes(deps: AuthorizerCacheAdminDeps): AdminRoute[] {
  /** Looks the stage up (AWS's NotFoundException messages otherwise) and flushes it. */
  async function flush(protocol: 'REST' | 'V2', apiId: string, stageName: string, okStatus: number): Promise<AdminReply> {
    const { apis, accountId } = deps.project();
    const api = apis.find((a) => a.apiId === apiId && (protocol === 'REST' ? a.protocolType === 'REST' : a.protocolType !== 'REST'));
    // The messages LocalStack records from AWS: "Invalid API identifier specified {account}:{id}".
    if (!api) return adminError(404, 'NotFoundException', `Invalid API identifier specified ${accountId}:${apiId}`);
    if (!api.stages.some((s) => s.stageName === stageName)) return adminError(404, 'NotFoundException', `Invalid stage identifier specified`);
    try {
      await deps.cache.flush?.(authorizerCacheScope(apiId, stageName));
    } catch {
      return adminError(503, 'ServiceUnavailableException', 'the authorizer cache store is unavailable; nothing was flushed');
    }
    return { status: okStatus, body: '' };
  }
  const decode = (s: string | undefined): string => decodeURIComponent(s ?? '');
  return [
    {
      method: 'DELETE',
      path: /^\/restapis\/([^/]+)\/stages\/([^/]+)\/cache\/authorizers\/?$/,
      handle: (m) => flush('REST', decode(m[1]), decode(m[2]), 202),
    },
    {
      method: 'DELETE',
      path: /^\/v2\/apis\/([^/]+)\/stages\/([^/]+)\/cache\/authorizers\/?$/,
      handle: (m) => flush('V2', decode(m[1]), decode(m[2]), 204),
    },
  ];
}
