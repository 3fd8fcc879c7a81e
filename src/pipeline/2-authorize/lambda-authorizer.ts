/**
 * REST Lambda authorizers (`authorizationType: CUSTOM`, authorizer `type: TOKEN | REQUEST`):
 * the authorize phase of a method, compiled once per authorizer at load.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 *
 *   identity ─ missing / empty / fails identityValidationExpression ──────────────→ 401 UNAUTHORIZED
 *      │ (TOKEN: the header; REQUEST: every source, checked only with caching on)
 *   cache hit? ── yes ─┐
 *      │ no           │
 *   invoke ─ fails with exactly "Unauthorized" ───────────────────────────────────→ 401 UNAUTHORIZED
 *      │     any other failure, timeout, invalid output ──────────────────→ 500 AUTHORIZER_CONFIGURATION_ERROR
 *   cache the output (TTL > 0)
 *      │
 *   policy vs THIS request's method ARN ─ explicit Deny ─────────────────────→ 403 ACCESS_DENIED
 *      │                                  no Allow ──────→ 403 ACCESS_DENIED ("...access this resource")
 *   ctx.authorizer = {...context, principalId, integrationLatency}
 *
 * The cached value is the output, not the decision: its policy is evaluated again for every
 * request, against that request's method ARN — "API Gateway uses the cached policy ... the
 * policy must cover all resources" (spec §6.1), so a method-specific policy denies the others.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors/index.ts';
import { buildRestRequestAuthorizerEvent, buildTokenAuthorizerEvent } from '../../lambda/events/authorizer.ts';
import type { LambdaRuntime } from '../../lambda/types.ts';
import { lookupContext, restContextTree } from '../../mapping/rest-context.ts';
import type { RestAuthorizer } from '../../model/index.ts';
import { authorizerCacheScope, type AuthorizerCacheStore } from '../../state/authorizer-cache/types.ts';
import { parseQuery } from '../../util/http.ts';
import { substituteStageVariables } from '../../util/stage-variables.ts';
import { forwardedHeaders } from '../6-integrate/aws-added-headers.ts';
import { compileJavaRegex } from '../7-map-response/selection.ts';
import type { Phase, RestContext } from '../types.ts';
import { authorizerContext, judgeInvocation, outputToJson, parseAuthorizerOutput, type AuthorizerOutput, type AuthorizerVerdict } from './authorizer-result.ts';
import { evaluatePolicy, methodArn } from './iam-policy.ts';
import { compileIdentitySources, identityValues, type IdentityInput, type IdentitySource } from './identity-sources.ts';
import { Abort } from '../../util/abort.ts';

/**
 * The longest portico waits for an authorizer. AWS documents none for REST and WebSocket
 * authorizers (HTTP APIs: 10 s); REST's integration limit, 29 s, is used. The function's own
 * timeout ends it sooner: "Task timed out" is a failure like any other (500).
 */
export const AUTHORIZER_TIMEOUT_MS = 29_000;

/** What the phase needs from the process. */
export interface LambdaAuthorizerDeps {
  readonly runtime: LambdaRuntime;
  readonly accountId: string;
  readonly region: string;
  /** One id per loaded project: part of every cache key, so a reload starts with an empty cache. */
  readonly deploymentId: string;
  readonly cache: AuthorizerCacheStore;
}

