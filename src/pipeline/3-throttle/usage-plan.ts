/**
 * Usage-plan limits of REST methods with `apiKeyRequired`, applied per API key after the key
 * check and before the stage's own throttling (spec §7.3, "order of application": the plan's
 * per-method throttle or its plan-level throttle, then the stage's methodSettings).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 *
 * 1. Throttle: a token bucket per key, `plan:{planId}:{keyId}`, shared by every stage and
 *    method of the plan ("throttling and quota limits apply to requests for individual API keys
 *    that are aggregated across all API stages within a usage plan",
 *    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html).
 *    A method the plan's `apiStages[].throttle` names gets a bucket of its own instead,
 *    `plan:{planId}:{keyId}:{apiId}/{stage}/{resourcePath}/{METHOD}`. Spent → THROTTLED (429).
 * 2. Quota: a counter per key, `quota:{planId}:{keyId}`, per UTC day / week / month, summed
 *    over the plan's stages. Spent → QUOTA_EXCEEDED (429 `{"message":"Limit Exceeded"}`).
 *
 * Everything is compiled per method at load; a request reads its plan's entry by index.
 * A failing store lets requests through by default, logged once per outage, as the stage
 * throttle does (throttle-phase.ts).
 */
import type { QuotaSettings, ThrottleSettings } from '../../model/index.ts';
import type { RateLimitStore, TokenBucketLimit } from '../../state/rate-limit/types.ts';
import { usageDay, type QuotaStore } from '../../state/quota/types.ts';
import { GatewayError } from '../../errors/index.ts';
import type { StageAccess } from '../2-authorize/api-key.ts';
import type { Phase, RestContext } from '../types.ts';
import { quotaLimit, quotaWindow } from './quota-window.ts';
import { ACCOUNT_LEVEL_LIMIT, storeUnavailable } from './throttle-phase.ts';

/** Options of {@link createUsagePlanPhase}. */
export interface UsagePlanPhaseOptions {
  readonly access: StageAccess;
  readonly apiId: string;
  readonly stageName: string;
  /** The method as AWS keys it in `ApiStage.throttle`: `/pets/{id}/GET`. */
  readonly methodKey: string;
  readonly rateLimits: RateLimitStore;
  readonly quotas: QuotaStore;
  /** When the plans were created (the gateway started): the quota offset applies to that period. */
  readonly createdAtMs: number;
  /** Epoch ms now; default `Date.now`. */
  readonly clock?: () => number;
  /** Let requests through when a store fails (default true), or answer 500. */
  readonly failOpen?: boolean | undefined;
}

/** One plan's limits for one method. */
interface MethodPlan {
  readonly bucketPrefix: string;
  readonly bucketSuffix: string;
  readonly throttle: TokenBucketLimit | undefined;
  readonly quotaPrefix: string;
  readonly quota: QuotaSettings | undefined;
}

/**
 * The quota counter of an API key in a plan, `quota:{planId}:{keyId}`; its daily usage records
 * (GetUsage, admin/usage.ts) are kept under the same key.
 */
export function quotaKey(planId: string, keyId: string): string {
  return `quota:${planId}:${keyId}`;
}

/**
 * A plan's limit for a method: the method's own settings, field by field over the plan's.
 * When only one of rate and burst is set, the other is AWS's account-level limit, as for stages.
 */
export function planMethodLimit(plan: ThrottleSettings | undefined, method: ThrottleSettings | undefined): TokenBucketLimit | undefined {
  const rate = method?.rateLimit ?? plan?.rateLimit;
  const burst = method?.burstLimit ?? plan?.burstLimit;
  if (rate === undefined && burst === undefined) return undefined;
  return { rate: rate ?? ACCOUNT_LEVEL_LIMIT.rate, burst: burst ?? ACCOUNT_LEVEL_LIMIT.burst };
}

/**
 * Compiles the usage-plan phase of one method on one stage, or undefined when no plan covering
 * the stage sets a throttle or quota (then it costs nothing per request).
 */
export function createUsagePlanPhase(opts: UsagePlanPhaseOptions): Phase<RestContext> | undefined {
  const plans: MethodPlan[] = opts.access.plans.map((plan) => {
    const own = plan.apiStages.find((s) => s.apiId === opts.apiId && s.stage === opts.stageName)?.throttle[opts.methodKey];
    return {
      bucketPrefix: `plan:${plan.id}:`,
      bucketSuffix: own ? `:${opts.apiId}/${opts.stageName}${opts.methodKey}` : '',
      throttle: planMethodLimit(plan.throttle, own),
      quotaPrefix: quotaKey(plan.id, ''),
      quota: plan.quota,
    };
  });
  if (!plans.some((p) => p.throttle !== undefined || p.quota !== undefined)) return undefined;
  const { rateLimits, quotas, createdAtMs } = opts;
  const clock = opts.clock ?? Date.now;
  const failOpen = opts.failOpen ?? true;
  // One guard per store, so an outage of one is logged once whatever the other does.
  const throttleGuard = storeGuard(failOpen, 'PORTICO_ERR_RATE_LIMIT_STORE', 'rate-limit');
  const quotaGuard = storeGuard(failOpen, 'PORTICO_ERR_QUOTA_STORE', 'quota');

  return async (ctx) => {
    const match = ctx.apiKey;
    const plan = match === undefined ? undefined : plans[match.plan];
    if (!match || !plan) return;
    const limit = plan.throttle;
    if (limit) {
      const key = plan.bucketPrefix + match.keyId + plan.bucketSuffix;
      const allowed = await throttleGuard(ctx, key, () => rateLimits.take(key, limit));
      if (allowed === false) throw new GatewayError('THROTTLED', { message: `usage plan throttle ${key}` });
    }
    if (plan.quota) {
      const key = plan.quotaPrefix + match.keyId;
      const now = clock();
      const window = quotaWindow(plan.quota.period, now);
      const allowance = quotaLimit(plan.quota, window, createdAtMs);
      // The request is added to today's usage (UTC) in the same atomic call (GetUsage).
      const result = await quotaGuard(ctx, key, () => quotas.consume(key, allowance, window.startMs, window.endMs, usageDay(now)));
      if (result?.allowed === false) throw new GatewayError('QUOTA_EXCEEDED', { message: `usage plan quota ${key} (${allowance} per ${plan.quota.period})` });
    }
  };
}

/**
 * Runs a store call. On failure it logs a warning when the outage starts (an info line when it
 * ends) and resolves undefined (fail open) or throws API_CONFIGURATION_ERROR (fail closed).
 */
function storeGuard(failOpen: boolean, code: string, what: string): <T>(ctx: RestContext, key: string, call: () => Promise<T>) => Promise<T | undefined> {
  let storeDown = false;
  return async (ctx, key, call) => {
    let result;
    try {
      result = await call();
    } catch (err) {
      if (!storeDown) {
        storeDown = true;
        ctx.log.warn({ err, key, failOpen }, `${code}: usage plan ${what} store failed; failing ${failOpen ? 'open' : 'closed'}`);
      }
      if (failOpen) {
        ctx.stateFailedOpen = true;
        return undefined;
      }
      throw storeUnavailable(what, err);
    }
    if (storeDown) {
      storeDown = false;
      ctx.log.info({ key }, `usage plan ${what} store recovered`);
    }
    return result;
  };
}
