/**
 * What a Lambda authorizer answered, judged: the invocation's outcome (401 for exactly
 * `Unauthorized`, 500 for any other failure), the output checked strictly, and the
 * `requestContext.authorizer` / `$context.authorizer` map built from it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 *
 * Output: `policyDocument` is required and must parse as an IAM policy; `principalId` and
 * `usageIdentifierKey` are strings when present; `context` is an object whose values are
 * strings, numbers, booleans or null: "you cannot set a JSON object or array as a valid value
 * of any key in the context map". Anything else is AWS's AUTHORIZER_CONFIGURATION_ERROR (500),
 * never a pass: an answer portico cannot read is not an Allow.
 */
import type { InvokeResult } from '../../lambda/types.ts';
import type { JsonValue } from '../../state/authorizer-cache/types.ts';
import { parsePolicyDocument, type PolicyDocument } from './iam-policy.ts';

/** A context value AWS accepts. */
export type ContextValue = string | number | boolean | null;

/** A validated authorizer output. */
export interface AuthorizerOutput {
  readonly principalId?: string;
  readonly policyDocument: PolicyDocument;
  readonly context: Readonly<Record<string, ContextValue>>;
  readonly usageIdentifierKey?: string;
}

/** The outcome of one invocation (or a cache hit). */
export type AuthorizerVerdict =
  /** The function failed with exactly `Unauthorized`: 401. */
  | { readonly kind: 'unauthorized' }
  /** Any other failure, or an output that is not valid: 500, `reason` for the log only. */
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'output'; readonly output: AuthorizerOutput };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an authorizer's output; throws an Error saying what is wrong. */
export function parseAuthorizerOutput(payload: unknown): AuthorizerOutput {
  if (!isObject(payload)) throw new Error(`the output must be an object, got ${payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload}`);
  const { principalId, policyDocument, context, usageIdentifierKey } = payload;
  if (principalId !== undefined && typeof principalId !== 'string') throw new Error('principalId must be a string');
  if (policyDocument === undefined) throw new Error('the output has no policyDocument');
  let doc: PolicyDocument;
  try {
    doc = parsePolicyDocument(policyDocument);
  } catch (err) {
    throw new Error(`policyDocument: ${(err as Error).message}`);
  }
  const ctx: Record<string, ContextValue> = {};
  if (context !== undefined && context !== null) {
    if (!isObject(context)) throw new Error('context must be an object');
    for (const [key, value] of Object.entries(context)) {
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new Error(`context.${key} is ${Array.isArray(value) ? 'an array' : 'an object'}; context values must be strings, numbers or booleans`);
      }
      // defineProperty keeps a `__proto__` key as data.
      Object.defineProperty(ctx, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  if (usageIdentifierKey !== undefined && usageIdentifierKey !== null && typeof usageIdentifierKey !== 'string') throw new Error('usageIdentifierKey must be a string');
  return {
    ...(principalId !== undefined ? { principalId } : {}),
    policyDocument: doc,
    context: ctx,
    ...(typeof usageIdentifierKey === 'string' ? { usageIdentifierKey } : {}),
  };
}

/**
 * Judges an invocation. "If the function fails with exactly `Unauthorized` (`callback("Unauthorized")`,
 * `throw new Error("Unauthorized")`) the client gets 401"; every other failure (an error, a
 * timeout, a crash, throttling) and every invalid output is a 500 (spec §6.1).
 */
export function judgeInvocation(result: InvokeResult): AuthorizerVerdict {
  if (!result.ok) {
    if (result.kind === 'handler-error' && result.errorMessage === 'Unauthorized') return { kind: 'unauthorized' };
    return { kind: 'invalid', reason: `the function failed (${result.kind}): ${result.errorType}: ${result.errorMessage}` };
  }
  try {
    return { kind: 'output', output: parseAuthorizerOutput(result.payload) };
  } catch (err) {
    return { kind: 'invalid', reason: `invalid output: ${(err as Error).message}` };
  }
}

/** The output as JSON data, for the result cache (read back through {@link parseAuthorizerOutput}). */
export function outputToJson(output: AuthorizerOutput): JsonValue {
  return JSON.parse(JSON.stringify(output)) as JsonValue;
}

/**
 * `requestContext.authorizer` (and, stringified once more by the `$context` tree,
 * `$context.authorizer.*`): the context with its values stringified, then `principalId`, then
 * `integrationLatency` (ms, a number) when given — the shape and order of a real capture,
 * `{"str":"hello","bool":"true","null":null,"num":"123","principalId":"my-username","integrationLatency":0}`
 * (https://github.com/DefinitelyTyped/DefinitelyTyped/pull/69823); "their values are
 * stringified" (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html).
 *
 * `usageIdentifierKey` is attached as a NON-enumerable property: the API-key phase reads
 * `ctx.authorizer.usageIdentifierKey` (apiKeySource AUTHORIZER), while events, `$context` and
 * logs, which enumerate or serialise the map, never show the key.
 */
export function authorizerContext(output: AuthorizerOutput, integrationLatency?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output.context)) {
    Object.defineProperty(out, key, { value: value === null ? null : String(value), enumerable: true, writable: true, configurable: true });
  }
  if (output.principalId !== undefined) out['principalId'] = output.principalId;
  if (integrationLatency !== undefined) out['integrationLatency'] = integrationLatency;
  if (output.usageIdentifierKey !== undefined) Object.defineProperty(out, 'usageIdentifierKey', { value: output.usageIdentifierKey, enumerable: false });
  return out;
}