/** Invokes an authorizer function and judges the answer; never rejects. `maxResultBytes` bounds the output. */
export async function invokeAuthorizer(
  runtime: LambdaRuntime,
  functionName: string,
  event: unknown,
  options: { readonly timeoutMs?: number; readonly maxResultBytes?: number } = {},
): Promise<{ verdict: AuthorizerVerdict; latencyMs: number }> {
  if (!runtime.has(functionName)) return { verdict: { kind: 'invalid', reason: `function "${functionName}" is not defined` }, latencyMs: 0 };
  const timeoutMs = options.timeoutMs ?? AUTHORIZER_TIMEOUT_MS;
  const abort = new Abort();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const start = process.hrtime.bigint();
  try {
    const result = await runtime.invoke(functionName, event, { awsRequestId: randomUUID(), signal: abort.signal });
    const latencyMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
    if (!result.ok && result.kind === 'aborted') return { verdict: { kind: 'invalid', reason: `no answer within ${timeoutMs} ms` }, latencyMs };
    if (result.ok && options.maxResultBytes !== undefined && Buffer.byteLength(JSON.stringify(result.payload) ?? '') > options.maxResultBytes) {
      return { verdict: { kind: 'invalid', reason: `the output is larger than ${options.maxResultBytes} bytes` }, latencyMs };
    }
    return { verdict: judgeInvocation(result), latencyMs };
  } finally {
    clearTimeout(timer);
  }
}

/** 403 for a policy that does not allow `arn`: explicit Deny, or no Allow (AWS's two messages, spec §6.1). */
export function checkPolicy(output: AuthorizerOutput, arn: string, sourceIp: string): void {
  const decision = evaluatePolicy(output.policyDocument, arn, 'execute-api:Invoke', { 'aws:SourceIp': sourceIp });
  if (decision === 'deny') throw new GatewayError('ACCESS_DENIED', { message: `the authorizer's policy explicitly denies ${arn}` });
  // An implicit deny is the same gateway response type with AWS's other message:
  // {"Message":"User is not authorized to access this resource"} (spec §6.1, reported).
  // https://dev.to/marcogrcr/api-gateway-lambda-authorizer-lambda-proxy-integration-failure-modes-52bc
  if (decision === 'none') throw new GatewayError('ACCESS_DENIED', { message: `the authorizer's policy allows nothing matching ${arn}`, bodyMessage: 'User is not authorized to access this resource' });
}

/**
 * A cache key for one authorizer's identity values: `[deploymentId, apiId, stage, authorizerId,
 * ...values]`, hashed so the store never holds a raw token, behind the stage's scope so
 * FlushStageAuthorizersCache can drop the stage's keys by prefix.
 */
export function cacheKey(parts: readonly string[]): string {
  return `${authorizerCacheScope(parts[1] ?? '', parts[2] ?? '')}${createHash('sha256').update(JSON.stringify(parts)).digest('base64url')}`;
}

