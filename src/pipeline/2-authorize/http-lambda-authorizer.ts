/**
 * HTTP API Lambda authorizers (`authorizerType: REQUEST`, spec §6.4): read the identity
 * sources (any missing → 401 without invoking), build the 1.0 or 2.0 authorizer event, invoke
 * the function (10 s cap), and judge its answer: a simple response `{isAuthorized, context}`
 * (2.0 with `enableSimpleResponses`) or an IAM policy evaluated against the route ARN. A refusal
 * is 403 `{"message":"Forbidden"}`; a failure or an answer that cannot be read is 500
 * `{"message":"Internal Server Error"}`, never a pass. Results are cached by identity values.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RequestAuthorizer } from '../../model/index.ts';
import type { LambdaRuntime } from '../../lambda/types.ts';
import { buildHttpV1Event } from '../../lambda/events/http-v1.ts';
import { buildHttpV2Event } from '../../lambda/events/http-v2.ts';
import { authorizerCacheScope, type AuthorizerCacheStore, type JsonValue } from '../../state/authorizer-cache/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { substituteStageVariables } from '../../util/stage-variables.ts';
import type { GatewayContext, HttpAuthorization, Phase } from '../types.ts';
import { withAwsAddedHeaders } from '../6-integrate/aws-added-headers.ts';
import { outputToJson, parseAuthorizerOutput, type AuthorizerOutput } from './authorizer-result.ts';
import { compileIdentitySource, readIdentity } from './http-identity-source.ts';
import { evaluatePolicy, methodArn } from './iam-policy.ts';
import { claimString, define } from './jwt.ts';
import { Abort } from '../../util/abort.ts';

/** "The Lambda function must return a response within 10000 ms" (DG:limits). */
export const AUTHORIZER_TIMEOUT_MS = 10_000;

/** What the phase needs from the API. */
export interface HttpLambdaAuthorizerDeps {
  readonly runtime: LambdaRuntime;
  readonly cache: AuthorizerCacheStore;
  readonly accountId: string;
  readonly region: string;
}

/** A decision the cache can hold: a simple response, or a policy output re-evaluated per route. */
type Decision = { readonly simple: true; readonly isAuthorized: boolean; readonly context: Readonly<Record<string, unknown>> } | { readonly simple: false; readonly output: AuthorizerOutput };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a simple response; throws an Error saying what is wrong. */
export function parseSimpleResponse(payload: unknown): { isAuthorized: boolean; context: Record<string, unknown> } {
  if (!isObject(payload)) throw new Error('a simple response must be an object');
  if (typeof payload['isAuthorized'] !== 'boolean') throw new Error('isAuthorized must be true or false');
  const context = payload['context'];
  if (context !== undefined && context !== null && !isObject(context)) throw new Error('context must be an object');
  return { isAuthorized: payload['isAuthorized'], context: isObject(context) ? context : {} };
}

/**
 * The authorize phase of one route with a Lambda authorizer. The authorizer's cache is shared
 * by every route using it, as on AWS (add `$context.routeKey` to the sources to cache per route);
 * a cached policy is evaluated again against each route ARN.
 */
