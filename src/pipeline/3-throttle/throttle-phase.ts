/**
 * Stage and route throttling of HTTP (and WebSocket) APIs (spec §7.3): a token bucket per
 * `{api, stage, route}`, whose limit is the stage's `routeSettings[routeKey]` laid over its
 * `defaultRouteSettings`. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 * ("You can configure route-level throttling to override the account-level request throttling
 * limits for a specific stage or for individual routes in your API").
 *
 * The phase is compiled per route at load. A route with no limit configured gets no phase, so
 * it costs nothing per request (style.md §12).
 */
import type { RouteSettings, Stage } from '../../model/index.ts';
import type { RateLimitStore, TokenBucketLimit } from '../../state/rate-limit/types.ts';
import { GatewayError } from '../../errors/index.ts';
import type { BaseContext, Phase } from '../types.ts';

/**
 * AWS's account-level limit per Region: 10,000 requests/s with a burst of 5,000 (spec §12).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 *
 * It is not enforced by default. On AWS it is shared by every API of an account in a Region,
 * which has no meaning for one local gateway, and enforcing it would cost a store call on every
 * request. A local gateway almost never reaches 10,000 rps anyway. It does fill in a missing
 * rate or burst when the other one is set (see {@link effectiveRouteLimit}).
 */
export const ACCOUNT_LEVEL_LIMIT: TokenBucketLimit = { rate: 10_000, burst: 5_000 };

/** Options of {@link createThrottlePhase}. */
export interface ThrottlePhaseOptions {
  /** Where the buckets live (memory, or Redis for a cluster). */
  readonly store: RateLimitStore;
  readonly apiId: string;
  readonly stage: Stage;
  /** The route's key as written (`GET /pets/{id}`, `$default`), which indexes `routeSettings`. */
  readonly routeKey: string;
  /**
   * What to do when the store fails (for example, Redis is down). The default `true` lets the
   * request through and logs a warning. `false` answers 500 instead (see {@link createThrottlePhase}).
   * The same choice as Kong's `fault_tolerant` (style.md §7).
   */
  readonly failOpen?: boolean | undefined;
}

/**
 * The limit in force for a route, or undefined when neither the route nor the stage sets one.
 * The merge goes field by field: the route's rate and burst override the stage default's, each
 * on its own. When only one of the two is set anywhere, the other comes from AWS's
 * account-level limit, which is what applies on AWS to a value the stage doesn't set.
 * An explicit 0 is a limit like any other: burst 0 refuses everything, as AWS does (terraform
 * and pulumi users hit exactly that when their tools send 0 as the default:
 * https://github.com/pulumi/pulumi-aws/issues/2363).
 */
export function effectiveRouteLimit(stage: Stage, routeKey: string): TokenBucketLimit | undefined {
  const route: RouteSettings = stage.routeSettings[routeKey] ?? {};
  const rate = route.throttlingRateLimit ?? stage.defaultRouteSettings.throttlingRateLimit;
  const burst = route.throttlingBurstLimit ?? stage.defaultRouteSettings.throttlingBurstLimit;
  if (rate === undefined && burst === undefined) return undefined;
  return { rate: rate ?? ACCOUNT_LEVEL_LIMIT.rate, burst: burst ?? ACCOUNT_LEVEL_LIMIT.burst };
}

/**
 * Compiles the throttle phase of one route on one stage, or returns undefined when no limit
 * applies. Per request, it takes a token from the bucket `${apiId}:${stageName}:${routeKey}`.
 * - Refused: `GatewayError('THROTTLED')`, which HTTP APIs answer with 429
 *   `{"message":"Too Many Requests"}`.
 * - The store fails and `failOpen` is true (the default): the request goes through. A warning
 *   is logged when the outage starts and an info line when it ends, not one per request.
 * - The store fails and `failOpen` is false: `GatewayError('API_CONFIGURATION_ERROR')` with the
 *   store's error as `cause`. HTTP APIs answer that with 500 `{"message":"Internal Server Error"}`,
 *   AWS's generic answer for a failure inside the gateway, and the same status Kong gives when
 *   `fault_tolerant` is off. 429 would tell clients they exceeded a limit they never reached.
 *   503 belongs to INTEGRATION_TIMEOUT, and reusing it would count a store outage as
 *   integration timeouts in metrics.
 */
export function createThrottlePhase(opts: ThrottlePhaseOptions): Phase<BaseContext> | undefined {
  const limit = effectiveRouteLimit(opts.stage, opts.routeKey);
  if (limit === undefined) return undefined;
  const { store } = opts;
  const key = `${opts.apiId}:${opts.stage.stageName}:${opts.routeKey}`;
  const failOpen = opts.failOpen ?? true;
  /** True while the store is failing, so an outage is logged once, not once per request. */
  let storeDown = false;

  return async (ctx) => {
    let allowed: boolean;
    try {
      allowed = await store.take(key, limit);
    } catch (err) {
      if (!storeDown) {
        storeDown = true;
        ctx.log.warn({ err, key, failOpen }, `PORTICO_ERR_RATE_LIMIT_STORE: throttle store failed; failing ${failOpen ? 'open' : 'closed'}`);
      }
      if (failOpen) {
        ctx.stateFailedOpen = true;
        return;
      }
      throw storeUnavailable('rate-limit', err);
    }
    if (storeDown) {
      storeDown = false;
      ctx.log.info({ key }, 'throttle store recovered');
    }
    if (!allowed) throw new GatewayError('THROTTLED');
  };
}

/**
 * A state store failing closed (`state.failMode: closed`): 503 Service Unavailable, which
 * clients retry; not 429 (the client exceeded nothing) nor a plain 500. AWS has no such case
 * (its limits never fail), so the type is API_CONFIGURATION_ERROR with the status overridden;
 * a customised gateway response for it (or DEFAULT_5XX) still applies. docs/scale-out.md.
 */
export function storeUnavailable(what: string, cause: unknown): GatewayError {
  return new GatewayError('API_CONFIGURATION_ERROR', { status: 503, bodyMessage: 'Service Unavailable', errorType: 'ServiceUnavailableException', message: `${what} store unavailable (failMode closed)`, cause });
}
