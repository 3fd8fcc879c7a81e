/**
 * The REST stage cache phase: after authorize, throttle and validate (so a cached response
 * never skips an authorizer, an API key, a limit or a validator), before the integration. A hit
 * answers from the cache and the integration is not invoked; a miss runs the integration and
 * stores its response for the method's TTL. Which methods are cached: cache-settings.ts; the
 * key: cache-key.ts.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
 *
 * What is stored is the method response as the integration (and its response mapping) produced
 * it, whatever its status: AWS is reported to serve a cached 429 from a backend. Gateway errors
 * (a failed or timed-out integration, 5xx of the gateway's own) are never stored. The headers
 * AWS adds per request (`x-amzn-RequestId`, `x-amz-apigw-id`, `X-Amzn-Trace-Id`) are added
 * afresh to a hit by CompiledRestApi. Unverified: whether AWS stores the integration response
 * and maps it again per hit; portico stores the mapped response, so a template reading
 * `$context.requestId` shows the first request's id on hits.
 *
 * A failing store never fails a request: a read error is a miss, a write error leaves the
 * entry out; each store's outage is logged once (PORTICO_ERR_RESPONSE_CACHE_STORE).
 */
import { GatewayError } from '../../errors/index.ts';
import type { Method, Resource, RestApi, RestStage } from '../../model/index.ts';
import type { ResponseCacheStore } from '../../state/response-cache/types.ts';
import { notAuthorizedMessage, requestArns, restCaller, type IdentityPolicies } from '../2-authorize/identity-policy.ts';
import type { GatewayResponse, HeaderPair, Phase, RestContext } from '../types.ts';
import { compileCacheKey } from './cache-key.ts';
import { methodCacheSettings } from './cache-settings.ts';
import { captureBody } from './capture-body.ts';

/** What the phase needs besides the method. */
export interface CachePhaseOptions {
  readonly store: ResponseCacheStore;
  readonly api: RestApi;
  readonly stage: RestStage;
  readonly resource: Resource;
  readonly method: Method;
  /** The method's integrate phase, run on a miss. */
  readonly integrate: Phase<RestContext>;
  readonly region: string;
  readonly accountId: string;
  /** The credentials' IAM policies, when any has some: they decide `execute-api:InvalidateCache`. */
  readonly identityPolicies?: IdentityPolicies;
}

/**
 * The header added when an unauthorised `Cache-Control: max-age=0` is ignored
 * (SUCCEED_WITH_RESPONSE_HEADER). AWS documents "a warning header"; this wording is the one
 * reported for it (unverified against AWS itself).
 */
export const UNAUTHORIZED_WARNING: HeaderPair = ['Warning', '199 Cache-control headers were ignored because the caller was unauthorized.'];

/** Headers not stored: per request (added again by CompiledRestApi) or framing (recomputed by the writer). */
const NOT_STORED = new Set(['x-amzn-requestid', 'x-amz-apigw-id', 'x-amzn-trace-id', 'content-length', 'transfer-encoding', 'connection']);

/** The store namespace of one API stage: what FlushStageCache empties. */
export function stageCacheNamespace(apiId: string, stageName: string): string {
  return `${apiId}/${stageName}`;
}

/** Stores known to be failing, so an outage is logged once per store, not once per request. */
const failing = new WeakSet<ResponseCacheStore>();

