/**
 * IAM identity-based policies of the project's credentials (portico.yaml `credentials[].policies`):
 * what a SigV4-authenticated caller may do with `execute-api`. The statements are matched by the
 * shared evaluator (iam-policy.ts); this module adds what is particular to identity policies.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 *
 *   action                         resource (arn:aws:execute-api:{region}:{account}:{apiId}/…)
 *   execute-api:Invoke             {stage}/{METHOD}/{request path}           REST methods, HTTP routes
 *   execute-api:ManageConnections  {stage}/{METHOD}/@connections/{connectionId}   the @connections API
 *
 * The account in the resource is the API owner's (the project's). A credential without
 * `policies` is unrestricted, as every credential was before policies existed. One with policies
 * gets IAM's logic over all of them together: an applicable Deny wins, then an applicable Allow;
 * nothing applicable is an implicit deny. Conditions see `aws:SourceIp` (`request.sourceIp`: the
 * TCP peer, X-Forwarded-For only from a trusted proxy), `aws:SecureTransport`, `aws:UserAgent`, `aws:Referer`, `aws:PrincipalAccount`,
 * `aws:PrincipalArn`, `aws:userid` and (IAM users) `aws:username`. As with resource policies, a
 * Deny statement sees every other key it tests as present but matching nothing, so a negated
 * operator on it applies (fails closed); an Allow sees it absent.
 */
import { GatewayError } from '../../errors/index.ts';
import type { Credential } from '../../model/index.ts';
import type { GatewayContext, GatewayRequest, Phase, RestContext } from '../types.ts';
import { evaluatePolicy, methodArn, parsePolicyDocument, type PolicyDecision, type PolicyDocument, type PolicyStatement } from './iam-policy.ts';

/** The action of REST methods, HTTP API routes and WebSocket routes. */
export const INVOKE = 'execute-api:Invoke';
/** The action of the `@connections` API (PostToConnection, GetConnection, DeleteConnection). */
export const MANAGE_CONNECTIONS = 'execute-api:ManageConnections';

/** The authenticated caller, as the SigV4 verifier describes it. */
export interface IdentityCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  readonly userId: string;
}

/** `unrestricted`: the credential has no policies, so nothing is checked. */
export type IdentityDecision = PolicyDecision | 'unrestricted';

/** The compiled policies of one project's credentials. */
export interface IdentityPolicies {
  /**
   * The decision for `caller` doing `action` on the request's resource ARNs (a Deny matching any
   * of them denies; an Allow must match every one). `request` gives the condition keys.
   */
  decide(caller: IdentityCaller, action: string, resources: readonly string[], request: GatewayRequest): IdentityDecision;
}

/** A value no condition can match, standing in for keys the request doesn't have (Deny side only). */
const ABSENT = '\u0000absent';

interface Compiled {
  readonly deny: PolicyDocument;
  readonly allow: PolicyDocument;
  /** Condition keys (lower-cased) that Deny statements test. */
  readonly denyKeys: readonly string[];
}

const cache = new WeakMap<readonly Credential[], IdentityPolicies>();

/**
 * Compiles the policies of `credentials`, once per list (every API of a project shares the
 * result). The documents were checked at load (identity-policy-check.ts); a malformed one still
 * throws here, naming the credential.
 */
export function compileIdentityPolicies(credentials: readonly Credential[]): IdentityPolicies {
  const cached = cache.get(credentials);
  if (cached) return cached;
  const byKey = new Map<string, Compiled>();
  for (const c of credentials) {
    if (c.policies === undefined) continue;
    const statements = c.policies.flatMap((p, i) => {
      try {
        return parsePolicyDocument(p).Statement.map(normaliseConditions);
      } catch (err) {
        throw new Error(`credentials ${c.accessKeyId}: policies[${i}]: ${(err as Error).message}`, { cause: err });
      }
    });
    const denyKeys = statements.filter((s) => s.Effect === 'Deny').flatMap((s) => Object.values(s.Condition ?? {}).flatMap((tests) => Object.keys(tests).map((k) => k.toLowerCase())));
    const deny = { Statement: statements.filter((s) => s.Effect === 'Deny') };
    byKey.set(c.accessKeyId, { deny, allow: { Statement: statements.filter((s) => s.Effect === 'Allow') }, denyKeys: [...new Set(denyKeys)] });
  }
  const policies: IdentityPolicies = {
    decide(caller, action, resources, request) {
      const compiled = byKey.get(caller.accessKey);
      if (!compiled) return 'unrestricted';
      const allowContext = conditionContext(request, caller);
      const denyContext = { ...allowContext };
      for (const key of compiled.denyKeys) denyContext[key] ??= ABSENT;
      if (resources.some((r) => evaluatePolicy(compiled.deny, r, action, denyContext) === 'deny')) return 'deny';
      return resources.length > 0 && resources.every((r) => evaluatePolicy(compiled.allow, r, action, allowContext) === 'allow') ? 'allow' : 'none';
    },
  };
  cache.set(credentials, policies);
  return policies;
}

