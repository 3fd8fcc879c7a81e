/**
 * The API-key check of REST methods with `apiKeyRequired` (spec §6.6, §7.1).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html
 *
 * A key passes when it is declared, enabled, and in a usage plan that covers this API stage:
 * only such keys are in the stage's table, compiled once at load, so a request costs one Map
 * lookup. Anything else (no key, an unknown, disabled or uncovered one) is INVALID_API_KEY,
 * 403 `{"message":"Forbidden"}`, as AWS and LocalStack's AWS-validated engine answer it
 * (LocalStack next_gen/execute_api/handlers/api_key_validation.py).
 */
import { createHash } from 'node:crypto';
import type { ApiKey, Credential, UsagePlan } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Phase, RestContext } from '../types.ts';

/** A key that may call one stage, and the plan (by index in {@link StageAccess.plans}) metering it there. */
export interface KeyGrant {
  readonly id: string;
  readonly value: string;
  readonly plan: number;
}

/** The keys and plans of one API stage. */
export interface StageAccess {
  /** Enabled keys in a plan covering the stage, by value. */
  readonly grants: ReadonlyMap<string, KeyGrant>;
  /** The plans covering the stage, in file order. */
  readonly plans: readonly UsagePlan[];
}

/** The project's keys and plans, as the phases read them. */
export interface AccessTables {
  readonly apiKeys: readonly ApiKey[];
  readonly usagePlans: readonly UsagePlan[];
  /** Keys SigV4 requests may be signed with (AWS_IAM, @connections). */
  readonly credentials?: readonly Credential[];
  /** When the plans were created (the gateway started): a quota's `offset` applies to that period. */
  readonly createdAtMs: number;
}

/**
 * Compiles the table of one API stage. A key can be in one plan per stage (the loader refuses
 * more); should two plans name it anyway, the first one in the file meters it.
 */
export function compileStageAccess(access: AccessTables, apiId: string, stageName: string): StageAccess {
  const plans = access.usagePlans.filter((p) => p.apiStages.some((s) => s.apiId === apiId && s.stage === stageName));
  const keys = new Map(access.apiKeys.map((k) => [k.id, k]));
  const grants = new Map<string, KeyGrant>();
  plans.forEach((plan, i) => {
    for (const id of plan.apiKeyIds) {
      const key = keys.get(id);
      if (key?.enabled === true && !grants.has(key.value)) grants.set(key.value, { id: key.id, value: key.value, plan: i });
    }
  });
  return { grants, plans };
}

/** Options of {@link createApiKeyPhase}. */
export interface ApiKeyPhaseOptions {
  /** The API's `apiKeySource`. */
  readonly source: 'HEADER' | 'AUTHORIZER';
  readonly access: StageAccess;
}

/**
 * The phase of one method with `apiKeyRequired` on one stage. The key comes from the
 * `x-api-key` header (HEADER; the name is case-insensitive: request header names arrive
 * lower-cased) or from the Lambda authorizer's `usageIdentifierKey` (AUTHORIZER). On success
 * `$context.identity.apiKey` / `apiKeyId` (and the proxy event's `requestContext.identity`)
 * carry the key, and `ctx.apiKey` tells the usage-plan phase which plan meters it.
 */
export function createApiKeyPhase(opts: ApiKeyPhaseOptions): Phase<RestContext> {
  // Looked up by SHA-256 digest, not by value: a string compare in the table probe could reveal
  // how much of a guessed key matches; a digest compare reveals nothing about the key (docs/security.md).
  const byDigest = new Map([...opts.access.grants.values()].map((g) => [keyDigest(g.value), g]));
  const fromAuthorizer = opts.source === 'AUTHORIZER';
  return (ctx) => {
    const value = fromAuthorizer ? usageIdentifierKey(ctx) : ctx.request.headers['x-api-key'];
    if (!value) throw new GatewayError('INVALID_API_KEY', { message: fromAuthorizer ? 'the authorizer returned no usageIdentifierKey' : 'no x-api-key header' });
    const grant = byDigest.get(keyDigest(value));
    if (!grant) throw new GatewayError('INVALID_API_KEY', { message: 'the API key is unknown, disabled, or in no usage plan covering this stage' });
    ctx.identity = { ...ctx.identity, apiKey: grant.value, apiKeyId: grant.id };
    ctx.apiKey = { keyId: grant.id, plan: grant.plan };
  };
}

const keyDigest = (value: string): string => createHash('sha256').update(value).digest('base64');

/**
 * `apiKeySource: AUTHORIZER`: "the key is the `usageIdentifierKey` returned by the Lambda
 * authorizer" (spec §6.6), which the authorize phase keeps in `ctx.authorizer`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 */
function usageIdentifierKey(ctx: RestContext): string | undefined {
  const key = ctx.authorizer?.['usageIdentifierKey'];
  return typeof key === 'string' ? key : undefined;
}
