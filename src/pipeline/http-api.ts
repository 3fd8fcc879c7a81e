/**
 * The HTTP API flavour assembled from the phases: one compiled object per API, built once
 * at load, whose `handle` runs a request through route → authorize → throttle → integrate → map-response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html
 */
import type { Logger } from 'pino';
import type { Credential, HttpApi, Integration, Route, Stage } from '../model/index.ts';
import type { LambdaRuntime } from '../lambda/types.ts';
import type { RateLimitStore } from '../state/rate-limit/types.ts';
import { MemoryAuthorizerCache } from '../state/authorizer-cache/memory.ts';
import type { AuthorizerCacheStore } from '../state/authorizer-cache/types.ts';
import { GatewayError, HTTP_GATEWAY_RESPONSES } from '../errors/index.ts';
import { shortId } from '../util/ids.ts';
import { HttpRouter } from './1-route/http-router.ts';
import { createHttpLambdaAuthorizerPhase } from './2-authorize/http-lambda-authorizer.ts';
import { JwksRegistry } from './2-authorize/jwks.ts';
import { SharedJwks } from './2-authorize/jwks-shared.ts';
import { createJwtPhase } from './2-authorize/jwt.ts';
import { iamAuthorizerContext, verifySigV4 } from './2-authorize/sigv4.ts';
import { checkHttpIdentity } from './2-authorize/identity-policy.ts';
import { actualResponseHeaders, compileCors, preflightResponse, stripCorsHeaders, type CompiledCors } from './cors/http-cors.ts';
import { createThrottlePhase } from './3-throttle/throttle-phase.ts';
import { createHttpProxyIntegration } from './6-integrate/http-proxy.ts';
import { createLambdaIntegration, type IntegrationFn } from './6-integrate/lambda.ts';
import { logAccess } from './8-log/access-log.ts';
import type { RequestObserver } from './8-log/observer-types.ts';
import { compileChain } from './index.ts';
import { errorResponse, runChain } from './run.ts';
import type { GatewayContext, GatewayRequest, GatewayResponse, Phase } from './types.ts';

/** What the HTTP API flavour needs from the process. */
export interface HttpApiDeps {
  readonly runtime: LambdaRuntime;
  readonly rateLimits: RateLimitStore;
  /** A failing rate-limit store lets requests through (default) or answers 500. */
  readonly failOpen?: boolean;
  readonly accountId: string;
  /** Shown in route ARNs (Lambda authorizer policies). Default us-east-1. */
  readonly region?: string;
  /** Lambda authorizer results; default a store of this API's own. */
  readonly authorizerCache?: AuthorizerCacheStore;
  /** Keys SigV4-signed requests to `AWS_IAM` routes may use. */
  readonly access?: { readonly credentials?: readonly Credential[] };
  readonly logger: Logger;
  readonly accessLog: Logger;
  /** Access-log formats and metrics (8-log/observer.ts); absent: the JSON access line. */
  readonly observer?: RequestObserver;
}

/** A stage that doesn't exist, for requests answered before a stage is known (404). */
const NO_STAGE: Stage = { stageName: '-', stageVariables: {}, defaultRouteSettings: {}, routeSettings: {} };

export class CompiledHttpApi {
  readonly api: HttpApi;
  readonly #deps: HttpApiDeps;
  readonly #router: HttpRouter;
  readonly #cors: CompiledCors | undefined;
  readonly #stages = new Map<string, Stage>();
  /** Per stage, per route: the compiled chain after routing. */
  readonly #chains = new Map<Stage, Map<Route, readonly Phase[]>>();