/** Whether any credential of the list has policies (otherwise no check needs compiling). */
export function hasIdentityPolicies(credentials: readonly Credential[]): boolean {
  return credentials.some((c) => c.policies !== undefined);
}

/**
 * YAML turns `aws:SecureTransport: false` into a boolean and numbers into numbers; IAM compares
 * their string forms, so condition values become strings (the evaluator takes strings).
 */
function normaliseConditions(st: PolicyStatement): PolicyStatement {
  if (!st.Condition) return st;
  const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const Condition = Object.fromEntries(
    Object.entries(st.Condition as Record<string, Record<string, unknown>>).map(([op, tests]) => [
      op,
      Object.fromEntries(Object.entries(tests).map(([k, v]) => [k, Array.isArray(v) ? v.map(str) : str(v)])),
    ]),
  );
  return { ...st, Condition };
}

/**
 * The global condition keys of this request, lower-cased (IAM's key names are case-insensitive
 * and the evaluator also looks a key up lower-cased).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */
function conditionContext(request: GatewayRequest, caller: IdentityCaller): Record<string, string | undefined> {
  const ip = request.sourceIp.startsWith('::ffff:') ? request.sourceIp.slice(7) : request.sourceIp;
  // "For IAM roles, the request context returns the ARN of the role, not the ARN of the user
  // that assumed the role" (aws:PrincipalArn); the role's path is not in the session ARN.
  const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.userArn);
  const user = /^arn:aws:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(caller.userArn);
  return {
    'aws:sourceip': ip,
    'aws:securetransport': request.scheme === 'https' ? 'true' : 'false',
    'aws:useragent': request.headers['user-agent'],
    'aws:referer': request.headers['referer'],
    'aws:principalaccount': caller.accountId,
    'aws:principalarn': role ? `arn:aws:iam::${role[1]}:role/${role[2]}` : caller.userArn,
    'aws:userid': caller.userId,
    'aws:username': user?.[1],
  };
}

/**
 * The ARN(s) a request is authorized as: `{apiId}/{stage}/{METHOD}/{path}` with the path as
 * routing sees it (repeated slashes collapsed, one trailing slash dropped) and, if it differs,
 * percent-decoded, so an encoded path cannot step around a Deny (resource and identity
 * policies, and the stage cache's InvalidateCache, all check these).
 */
export function requestArns(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string[] {
  const normalise = (p: string): string => {
    const collapsed = p.replace(/\/{2,}/g, '/');
    return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
  };
  const raw = normalise(path);
  let decoded: string;
  try {
    decoded = normalise(decodeURIComponent(path));
  } catch {
    decoded = raw;
  }
  const arn = (p: string): string => methodArn(region, accountId, apiId, stage, method, p);
  return decoded === raw ? [arn(raw)] : [arn(raw), arn(decoded)];
}

/**
 * AWS's refusal of an authenticated caller, e.g. `User: arn:aws:iam::123456789012:user/alice is
 * not authorized to perform: execute-api:Invoke on resource:
 * arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets`, the resource's account masked
 * to its last four digits and ` with an explicit deny` added when a Deny matched (reported:
 * https://github.com/aws/aws-cdk/issues/18410 and the answers quoted in docs/security.md).
 */
export function notAuthorizedMessage(userArn: string, action: string, resource: string, explicit: boolean): string {
  const shown = resource.replace(/^(arn:aws:execute-api:[^:]*:)(\d+)(?=:)/, (_m, head: string, acct: string) => `${head}${'*'.repeat(Math.max(0, acct.length - 4))}${acct.slice(-4)}`);
  return `User: ${userArn} is not authorized to perform: ${action} on resource: ${shown}${explicit ? ' with an explicit deny' : ''}`;
}

/**
 * The REST caller the SigV4 phase put in `$context.identity` (it must have run first), as the
 * identity policies see it.
 */
export function restCaller(ctx: RestContext): IdentityCaller {
  const id = ctx.identity;
  const accessKey = id?.['accessKey'];
  const accountId = id?.['accountId'];
  const userArn = id?.['userArn'];
  if (!accessKey || !accountId || !userArn) throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'identity policies evaluated before SigV4 authentication' });
  return { accessKey, accountId, userArn, userId: id['caller'] ?? accessKey };
}

