/**
 * The REST API flavour assembled from the phases: one compiled object per API, built once at
 * load — resource tree, models, templates, mappings and gateway responses compiled here, never
 * per request. A request runs: stage → route (resource + method) → authorize (API key) →
 * throttle (usage plan, then stage) → validate → integrate → map-response, and any GatewayError
 * becomes the API's gateway response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-rest-api.html
 * Spec §4.1 (the REST engine's order of steps).
 */
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors/index.ts';
import type { Method, Resource, RestApi, RestStage, Stage } from '../model/index.ts';
import { requestHeaders } from '../lambda/events/common.ts';
import { restContextTree } from '../mapping/rest-context.ts';
import { VtlError } from '../mapping/vtl/index.ts';
import { parseQuery } from '../util/http.ts';
import { shortId } from '../util/ids.ts';
import { RestRouter } from './1-route/rest-router.ts';
import { compileStageAccess, createApiKeyPhase, type StageAccess } from './2-authorize/api-key.ts';
import { createLambdaAuthorizerPhase } from './2-authorize/lambda-authorizer.ts';
import { createCognitoPhase } from './2-authorize/cognito.ts';
import { JwksRegistry } from './2-authorize/jwks.ts';
import { SharedJwks } from './2-authorize/jwks-shared.ts';
import { createResourcePolicyPhase } from './2-authorize/resource-policy.ts';
import { compileIdentityPolicies, createIdentityPolicyPhase, hasIdentityPolicies, type IdentityPolicies } from './2-authorize/identity-policy.ts';
import { createSigV4Phase } from './2-authorize/sigv4.ts';
import { withMethodArnLimit } from './2-authorize/method-arn-limit.ts';
import { MemoryAuthorizerCache } from '../state/authorizer-cache/memory.ts';
import { createThrottlePhase } from './3-throttle/throttle-phase.ts';
import { createUsagePlanPhase } from './3-throttle/usage-plan.ts';
import { compileMethodValidator, compileModels, type CompiledModels } from './4-validate/rest-validator.ts';
import { createCachePhase } from './5-cache/cache-phase.ts';
import { MemoryResponseCache } from '../state/response-cache/memory.ts';
import type { ResponseCacheStore } from '../state/response-cache/types.ts';
import { traceId } from './6-integrate/aws-added-headers.ts';
import { createRestHttp, createRestHttpProxy } from './6-integrate/rest/http.ts';
import { createRestLambda } from './6-integrate/rest/lambda.ts';
import { createRestLambdaProxy } from './6-integrate/rest/lambda-proxy.ts';
import { createRestMock } from './6-integrate/rest/mock.ts';
import type { RestIntegrationDeps, RestScope } from './6-integrate/rest/types.ts';
import { compileGatewayResponses, type GatewayResponseInput } from './7-map-response/gateway-response.ts';
import { compileResponses, mapIntegrationOutput } from './7-map-response/integration-response.ts';
import { logAccess } from './8-log/access-log.ts';
import type { ApiDeps } from './compiled-api.ts';
import { compileChain } from './index.ts';
import type { GatewayRequest, GatewayResponse, HeaderPair, Phase, RestContext } from './types.ts';

/** A stage that doesn't exist, for requests answered before a stage is known. */
const NO_STAGE: RestStage = { stageName: '-', variables: {}, methodSettings: {} };

/**
 * An unknown or missing stage: 403 `{"message":"Forbidden"}` (spec §1.1). AWS answers before
 * any API configuration applies, so this is not a (customisable) gateway response.
 */
const FORBIDDEN: GatewayResponse = {
  statusCode: 403,
  headers: [
    ['Content-Type', 'application/json'],
    ['x-amzn-ErrorType', 'ForbiddenException'],
  ],
  body: '{"message":"Forbidden"}',
};

/** Per method: the compiled chain and whether success responses carry `X-Amzn-Trace-Id`. */
interface CompiledMethod {
  readonly chain: readonly Phase<RestContext>[];
  readonly traced: boolean;
}