  constructor(api: HttpApi, deps: HttpApiDeps) {
    this.api = api;
    this.#deps = deps;
    this.#router = new HttpRouter(api.routes);
    this.#cors = api.corsConfiguration ? compileCors(api.corsConfiguration) : undefined;
    const integrations = new Map<Integration, IntegrationFn>();
    for (const route of api.routes) {
      if (!integrations.has(route.integration)) integrations.set(route.integration, this.#integration(route.integration));
    }
    // Authorize phases are per route (scopes differ), shared by every stage.
    const authorize = new Map<Route, Phase>();
    const cache = deps.authorizerCache ?? new MemoryAuthorizerCache();
    // JWKS fetched by one node are found by the others through the same store (jwks-shared.ts).
    const jwks = new JwksRegistry({ shared: new SharedJwks(cache) });
    for (const route of api.routes) {
      const phase = authorizePhase(api, route, { jwks, cache, deps });
      if (phase) authorize.set(route, phase);
    }
    for (const stage of api.stages) {
      this.#stages.set(stage.stageName, stage);
      const byRoute = new Map<Route, readonly Phase[]>();
      for (const route of api.routes) {
        const integrate = integrations.get(route.integration) as IntegrationFn;
        byRoute.set(
          route,
          compileChain({
            authorize: authorize.get(route),
            throttle: createThrottlePhase({ store: deps.rateLimits, apiId: api.apiId, stage, routeKey: route.routeKey, failOpen: deps.failOpen }),
            integrate: async (ctx) => {
              ctx.integrationResponse = await integrate(ctx);
            },
            'map-response': mapResponse,
          }),
        );
      }
      this.#chains.set(stage, byRoute);
    }
  }

  #integration(integration: Integration): IntegrationFn {
    switch (integration.integrationType) {
      case 'AWS_PROXY':
        return createLambdaIntegration(integration, { runtime: this.#deps.runtime, accountId: this.#deps.accountId });
      case 'HTTP_PROXY':
        return createHttpProxyIntegration(integration, { accountId: this.#deps.accountId });
      case 'MOCK':
        // Refused at load for HTTP APIs; kept total for the compiler.
        return () => Promise.reject(new GatewayError('API_CONFIGURATION_ERROR', { message: 'MOCK is not an HTTP API integration' }));
    }
  }

  /**
   * Stage selection (spec §1.1): a first path segment equal to a stage name selects that
   * stage and is stripped; otherwise the `$default` stage gets the full path.
   */
  selectStage(rawPath: string): { stage: Stage; stagePath: string } | undefined {
    const end = rawPath.indexOf('/', 1);
    const first = end < 0 ? rawPath.slice(1) : rawPath.slice(1, end);
    const named = first !== '$default' ? this.#stages.get(first) : undefined;
    if (named) return { stage: named, stagePath: end < 0 ? '/' : rawPath.slice(end) };
    const def = this.#stages.get('$default');
    return def ? { stage: def, stagePath: rawPath } : undefined;
  }

  /** Runs one request through the API; never rejects. */
  async handle(request: GatewayRequest): Promise<{ ctx: GatewayContext; response: GatewayResponse }> {
    const requestId = shortId();
    const sel = this.selectStage(request.rawPath);
    const ctx: GatewayContext = {
      requestId,
      requestTimeEpoch: Date.now(),
      request,
      api: this.api,
      stage: sel?.stage ?? NO_STAGE,
      stagePath: sel?.stagePath ?? request.rawPath,
      timings: { start: process.hrtime.bigint() },
      log: this.#deps.logger,
    };
    try {
      if (!sel) throw new GatewayError('RESOURCE_NOT_FOUND', { message: 'no stage matches and there is no $default stage' });
      // A matching route (OPTIONS, ANY or $default) takes the preflight too; the gateway answers
      // preflights only when nothing matches, which is why AWS advises an unauthenticated
      // `OPTIONS /{proxy+}` next to an authorized `$default`.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
      const match = this.#router.match(request.method, ctx.stagePath);
      const preflight = !match && this.#cors ? preflightResponse(this.#cors, request) : undefined;
      if (preflight) ctx.result = preflight;
      else {
        if (!match) throw new GatewayError('RESOURCE_NOT_FOUND', { message: 'no route matches' });
        ctx.match = match;
        await runChain(ctx, this.#chains.get(ctx.stage)?.get(match.route) ?? [], HTTP_GATEWAY_RESPONSES);
      }
    } catch (err) {
      const e = err instanceof GatewayError ? err : new GatewayError('INTEGRATION_FAILURE', { cause: err });
      ctx.error = e;
      ctx.result = errorResponse(e, HTTP_GATEWAY_RESPONSES);
    }
    const response = this.#finish(ctx, ctx.result as GatewayResponse);
    if (this.#deps.observer) this.#deps.observer.http(ctx, response, ctx.match?.route.routeKey ?? '-');
    else logAccess(this.#deps.accessLog, ctx, response.statusCode, ctx.match?.route.routeKey ?? '-');
    return { ctx, response };
  }

  /** Headers every HTTP API response carries: CORS on actual requests, and `apigw-requestid`. */
  #finish(ctx: GatewayContext, result: GatewayResponse): GatewayResponse {
    let headers = result.headers;
    const isPreflight = ctx.match === undefined && ctx.error === undefined;
    if (this.#cors && !isPreflight) {
      // With CORS configured, AWS ignores the integration's CORS headers and sends its own.
      headers = [...stripCorsHeaders(headers), ...actualResponseHeaders(this.#cors, ctx.request)];
    }
    // The gateway's own request id replaces any the integration sent (a proxied API Gateway).
    const own = headers.some(([n]) => n.length === 15 && n.toLowerCase() === 'apigw-requestid') ? headers.filter(([n]) => n.toLowerCase() !== 'apigw-requestid') : headers;
    return { statusCode: result.statusCode, headers: [...own, ['apigw-requestid', ctx.requestId]], body: result.body };
  }
}

/**
 * The authorize slot of a route: its JWT or Lambda authorizer (spec §6.4, §6.5). Anything else
 * but `NONE` (IAM, an unknown authorizer) refuses every request: never served open by mistake.
 */
function authorizePhase(api: HttpApi, route: Route, o: { jwks: JwksRegistry; cache: AuthorizerCacheStore; deps: HttpApiDeps }): Phase | undefined {
  if (route.authorizationType === 'NONE') return undefined;
  const authorizer = route.authorizerId === undefined ? undefined : api.authorizers?.[route.authorizerId];
  if (route.authorizationType === 'JWT' && authorizer?.authorizerType === 'JWT') {
    const { issuer, jwksUri } = authorizer.jwtConfiguration;
    const jwks = o.jwks.get(jwksUri !== undefined ? { jwksUri } : { issuer });
    return createJwtPhase({ authorizer, scopes: route.authorizationScopes ?? [], jwks, accountId: o.deps.accountId });
  }
  if (route.authorizationType === 'AWS_IAM') {
    // IAM: the caller's identity goes to `requestContext.authorizer.iam` (2.0) and `identity` (1.0).
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
    const opts = { credentials: o.deps.access?.credentials ?? [], region: o.deps.region ?? 'us-east-1', accountId: o.deps.accountId, apiId: api.apiId };
    return async (ctx) => {
      let caller;
      try {
        caller = await verifySigV4(ctx.request, opts);
      } catch (err) {
        // An unsigned request to an IAM route is 403 Forbidden on HTTP APIs (their table's
        // MISSING_AUTHENTICATION_TOKEN means an unknown route: 404).
        if (err instanceof GatewayError && err.type === 'MISSING_AUTHENTICATION_TOKEN') throw new GatewayError('ACCESS_DENIED', { message: err.message, cause: err });
        throw err;
      }
      // The caller's identity policies must allow execute-api:Invoke on the route (identity-policy.ts).
      checkHttpIdentity(opts.credentials, opts, ctx, caller);
      ctx.authorizer = { v2: iamAuthorizerContext(caller), v1: {}, variables: {} };
    };
  }
  if (route.authorizationType === 'CUSTOM' && authorizer?.authorizerType === 'REQUEST') {
    return createHttpLambdaAuthorizerPhase(authorizer, { runtime: o.deps.runtime, cache: o.cache, accountId: o.deps.accountId, region: o.deps.region ?? 'us-east-1' });
  }
  const why = `route ${route.routeKey} requires ${route.authorizationType} authorization${route.authorizerId !== undefined ? ` with authorizer ${route.authorizerId}` : ''}, which portico cannot check; refused`;
  return () => {
    throw new GatewayError('API_CONFIGURATION_ERROR', { message: why });
  };
}

/** map-response: the integration's answer becomes the result. */
const mapResponse: Phase = (ctx) => {
  if (ctx.integrationResponse) ctx.result = ctx.integrationResponse;
};
