/**
 * Liveness and readiness, for load balancers and orchestrators:
 * - `GET /health`: the process answers — 200 `{"status":"ok"}`.
 * - `GET /ready`: 200 `{"status":"ready"}` when every configured state store is reachable
 *   (Redis answers PING when `--redis` / `state.redis` is set); 503 `{"status":"not ready",
 *   "reason": …}` otherwise, and while the gateway shuts down, so a balancer stops sending
 *   new requests before the listeners close.
 */
import type { AdminRoute } from './types.ts';

/** What readiness checks. */
export interface ReadinessSource {
  /** True once shutdown has begun. */
  closing(): boolean;
  /** The shared-state Redis, when configured: resolves whether it answers now (never rejects). */
  readonly redis?: { ready(): Promise<boolean> };
}

/** `/health` and `/ready`. */
export function healthRoutes(source: ReadinessSource): AdminRoute[] {
  return [
    { method: 'GET', path: /^\/health$/, handle: () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'GET',
      path: /^\/ready$/,
      async handle() {
        if (source.closing()) return { status: 503, body: { status: 'not ready', reason: 'shutting down' } };
        if (source.redis && !(await source.redis.ready())) return { status: 503, body: { status: 'not ready', reason: 'redis unreachable' } };
        return { status: 200, body: { status: 'ready' } };
      },
    },
  ];
}