export class CompiledRestApi {
  readonly api: RestApi;
  readonly #deps: ApiDeps;
  readonly #router: RestRouter;
  readonly #stages = new Map<string, RestStage>();
  readonly #methods = new Map<RestStage, Map<Method, CompiledMethod>>();
  readonly #gatewayResponse: (input: GatewayResponseInput) => GatewayResponse;
  readonly #integrationDeps: RestIntegrationDeps;
  /** Lambda authorizers' phases by authorizer id, compiled once and shared by every method and stage. */
  readonly #authorizers = new Map<string, Phase<RestContext>>();
  /** SigV4 for AWS_IAM methods and the API's resource policy, compiled once. */
  readonly #sigv4: Phase<RestContext>;
  /** Cognito user-pool phases by method (scopes are per method). */
  readonly #cognito = new Map<Method, Phase<RestContext>>();
  readonly #resourcePolicy: Phase<RestContext> | undefined;
  /** What AWS_IAM methods check after SigV4: the resource policy (with identity policies), or identity policies alone. */
  readonly #iamPolicy: Phase<RestContext> | undefined;
  /** The stage cache's store: the gateway's (shared across nodes with Redis), or this API's own. */
  readonly #responseCache: ResponseCacheStore;

  /** Compiles everything; throws an Error naming the definition on anything invalid. */
  constructor(api: RestApi, deps: ApiDeps) {
    this.api = api;
    this.#deps = deps;
    this.#router = new RestRouter(api.resources);
    this.#gatewayResponse = compileGatewayResponses(api);
    this.#responseCache = deps.responseCache ?? new MemoryResponseCache();
    this.#integrationDeps = { runtime: deps.runtime, accountId: deps.accountId, deploymentId: shortId().slice(0, 6).toLowerCase() };
    const models = compileModels(api);
    const cache = deps.authorizerCache ?? new MemoryAuthorizerCache();
    // One JWKS registry per API: Cognito authorizers of several methods share the pools' keys.
    const jwks = new JwksRegistry({ shared: new SharedJwks(cache) });
    const cognitoDeps = { jwks, ...(deps.cognitoIssuers ? { issuers: deps.cognitoIssuers } : {}) };
    for (const resource of api.resources) {
      for (const method of Object.values(resource.resourceMethods)) {
        const a = method.authorizerId !== undefined ? api.authorizers[method.authorizerId] : undefined;
        if (a?.type === 'COGNITO_USER_POOLS' && method.authorizationType === 'COGNITO_USER_POOLS') this.#cognito.set(method, createCognitoPhase(api, method, a, cognitoDeps));
      }
    }
    for (const a of Object.values(api.authorizers)) {
      if (a.type !== 'COGNITO_USER_POOLS') this.#authorizers.set(a.id, createLambdaAuthorizerPhase(a, { ...this.#integrationDeps, region: deps.region, cache }));
    }
    this.#sigv4 = createSigV4Phase({ credentials: deps.access.credentials ?? [], region: deps.region, accountId: deps.accountId, apiId: api.apiId });
    // IAM callers' identity policies: combined with the resource policy when there is one, alone otherwise.
    const credentials = deps.access.credentials ?? [];
    const identityPolicies = hasIdentityPolicies(credentials) ? { identityPolicies: compileIdentityPolicies(credentials) } : {};
    this.#resourcePolicy = createResourcePolicyPhase(api, { region: deps.region, accountId: deps.accountId, ...identityPolicies });
    this.#iamPolicy = this.#resourcePolicy ?? createIdentityPolicyPhase(credentials, { region: deps.region, accountId: deps.accountId });
    // Integrations are compiled once per method, shared by every stage.
    const integrate = new Map<Method, Phase<RestContext>>();
    for (const resource of api.resources) {
      for (const method of Object.values(resource.resourceMethods)) integrate.set(method, this.#integrate(method));
    }
    for (const stage of api.stages) {
      this.#stages.set(stage.stageName, stage);
      const byMethod = new Map<Method, CompiledMethod>();
      const access = compileStageAccess(deps.access, api.apiId, stage.stageName);
      for (const resource of api.resources) {
        for (const method of Object.values(resource.resourceMethods)) {
          byMethod.set(method, this.#compileMethod(resource, method, stage, access, models, integrate.get(method) as Phase<RestContext>));
        }
      }
      this.#methods.set(stage, byMethod);
    }
  }

  /**
   * The authorize slot, in AWS's order: the resource policy and the method's authorization
   * (IAM: signature first, since the policy may name the caller; CUSTOM and Cognito after the
   * policy), then the API-key check — the authorizer's `usageIdentifierKey` is the key with
   * apiKeySource AUTHORIZER (spec §6.6).
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
   */
  #authorizePhase(method: Method, apiKey: Phase<RestContext> | undefined): Phase<RestContext> | undefined {
    const policy = this.#resourcePolicy;
    switch (method.authorizationType) {
      case 'NONE':
        return sequence(policy, apiKey);
      case 'AWS_IAM':
        return sequence(sequence(this.#sigv4, this.#iamPolicy), apiKey);
      case 'CUSTOM': {
        const authorizer = method.authorizerId !== undefined ? this.#authorizers.get(method.authorizerId) : undefined;
        if (authorizer) return sequence(sequence(policy, authorizer), apiKey);
        break;
      }
      case 'COGNITO_USER_POOLS': {
        const cognito = this.#cognito.get(method);
        if (cognito) return sequence(sequence(cognito, policy), apiKey);
        break;
      }
    }
    // A method whose authorizer is missing is refused (fail closed), never served open.
    return () => {
      throw new GatewayError('API_CONFIGURATION_ERROR', { message: `this method requires authorization ${method.authorizationType} with an authorizer that is not defined; refused` });
    };
  }

  #compileMethod(resource: Resource, method: Method, stage: RestStage, access: StageAccess, models: CompiledModels, integrate: Phase<RestContext>): CompiledMethod {
    const validator = compileMethodValidator(this.api, method, models);
    const type = method.methodIntegration.type;
    const deps = this.#deps;
    // A method without apiKeyRequired ignores a supplied key and gets no plan limits (spec §7.1).
    const keyed = method.apiKeyRequired;
    const usagePlan = keyed
      ? createUsagePlanPhase({ access, apiId: this.api.apiId, stageName: stage.stageName, methodKey: `${resource.path}/${method.httpMethod}`, rateLimits: deps.rateLimits, quotas: deps.quotas, createdAtMs: deps.access.createdAtMs, failOpen: deps.failOpen })
      : undefined;
    return {
      chain: compileChain<RestContext>({
        authorize: withAuthorizedArnLimit(this.#authorizePhase(method, keyed ? createApiKeyPhase({ source: this.api.apiKeySource, access }) : undefined), method.authorizationType !== 'NONE' || this.#resourcePolicy !== undefined, deps),
        // The usage plan's limits apply before the stage's (spec §7.3).
        throttle: sequence(usagePlan, createThrottlePhase({ store: deps.rateLimits, apiId: this.api.apiId, stage: throttleStage(stage, resource, method), routeKey: `${method.httpMethod} ${resource.path}`, failOpen: deps.failOpen })),
        validate: validator
          ? (ctx) =>
              validator({
                headers: ctx.request.headers,
                query: scopeOf(ctx, this.#integrationDeps).query(),
                pathParameters: ctx.match?.pathParameters ?? {},
                contentType: ctx.request.headers['content-type'],
                body: () => ctx.request.body.read(),
              })
          : undefined,
        // The stage cache (pipeline/5-cache/): runs `integrate` itself on a miss.
        cache: createCachePhase({ store: this.#responseCache, api: this.api, stage, resource, method, integrate, region: deps.region, accountId: deps.accountId, ...cachePolicies(deps) }),
        integrate,
      }),
      // AWS adds X-Amzn-Trace-Id to responses except for HTTP_PROXY and MOCK (spec §3.1).
      traced: type !== 'HTTP_PROXY' && type !== 'MOCK',
    };
  }

  /** The integrate + map-response work of one method, as a single phase setting `ctx.result`. */
  #integrate(method: Method): Phase<RestContext> {
    const integration = method.methodIntegration;
    const deps = this.#integrationDeps;
    switch (integration.type) {
      case 'AWS_PROXY': {
        const call = createRestLambdaProxy(integration, deps);
        return async (ctx) => {
          ctx.result = await call(ctx);
        };
      }
      case 'HTTP_PROXY': {
        const call = createRestHttpProxy(integration);
        return async (ctx) => {
          ctx.result = await call(scopeOf(ctx, deps));
        };
      }
      case 'AWS':
      case 'HTTP':
      case 'MOCK': {
        const call = integration.type === 'AWS' ? createRestLambda(integration, deps) : integration.type === 'HTTP' ? createRestHttp(integration) : createRestMock(integration);
        const responses = compileResponses(integration);
        return async (ctx) => {
          const scope = scopeOf(ctx, deps);
          ctx.result = mapIntegrationOutput(responses, await call(scope), scope);
        };
      }
    }
  }

  /** Runs one request through the API; never rejects. */
  async handle(request: GatewayRequest): Promise<{ ctx?: RestContext; response: GatewayResponse }> {
    // `//prod/pets` selects stage `prod` like `/prod/pets` (AWS snapshot, spec §1.2).
    const rawPath = request.rawPath.startsWith('//') ? request.rawPath.replace(/^\/+/, '/') : request.rawPath;
    const end = rawPath.indexOf('/', 1);
    const stageName = end < 0 ? rawPath.slice(1) : rawPath.slice(1, end);
    const stage = this.#stages.get(stageName);
    // X-HTTP-Method-Override changes the method used for routing (spec §1.2, known issues).
    const override = request.headers['x-http-method-override'];
    const ctx: RestContext = {
      requestId: randomUUID(),
      // 16 characters like AWS's `TWegAcC4EowCHnA=`.
      extendedRequestId: shortId(),
      requestTimeEpoch: Date.now(),
      request,
      api: this.api,
      stage: stage ?? NO_STAGE,
      stagePath: end < 0 ? '/' : rawPath.slice(end),
      httpMethod: override ? override.trim().toUpperCase() : request.method,
      timings: { start: process.hrtime.bigint() },
      log: this.#deps.logger,
    };
    let traced = false;
    if (!stage) {
      ctx.log.debug({ requestId: ctx.requestId }, `no stage "${stageName}" in API ${this.api.name} (stages: ${[...this.#stages.keys()].join(', ')})`);
      ctx.result = FORBIDDEN;
    } else {
      try {
        const match = this.#router.match(ctx.httpMethod, ctx.stagePath);
        if (!match) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN', { message: `no resource and method for ${ctx.httpMethod} ${ctx.stagePath}` });
        ctx.match = match;
        const compiled = this.#methods.get(stage)?.get(match.method);
        if (!compiled) throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'method not compiled for this stage' });
        traced = compiled.traced;
        for (const phase of compiled.chain) {
          await phase(ctx);
          if (ctx.result) break;
        }
        if (!ctx.result) throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'the method produced no response' });
      } catch (err) {
        const error = toGatewayError(err);
        if (err instanceof VtlError) ctx.log.error({ requestId: ctx.requestId, code: err.code, err }, `mapping template failed: ${err.message}`);
        else if (!(err instanceof GatewayError)) ctx.log.error({ err, requestId: ctx.requestId }, 'PORTICO_ERR_INTERNAL: unexpected error in the REST pipeline');
        ctx.error = error;
        ctx.result = this.#errorResponse(ctx, error);
        traced = false;
      }
    }
    const response = finish(ctx, ctx.result as GatewayResponse, traced);
    const routeKey = ctx.match ? `${ctx.match.method.httpMethod} ${ctx.match.resource.path}` : '-';
    if (this.#deps.observer) this.#deps.observer.rest(ctx, response, routeKey, this.#integrationDeps.deploymentId);
    else logAccess(this.#deps.accessLog, ctx, response.statusCode, routeKey);
    return { ctx, response };
  }

  /** Every gateway error goes through the API's gateway responses (spec §10.1). */
  #errorResponse(ctx: RestContext, error: GatewayError): GatewayResponse {
    const scope = scopeOf(ctx, this.#integrationDeps);
    try {
      return this.#gatewayResponse({
        error,
        context: () => scope.context(),
        request: { headers: scope.headers(), query: scope.query(), pathParameters: ctx.match?.pathParameters ?? {} },
        stageVariables: ctx.stage.variables,
        accept: ctx.request.headers['accept'],
        requestId: ctx.requestId,
        extendedRequestId: ctx.extendedRequestId,
      });
    } catch (err) {
      // A broken custom gateway response must not take the request down with it.
      ctx.log.error({ err, requestId: ctx.requestId }, 'PORTICO_ERR_INTERNAL: rendering the gateway response failed');
      return { statusCode: 500, headers: [['Content-Type', 'application/json']], body: '{"message": "Internal server error"}' };
    }
  }
}

/** A template failing at run time (non-JSON body for `$input.json`, a second override write) is AWS's 500. */
function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('API_CONFIGURATION_ERROR', { message: err instanceof VtlError ? `mapping template: ${err.message}` : 'unexpected error', cause: err });
}

