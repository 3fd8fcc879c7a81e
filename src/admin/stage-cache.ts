/**
 * Flushing a REST stage's cache on the admin port, as AWS's FlushStageCache:
 * `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/data` → 202 with an empty body, so
 * `aws apigateway flush-stage-cache --endpoint-url` works against it.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageCache.html
 *
 * The stage's entries form one namespace of the store (pipeline/5-cache/stageCacheNamespace):
 * with `--redis` a flush is one INCR that every node sees at once.
 */
import type { AnyApi } from '../model/index.ts';
import { stageCacheNamespace } from '../pipeline/5-cache/cache-phase.ts';
import type { ResponseCacheStore } from '../state/response-cache/types.ts';
import type { AdminReply, AdminRoute } from './types.ts';
import { adminError } from './usage.ts';

/** What the flush route reads. */
export interface StageCacheAdminDeps {
  /** The APIs served and the account id, read on every call (a reload may change them). */
  readonly project: () => { readonly apis: readonly AnyApi[]; readonly accountId: string };
  readonly cache: ResponseCacheStore;
}

/** The admin route that flushes a REST stage's cache. */
export function stageCacheAdminRoutes(deps: StageCacheAdminDeps): AdminRoute[] {
  async function flush(apiId: string, stageName: string): Promise<AdminReply> {
    const { apis, accountId } = deps.project();
    const api = apis.find((a) => a.apiId === apiId && a.protocolType === 'REST');
    // The NotFoundException messages LocalStack records from AWS (as admin/authorizer-cache.ts).
    if (!api) return adminError(404, 'NotFoundException', `Invalid API identifier specified ${accountId}:${apiId}`);
    if (!api.stages.some((s) => s.stageName === stageName)) return adminError(404, 'NotFoundException', 'Invalid stage identifier specified');
    try {
      await deps.cache.flush(stageCacheNamespace(apiId, stageName));
    } catch {
      return adminError(503, 'ServiceUnavailableException', 'the stage cache store is unavailable; nothing was flushed');
    }
    return { status: 202, body: '' };
  }
  return [
    {
      method: 'DELETE',
      path: /^\/restapis\/([^/]+)\/stages\/([^/]+)\/cache\/data\/?$/,
      handle: (m) => flush(decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? '')),
    },
  ];
}