/** Compiles a REST TOKEN or REQUEST authorizer into its authorize phase. Throws an Error naming the authorizer on a bad definition. */
export function createLambdaAuthorizerPhase(authorizer: RestAuthorizer, deps: LambdaAuthorizerDeps): Phase<RestContext> {
  const where = `authorizer "${authorizer.name}" (${authorizer.source})`;
  if (authorizer.type === 'COGNITO_USER_POOLS' || authorizer.functionName === undefined) throw new Error(`${where}: not a Lambda authorizer`);
  const functionName = authorizer.functionName;
  const token = authorizer.type === 'TOKEN';
  let sources: IdentitySource[];
  let validation: RegExp | undefined;
  try {
    // TOKEN: "method.request.header.Authorization" by default, and only a header.
    sources = compileIdentitySources(authorizer.identitySource ?? (token ? 'method.request.header.Authorization' : ''), 'REST');
    if (token && (sources.length !== 1 || sources[0]?.kind !== 'header')) throw new Error('a TOKEN authorizer reads one header: method.request.header.NAME');
    if (!token && sources.length === 0 && authorizer.authorizerResultTtlInSeconds > 0) throw new Error('a REQUEST authorizer with caching on needs identity sources (the cache key)');
    if (token && authorizer.identityValidationExpression !== undefined) validation = compileJavaRegex(authorizer.identityValidationExpression);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
  const ttl = authorizer.authorizerResultTtlInSeconds;
  const info = { accountId: deps.accountId, deploymentId: deps.deploymentId };

  return async (ctx) => {
    if (!ctx.match) throw new Error('the authorizer runs after routing');
    // The ARN of THIS request: the path as requested (`/pets/7`), not the resource template.
    // https://github.com/dherault/serverless-offline/issues/273 (confirmed against AWS's logs)
    const arn = methodArn(deps.region, deps.accountId, ctx.api.apiId, ctx.stage.stageName, ctx.httpMethod, ctx.stagePath);
    const values = identityValues(sources, identityInput(ctx, sources, info));
    // TOKEN: a missing or empty token, or one the expression rejects, is 401 without invoking.
    // REQUEST: a missing source is 401 only with caching on; without, the function decides.
    if ((token || ttl > 0) && values === undefined) throw new GatewayError('UNAUTHORIZED', { message: `identity source missing or empty (${sources.map((s) => s.expression).join(', ')})` });
    if (validation && !validation.test(values?.[0] ?? '')) throw new GatewayError('UNAUTHORIZED', { message: 'the token does not match identityValidationExpression' });

    const key = ttl > 0 ? cacheKey([deps.deploymentId, ctx.api.apiId, ctx.stage.stageName, authorizer.id, ...(values ?? [])]) : undefined;
    let output = key === undefined ? undefined : await cached(deps.cache, key, ctx);
    let latencyMs = 0;
    if (output === undefined) {
      const name = substituteStageVariables(functionName, ctx.stage.variables);
      const event = token
        ? buildTokenAuthorizerEvent(values?.[0] ?? '', arn)
        : buildRestRequestAuthorizerEvent({ ...ctx, request: { ...ctx.request, rawHeaders: forwardedHeaders(ctx.request, undefined) } }, arn, info);
      const answer = await invokeAuthorizer(deps.runtime, name, event);
      latencyMs = answer.latencyMs;
      const { verdict } = answer;
      if (verdict.kind === 'unauthorized') throw new GatewayError('UNAUTHORIZED', { message: `authorizer ${name} answered Unauthorized` });
      if (verdict.kind === 'invalid') {
        ctx.log.error({ requestId: ctx.requestId, code: 'PORTICO_ERR_AUTHORIZER', authorizer: authorizer.name, fn: name }, `authorizer ${authorizer.name}: ${verdict.reason}`);
        throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', { message: `authorizer ${authorizer.name}: ${verdict.reason}` });
      }
      output = verdict.output;
      if (key !== undefined) await deps.cache.set(key, outputToJson(output), ttl).catch((err: unknown) => ctx.log.warn({ err, requestId: ctx.requestId }, 'authorizer cache write failed'));
    }
    checkPolicy(output, arn, ctx.request.sourceIp);
    ctx.authorizer = authorizerContext(output, latencyMs);
  };
}

/** A cached output, re-validated (a shared store may hand back anything); a store failure is a miss. */
async function cached(cache: AuthorizerCacheStore, key: string, ctx: RestContext): Promise<AuthorizerOutput | undefined> {
  try {
    const value = await cache.get(key);
    return value === undefined ? undefined : parseAuthorizerOutput(value);
  } catch (err) {
    ctx.log.warn({ err, requestId: ctx.requestId }, 'authorizer cache read failed; invoking the authorizer');
    return undefined;
  }
}

/** What the identity sources read: client headers, the query (`;` splits like `&`, as in the event), stage variables, `$context`. */
function identityInput(ctx: RestContext, sources: readonly IdentitySource[], info: { accountId: string; deploymentId: string }): IdentityInput {
  const raw = ctx.request.rawHeaders;
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i] as string, raw[i + 1] as string]);
  let tree: Record<string, unknown> | undefined;
  return {
    headers,
    query: sources.some((s) => s.kind === 'querystring') ? parseQuery(ctx.request.rawQuery.replace(/;/g, '&')) : [],
    stageVariables: ctx.stage.variables,
    context: (path) => {
      // Built here, not taken from the request's shared tree: that one must show the authorizer's result.
      tree ??= restContextTree(ctx, info);
      const value = lookupContext(tree, path);
      return value === null || value === undefined || typeof value === 'object' ? undefined : String(value);
    },
  };
}
