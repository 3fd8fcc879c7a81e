/**
 * REST resource policies (`x-amazon-apigateway-policy`, spec §13.1): an IAM policy on the API
 * that every method's request is checked against, combined with the method's authorization
 * type as AWS's authorization-flow page lays out:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
 *
 *   NONE                 an explicit Allow is needed; implicit or explicit deny → 403
 *   AWS_IAM              after SigV4: explicit Deny in either policy → 403; same-account caller → its
 *                        identity policy (identity-policy.ts; unrestricted without one) or an Allow
 *                        here suffices; cross-account → both must allow
 *   CUSTOM (Lambda)      before the authorizer: explicit Deny → 403; otherwise the authorizer decides
 *   COGNITO_USER_POOLS   an explicit Allow is needed (the secure reading; not verified against AWS)
 *
 * Statements are matched with the shared evaluator (iam-policy.ts), after keeping those whose
 * `Principal` covers the caller. Conditions see `aws:SourceIp` (`request.sourceIp`: the TCP
 * peer, X-Forwarded-For only from a trusted proxy), `aws:SecureTransport`, `aws:UserAgent`, `aws:Referer`, and for IAM callers
 * `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:userid`. Both directions fail closed where
 * the evaluator's handling of absent keys differs from IAM's: Deny statements see every other
 * key they name as present-but-unmatchable (so `StringNotEquals aws:SourceVpce` denies, as on
 * AWS where no VPC endpoint is involved), Allow statements see it absent.
 */
import { GatewayError } from '../../errors/index.ts';
import type { RestApi } from '../../model/index.ts';
import type { Phase, RestContext } from '../types.ts';
import { SUPPORTED_CONDITION_OPERATORS, evaluatePolicy, parsePolicyDocument, type PolicyDocument, type PolicyStatement } from './iam-policy.ts';
import { INVOKE, notAuthorizedMessage, requestArns, restCaller, type IdentityPolicies } from './identity-policy.ts';

/** What {@link createResourcePolicyPhase} needs besides the API. */
export interface ResourcePolicyDeps {
  readonly region: string;
  /** The API owner's account: `execute-api:/…` resources expand to it; same-account IAM callers are trusted. */
  readonly accountId: string;
  /**
   * The credentials' identity policies (identity-policy.ts), combined with the resource policy
   * for AWS_IAM callers as AWS's outcome tables say. Absent: IAM callers' identity policies
   * are taken as allowing.
   */
  readonly identityPolicies?: IdentityPolicies;
}

/** The caller as resource policies see it: anonymous, or an authenticated IAM principal. */
interface Caller {
  readonly accountId?: string;
  readonly arn?: string;
  readonly userId?: string;
}

/** The policy split for one caller: its Deny and Allow statements. */
interface ForCaller {
  readonly deny: PolicyDocument;
  readonly allow: PolicyDocument;
}

/** A value no condition can match, standing in for keys the request doesn't have (Deny side only). */
const ABSENT = '\u0000absent';

/**
 * Compiles the API's resource policy into its phase, or `undefined` when the API has none.
 * Throws an Error naming the statement when the policy is malformed or a Deny statement uses a
 * condition operator the evaluator doesn't support (it would silently never deny): the
 * loader's compile step should surface it as a load error.
 */
export function createResourcePolicyPhase(api: RestApi, deps: ResourcePolicyDeps): Phase<RestContext> | undefined {
  if (api.policy === undefined) return undefined;
  const doc = compilePolicy(api, deps);
  const denyKeys = new Set(doc.Statement.filter((s) => s.Effect === 'Deny').flatMap((s) => Object.values(s.Condition ?? {}).flatMap((tests) => Object.keys(tests))));
  const anonymous = split(doc, {});
  const byCaller = new Map<string, ForCaller>();

  return (ctx) => {
    const method = ctx.match?.method;
    if (!method) throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'resource policy evaluated before routing' });
    const type = method.authorizationType;
    const iam = type === 'AWS_IAM' ? iamCaller(ctx) : undefined;
    const policy = iam ? cached(byCaller, doc, iam) : anonymous;
    const context = conditionContext(ctx, iam);
    const denyContext = { ...context };
    for (const key of denyKeys) if (denyContext[key] === undefined && denyContext[key.toLowerCase()] === undefined) denyContext[key] = ABSENT;
    const arns = requestArns(deps.region, deps.accountId, ctx.api.apiId, ctx.stage.stageName, ctx.httpMethod, ctx.stagePath);
    const who = iam?.arn ?? 'anonymous';
    const shown = arns[0] as string;
    // The caller's identity policies (unrestricted without any): an explicit Deny there wins too.
    const identity = iam && deps.identityPolicies ? deps.identityPolicies.decide(restCaller(ctx), INVOKE, arns, ctx.request) : 'unrestricted';
    if (identity === 'deny' || arns.some((arn) => evaluatePolicy(policy.deny, arn, 'execute-api:Invoke', denyContext) === 'deny')) {
      throw denied(notAuthorizedMessage(who, INVOKE, shown, true));
    }
    // Custom authorizers decide after this explicit-deny pre-check.
    if (type === 'CUSTOM') return;
    const resourceAllows = (): boolean => arns.every((arn) => evaluatePolicy(policy.allow, arn, 'execute-api:Invoke', context) === 'allow');
    // IAM callers: same account, the identity policy OR the resource policy must allow; another
    // account, both must (the authorization flow's outcome tables A and B).
    const identityAllows = identity === 'allow' || identity === 'unrestricted';
    const allowed = iam ? (iam.accountId === deps.accountId ? identityAllows || resourceAllows() : identityAllows && resourceAllows()) : resourceAllows();
    if (!allowed) {
      throw denied(notAuthorizedMessage(who, INVOKE, shown, false));
    }
  };
}