/** Headers on every REST response: `x-amzn-RequestId`, `x-amz-apigw-id` and, where AWS adds it, `X-Amzn-Trace-Id`. */
function finish(ctx: RestContext, result: GatewayResponse, traced: boolean): GatewayResponse {
  const own = new Set(['x-amzn-requestid', 'x-amz-apigw-id', ...(traced ? ['x-amzn-trace-id'] : [])]);
  const headers: HeaderPair[] = result.headers.filter(([n]) => !own.has(n.toLowerCase()));
  headers.push(['x-amzn-RequestId', ctx.requestId], ['x-amz-apigw-id', ctx.extendedRequestId]);
  if (traced) headers.push(['X-Amzn-Trace-Id', ctx.request.headers['x-amzn-trace-id'] ?? traceId()]);
  return { statusCode: result.statusCode, headers, body: result.body };
}

/** Two phases of one slot run one after the other (either may be absent). */
/** With authorization enabled (or a resource policy), the method ARN limit comes first (2-authorize/method-arn-limit.ts). */
function withAuthorizedArnLimit(authorize: Phase<RestContext> | undefined, enabled: boolean, deps: { readonly region: string; readonly accountId: string }): Phase<RestContext> | undefined {
  return enabled ? withMethodArnLimit(authorize, deps) : authorize;
}