/** The phase for one (stage, method), or `undefined` when the method is not cached on that stage. */
export function createCachePhase(opts: CachePhaseOptions): Phase<RestContext> | undefined {
  const settings = methodCacheSettings(opts.stage, opts.resource, opts.method);
  if (!settings) return undefined;
  const { store, integrate } = opts;
  const namespace = stageCacheNamespace(opts.api.apiId, opts.stage.stageName);
  const keyOf = compileCacheKey(opts.resource, opts.method);
  const setOptions = { ttlSeconds: settings.ttlSeconds, capacityBytes: settings.capacityBytes };
  // Without the requirement anyone may refresh an entry; with it, a SigV4 caller whose IAM
  // policies allow execute-api:InvalidateCache (a credential without policies may do anything).
  const open = !settings.requireAuthorizationForCacheControl;
  const signed = opts.method.authorizationType === 'AWS_IAM';
  const policies = opts.identityPolicies;
  /** The refused caller's ARN, or undefined when the caller may invalidate. */
  const refusedCaller = (ctx: RestContext): string | undefined => {
    if (open) return undefined;
    if (!signed) return 'anonymous';
    if (!policies) return undefined;
    const caller = restCaller(ctx);
    const arns = requestArns(opts.region, opts.accountId, opts.api.apiId, opts.stage.stageName, ctx.httpMethod, ctx.stagePath);
    const decision = policies.decide(caller, 'execute-api:InvalidateCache', arns, ctx.request);
    return decision === 'allow' || decision === 'unrestricted' ? undefined : caller.userArn;
  };

  return async (ctx) => {
    if (settings.methods !== 'all' && !settings.methods.has(ctx.httpMethod)) return;
    const key = keyOf(ctx);
    let read = true;
    let warn = false;
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching
    if (wantsFresh(ctx.request.headers['cache-control'])) {
      const refused = refusedCaller(ctx);
      if (refused === undefined) read = false;
      else if (settings.unauthorizedStrategy === 'FAIL_WITH_403') {
        // The request's ARN, as the policy check reads it (and AWS's other refusals show it).
        const arn = requestArns(opts.region, opts.accountId, opts.api.apiId, opts.stage.stageName, ctx.httpMethod, ctx.stagePath)[0] as string;
        const bodyMessage = notAuthorizedMessage(refused, 'execute-api:InvalidateCache', arn, false);
        throw new GatewayError('ACCESS_DENIED', { bodyMessage, message: `cache invalidation refused: ${bodyMessage}` });
      } else warn = settings.unauthorizedStrategy === 'SUCCEED_WITH_RESPONSE_HEADER';
    }
    if (read) {
      const hit = await guarded(ctx, store, () => store.get(namespace, key));
      if (hit) {
        ctx.cacheResult = 'hit';
        ctx.result = { statusCode: hit.statusCode, headers: warn ? [...hit.headers, UNAUTHORIZED_WARNING] : hit.headers, body: hit.body };
        return;
      }
    }
    ctx.cacheResult = 'miss';
    await integrate(ctx);
    const result = ctx.result;
    if (!result) return;
    const captured = await captureBody(result.body);
    if (captured.buffer === undefined) {
      // Too long to cache: streamed on as it came.
      ctx.result = withWarning({ ...result, body: captured.body }, warn);
      return;
    }
    const headers = result.headers.filter(([n]) => !NOT_STORED.has(n.toLowerCase()));
    ctx.result = withWarning({ statusCode: result.statusCode, headers, body: captured.buffer }, warn);
    if (captured.cacheable) await guarded(ctx, store, () => store.set(namespace, key, { statusCode: result.statusCode, headers, body: captured.buffer }, setOptions));
  };
}

/** `Cache-Control: max-age=0` among the request's directives. */
function wantsFresh(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((d) => d.trim().toLowerCase().replace(/\s+/g, '') === 'max-age=0');
}

function withWarning(response: GatewayResponse, warn: boolean): GatewayResponse {
  return warn ? { ...response, headers: [...response.headers, UNAUTHORIZED_WARNING] } : response;
}

/** Runs a store call; a failure is logged once per outage and becomes `undefined` (a miss). */
async function guarded<T>(ctx: RestContext, store: ResponseCacheStore, call: () => Promise<T>): Promise<T | undefined> {
  try {
    const value = await call();
    if (failing.delete(store)) ctx.log.info('response cache store recovered');
    return value;
  } catch (err) {
    if (!failing.has(store)) {
      failing.add(store);
      ctx.log.warn({ err, requestId: ctx.requestId }, 'PORTICO_ERR_RESPONSE_CACHE_STORE: stage cache store failed; serving from the integration');
    }
    return undefined;
  }
}