export function createHttpLambdaAuthorizerPhase(authorizer: RequestAuthorizer, deps: HttpLambdaAuthorizerDeps): Phase<GatewayContext> {
  const readers = authorizer.identitySource.map((s) => compileIdentitySource(s, deps.accountId));
  const v2 = authorizer.authorizerPayloadFormatVersion === '2.0';
  const simple = v2 && authorizer.enableSimpleResponses;
  // "Caching requires at least one identity source" (spec §6.4).
  const ttl = readers.length > 0 ? authorizer.authorizerResultTtlInSeconds : 0;
  const name = authorizer.name;

  return async (ctx) => {
    const values = readIdentity(readers, ctx);
    if (!values) throw new GatewayError('UNAUTHORIZED', { message: `Lambda authorizer ${name}: an identity source is missing or empty` });
    const { stage, request } = ctx;
    const routeArn = methodArn(deps.region, deps.accountId, ctx.api.apiId, stage.stageName, request.method, ctx.stagePath);
    // Hashed behind the stage's scope: no raw token in a (shared) store, and ResetAuthorizersCache is a prefix.
    const key = authorizerCacheScope(ctx.api.apiId, stage.stageName) + createHash('sha256').update(JSON.stringify(['http', authorizer.authorizerId, ...values])).digest('base64url');

    let decision = ttl > 0 ? fromCache(await deps.cache.get(key)) : undefined;
    if (!decision) {
      const payload = await invoke(ctx, values, routeArn);
      try {
        decision = simple ? { simple: true, ...parseSimpleResponse(payload) } : { simple: false, output: parseAuthorizerOutput(payload) };
      } catch (err) {
        ctx.log.error({ requestId: ctx.requestId, authorizer: name, reason: (err as Error).message }, `Lambda authorizer ${name} returned an invalid response: ${(err as Error).message}`);
        throw new GatewayError('AUTHORIZER_FAILURE', { message: `Lambda authorizer ${name}: invalid response: ${(err as Error).message}` });
      }
      if (ttl > 0) await deps.cache.set(key, toCache(decision), ttl);
    }

    if (decision.simple) {
      if (!decision.isAuthorized) throw new GatewayError('ACCESS_DENIED', { message: `Lambda authorizer ${name}: isAuthorized is false` });
      ctx.authorizer = authorization(decision.context, undefined);
      return;
    }
    // The policy decides for this route ARN: an explicit Deny or no matching Allow is a 403.
    const verdict = evaluatePolicy(decision.output.policyDocument, routeArn);
    if (verdict !== 'allow') throw new GatewayError('ACCESS_DENIED', { message: `Lambda authorizer ${name}: the policy ${verdict === 'deny' ? 'denies' : 'does not allow'} ${routeArn}` });
    ctx.authorizer = authorization(decision.output.context, decision.output.principalId);
  };

  /** Invokes the function; any failure (error, timeout, crash, throttling) is a 500. */
  async function invoke(ctx: GatewayContext, values: readonly string[], routeArn: string): Promise<unknown> {
    const functionName = substituteStageVariables(authorizer.functionName, ctx.stage.stageVariables);
    if (!deps.runtime.has(functionName)) throw new GatewayError('AUTHORIZER_FAILURE', { message: `Lambda authorizer ${name}: function "${functionName}" is not defined` });
    const event = buildEvent(ctx, values, routeArn, v2, deps.accountId);
    const abort = new Abort();
    const timer = setTimeout(() => abort.abort(), AUTHORIZER_TIMEOUT_MS);
    let result;
    try {
      result = await deps.runtime.invoke(functionName, event, { awsRequestId: randomUUID(), signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
    if (!result.ok) {
      ctx.log.error({ requestId: ctx.requestId, authorizer: name, fn: functionName, kind: result.kind, errorType: result.errorType, errorMessage: result.errorMessage }, `Lambda authorizer ${name} failed: ${result.errorType}: ${result.errorMessage}`);
      throw new GatewayError('AUTHORIZER_FAILURE', { message: `Lambda authorizer ${name} failed (${result.kind})` });
    }
    return result.payload;
  }
}

/** The request-context values the integration and `$context.authorizer.*` see. */
function authorization(context: Readonly<Record<string, unknown>>, principalId: string | undefined): HttpAuthorization {
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) if (v !== null && v !== undefined) define(variables, k, claimString(v));
  if (principalId !== undefined) variables['principalId'] = principalId;
  return {
    v2: { lambda: { ...context } },
    v1: { ...context, ...(principalId !== undefined ? { principalId } : {}) },
    variables,
  };
}

/**
 * The authorizer event: 2.0 is the 2.0 proxy event without body plus `type`, `routeArn` and
 * `identitySource` (a list); 1.0 is REST's REQUEST shape plus `version`, with `identitySource`
 * and `authorizationToken` the values joined by commas.
 */
export function buildEvent(ctx: GatewayContext, values: readonly string[], routeArn: string, v2: boolean, accountId: string): Record<string, unknown> {
  const request = { ...ctx.request, rawHeaders: withAwsAddedHeaders(ctx.request, ctx.request.body.declaredLength ?? 0) };
  const view = { ...ctx, request };
  const info = { accountId };
  if (v2) {
    const e = buildHttpV2Event(view, Buffer.alloc(0), info);
    return {
      version: '2.0',
      type: 'REQUEST',
      routeArn,
      identitySource: [...values],
      routeKey: e.routeKey,
      rawPath: e.rawPath,
      rawQueryString: e.rawQueryString,
      ...(e.cookies ? { cookies: e.cookies } : {}),
      headers: e.headers,
      ...(e.queryStringParameters ? { queryStringParameters: e.queryStringParameters } : {}),
      requestContext: e.requestContext,
      ...(e.pathParameters ? { pathParameters: e.pathParameters } : {}),
      ...(e.stageVariables ? { stageVariables: e.stageVariables } : {}),
    };
  }
  const e = buildHttpV1Event(view, Buffer.alloc(0), info);
  const joined = values.join(',');
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: routeArn,
    identitySource: joined,
    authorizationToken: joined,
    resource: e.resource,
    path: e.path,
    httpMethod: e.httpMethod,
    headers: e.headers,
    multiValueHeaders: e.multiValueHeaders,
    queryStringParameters: e.queryStringParameters,
    multiValueQueryStringParameters: e.multiValueQueryStringParameters,
    requestContext: e.requestContext,
    pathParameters: e.pathParameters,
    stageVariables: e.stageVariables,
  };
}

function toCache(d: Decision): JsonValue {
  return d.simple ? (JSON.parse(JSON.stringify({ simple: true, isAuthorized: d.isAuthorized, context: d.context })) as JsonValue) : { simple: false, output: outputToJson(d.output) };
}

/** A cached decision, checked again as it may come from a shared store; anything odd is a miss. */
function fromCache(v: JsonValue | undefined): Decision | undefined {
  if (!isObject(v)) return undefined;
  try {
    if (v['simple'] === true) return { simple: true, ...parseSimpleResponse(v) };
    if (v['simple'] === false) return { simple: false, output: parseAuthorizerOutput(v['output']) };
  } catch {
    return undefined;
  }
  return undefined;
}