/** Parses and checks the policy, expanding `execute-api:/…` resources (spec §13.1). */
function compilePolicy(api: RestApi, deps: ResourcePolicyDeps): PolicyDocument {
  const where = `resource policy (x-amazon-apigateway-policy) of REST API ${api.name}`;
  let doc: PolicyDocument;
  try {
    doc = parsePolicyDocument(api.policy);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
  const prefix = `arn:aws:execute-api:${deps.region}:${deps.accountId}:${api.apiId}/`;
  const expand = (v: string | readonly string[] | undefined): string | readonly string[] | undefined =>
    v === undefined ? undefined : typeof v === 'string' ? expandOne(v, prefix) : v.map((r) => expandOne(r, prefix));
  const statements = doc.Statement.map((st, i): PolicyStatement => {
    const extra = st as unknown as { readonly Sid?: unknown; readonly NotPrincipal?: unknown };
    const name = `${where}: Statement[${i}]${typeof extra.Sid === 'string' ? ` (Sid "${extra.Sid}")` : ''}`;
    if (st.Principal === undefined && extra.NotPrincipal === undefined) throw new Error(`${name} has no Principal (resource policies need one, e.g. "Principal": "*")`);
    for (const operator of Object.keys(st.Condition ?? {})) {
      if (!SUPPORTED_CONDITION_OPERATORS.has(operator) && st.Effect === 'Deny') {
        throw new Error(`${name}: condition operator ${operator} is not supported (supported: ${[...SUPPORTED_CONDITION_OPERATORS].join(', ')}); the Deny would never apply`);
      }
    }
    const Resource = expand(st.Resource);
    const NotResource = expand(st.NotResource);
    return { ...st, ...(Resource !== undefined ? { Resource } : {}), ...(NotResource !== undefined ? { NotResource } : {}) };
  });
  return { ...doc, Statement: statements };
}

/** `execute-api:/prod/GET/pets` → `arn:aws:execute-api:{region}:{account}:{apiId}/prod/GET/pets`. */
function expandOne(resource: string, prefix: string): string {
  return resource.startsWith('execute-api:/') ? prefix + resource.slice('execute-api:/'.length) : resource;
}

/** The statements whose Principal (or NotPrincipal) covers the caller, split by effect. */
function split(doc: PolicyDocument, caller: Caller): ForCaller {
  const applies = doc.Statement.filter((st) => {
    const not = (st as unknown as { readonly NotPrincipal?: unknown }).NotPrincipal;
    return not !== undefined ? !principalMatches(not, caller) : principalMatches(st.Principal, caller);
  });
  return { deny: { Statement: applies.filter((s) => s.Effect === 'Deny') }, allow: { Statement: applies.filter((s) => s.Effect === 'Allow') } };
}

function cached(map: Map<string, ForCaller>, doc: PolicyDocument, caller: Caller): ForCaller {
  const key = `${caller.accountId ?? ''}\n${caller.arn ?? ''}`;
  let found = map.get(key);
  if (!found) {
    found = split(doc, caller);
    // Bounded by the configured credentials; cleared defensively all the same.
    if (map.size > 1000) map.clear();
    map.set(key, found);
  }
  return found;
}

/**
 * IAM's principal matching for resource policies: `*` and `{"AWS":"*"}` are everyone,
 * anonymous included; an account id or `arn:aws:iam::{acct}:root` is any principal of that
 * account; an ARN is that principal (a role ARN also covers its assumed-role sessions). Other
 * principal types (Service, Federated, CanonicalUser) never call an API here.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as Record<string, unknown>)['AWS'];
  const list = typeof aws === 'string' ? [aws] : Array.isArray(aws) ? aws.filter((x): x is string => typeof x === 'string') : [];
  return list.some((p) => {
    if (p === '*') return true;
    if (caller.accountId === undefined || caller.arn === undefined) return false;
    if (/^\d{12}$/.test(p)) return p === caller.accountId;
    const root = /^arn:aws:iam::(\d{12}):root$/.exec(p);
    if (root) return root[1] === caller.accountId;
    if (p === caller.arn) return true;
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(p);
    return role !== null && caller.arn.startsWith(`arn:aws:sts::${role[1]}:assumed-role/${role[2]}/`);
  });
}

/** The SigV4 phase's result, read back from `$context.identity` (it must have run first). */
function iamCaller(ctx: RestContext): Caller {
  const id = ctx.identity;
  const accountId = id?.['accountId'];
  const arn = id?.['userArn'];
  if (!accountId || !arn) throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'resource policy on an AWS_IAM method evaluated before SigV4 authentication' });
  const userId = id['caller'];
  return { accountId, arn, ...(userId ? { userId } : {}) };
}

/** Condition keys this request has (global condition keys of IAM). */
function conditionContext(ctx: RestContext, iam: Caller | undefined): Record<string, string | undefined> {
  const h = ctx.request.headers;
  return {
    'aws:SourceIp': ctx.request.sourceIp.startsWith('::ffff:') ? ctx.request.sourceIp.slice(7) : ctx.request.sourceIp,
    'aws:SecureTransport': ctx.request.scheme === 'https' ? 'true' : 'false',
    'aws:UserAgent': h['user-agent'],
    'aws:Referer': h['referer'],
    'aws:PrincipalAccount': iam?.accountId,
    'aws:PrincipalArn': iam?.arn,
    'aws:userid': iam?.userId,
  };
}

function denied(bodyMessage: string): GatewayError {
  return new GatewayError('ACCESS_DENIED', { bodyMessage, message: `resource policy: ${bodyMessage}` });
}