function sequence<C extends RestContext>(first: Phase<C> | undefined, second: Phase<C> | undefined): Phase<C> | undefined {
  if (!first || !second) return first ?? second;
  return async (ctx) => {
    await first(ctx);
    await second(ctx);
  };
}

/** The stage's throttling in the shape the throttle phase reads: `*\/*` is the stage default. */
function throttleStage(stage: RestStage, resource: Resource, method: Method): Stage {
  const defaults = stage.methodSettings['*/*'] ?? {};
  const own = stage.methodSettings[`${resource.path}/${method.httpMethod}`];
  return {
    stageName: stage.stageName,
    stageVariables: stage.variables,
    defaultRouteSettings: defaults,
    routeSettings: own ? { [`${method.httpMethod} ${resource.path}`]: own } : {},
  };
}

const scopes = new WeakMap<RestContext, RestScope>();

/** The request's lazily computed inputs (headers, query, `$context`), one per request. */
function scopeOf(ctx: RestContext, deps: RestIntegrationDeps): RestScope {
  let scope = scopes.get(ctx);
  if (scope) return scope;
  let headers: readonly HeaderPair[] | undefined;
  let query: HeaderPair[] | undefined;
  let context: Record<string, unknown> | undefined;
  scope = {
    ctx,
    // The headers AWS's front end hands on: hop-by-hop fields describe our TCP hop, not the request.
    headers: () => (headers ??= requestHeaders(ctx.request.rawHeaders)),
    query: () => (query ??= parseQuery(ctx.request.rawQuery)),
    context: () => (context ??= restContextTree(ctx, { accountId: deps.accountId, deploymentId: deps.deploymentId })),
  };
  scopes.set(ctx, scope);
  return scope;
}

/** The credentials' IAM policies for the cache phase's InvalidateCache check, when any credential has some. */
function cachePolicies(deps: ApiDeps): { identityPolicies?: IdentityPolicies } {
  const credentials = deps.access.credentials ?? [];
  return hasIdentityPolicies(credentials) ? { identityPolicies: compileIdentityPolicies(credentials) } : {};
}