/**
 * REST `AWS_IAM` methods of an API without a resource policy: the caller's identity policies
 * decide alone (explicit Deny → 403 with an explicit deny; no Allow → 403), as ACCESS_DENIED
 * with AWS's message. `undefined` when no credential has policies (nothing to check). With a
 * resource policy, resource-policy.ts combines both instead.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
 */
export function createIdentityPolicyPhase(credentials: readonly Credential[], deps: { readonly region: string; readonly accountId: string }): Phase<RestContext> | undefined {
  if (!hasIdentityPolicies(credentials)) return undefined;
  const policies = compileIdentityPolicies(credentials);
  return (ctx) => {
    const caller = restCaller(ctx);
    const arns = requestArns(deps.region, deps.accountId, ctx.api.apiId, ctx.stage.stageName, ctx.httpMethod, ctx.stagePath);
    const decision = policies.decide(caller, INVOKE, arns, ctx.request);
    if (decision === 'deny' || decision === 'none') throw accessDenied(notAuthorizedMessage(caller.userArn, INVOKE, arns[0] as string, decision === 'deny'));
  };
}

/**
 * HTTP API `AWS_IAM` routes, after SigV4: the caller needs `execute-api:Invoke` on the route's
 * request ARN (`{apiId}/{stage}/{METHOD}/{path}`, `$default` as the stage name). HTTP APIs have
 * no resource policies, so identity policies decide alone. A refusal is ACCESS_DENIED, which
 * HTTP APIs answer 403 `{"message":"Forbidden"}` (reported for an IAM role lacking the
 * permission: https://github.com/aws/aws-cdk/issues/21182).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
export function checkHttpIdentity(credentials: readonly Credential[], deps: { readonly region: string; readonly accountId: string }, ctx: GatewayContext, caller: IdentityCaller): void {
  if (!hasIdentityPolicies(credentials)) return;
  const arns = requestArns(deps.region, deps.accountId, ctx.api.apiId, ctx.stage.stageName, ctx.request.method, ctx.stagePath);
  const decision = compileIdentityPolicies(credentials).decide(caller, INVOKE, arns, ctx.request);
  // The detail goes to the log only: the body is the flavour's plain Forbidden.
  if (decision === 'deny' || decision === 'none') throw new GatewayError('ACCESS_DENIED', { message: `identity policy: ${notAuthorizedMessage(caller.userArn, INVOKE, arns[0] as string, decision === 'deny')}` });
}

/**
 * The `@connections` API: the caller needs `execute-api:ManageConnections` on
 * `{apiId}/{stage}/{METHOD}/@connections/{connectionId}`. AWS's refusals show that resource
 * with the literal `{connectionId}`, never the id called (three independent reports, e.g.
 * https://github.com/aws/aws-cdk/issues/18410), so that is the resource evaluated: a policy
 * naming one connection id matches nothing, as on AWS (not verified beyond those messages).
 * Returns AWS's message for a refusal, `undefined` when allowed.
 */
export function manageConnectionsRefusal(credentials: readonly Credential[], at: { readonly region: string; readonly accountId: string; readonly apiId: string; readonly stage: string }, request: GatewayRequest, caller: IdentityCaller): string | undefined {
  if (!hasIdentityPolicies(credentials)) return undefined;
  const arn = methodArn(at.region, at.accountId, at.apiId, at.stage, request.method, '/@connections/{connectionId}');
  const decision = compileIdentityPolicies(credentials).decide(caller, MANAGE_CONNECTIONS, [arn], request);
  return decision === 'deny' || decision === 'none' ? notAuthorizedMessage(caller.userArn, MANAGE_CONNECTIONS, arn, decision === 'deny') : undefined;
}

function accessDenied(bodyMessage: string): GatewayError {
  return new GatewayError('ACCESS_DENIED', { bodyMessage, message: `identity policy: ${bodyMessage}` });
}
