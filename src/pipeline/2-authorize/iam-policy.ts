/**
 * IAM policy evaluation for `execute-api:Invoke`, as Lambda authorizers' policies and resource
 * policies use it: statements matched on action and resource with IAM's wildcards (`*` any run
 * of characters, `/` included; `?` one character), an explicit Deny wins over any Allow, and
 * no matching Allow is an implicit deny.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 */

/** One statement, as written (AWS accepts a string or a list for Action/Resource). */
export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  readonly Principal?: unknown;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

/** The outcome: an explicit `deny`, an `allow`, or `none` (no statement applies: implicitly denied). */
export type PolicyDecision = 'allow' | 'deny' | 'none';

/** Values `Condition` blocks can test (resource policies), e.g. `aws:SourceIp`. */
export type ConditionContext = Readonly<Record<string, string | undefined>>;

/**
 * Checks and normalises a policy document (a Lambda authorizer's `policyDocument`, a resource
 * policy). `Statement` may be one object or a list, `Effect` is case-sensitive as in IAM.
 * Throws an Error saying what is malformed.
 */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('policyDocument must be an object');
  const raw = (value as Record<string, unknown>)['Statement'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (raw === undefined) throw new Error('policyDocument has no Statement');
  const statements = list.map((s, i): PolicyStatement => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`Statement[${i}] must be an object`);
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw new Error(`Statement[${i}].Effect must be "Allow" or "Deny"`);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      const v = st[key];
      if (v !== undefined && typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
        throw new Error(`Statement[${i}].${key} must be a string or a list of strings`);
      }
    }
    if (st['Action'] === undefined && st['NotAction'] === undefined) throw new Error(`Statement[${i}] has no Action`);
    if (st['Resource'] === undefined && st['NotResource'] === undefined) throw new Error(`Statement[${i}] has no Resource`);
    return st as unknown as PolicyStatement;
  });
  const version = (value as Record<string, unknown>)['Version'];
  return { ...(typeof version === 'string' ? { Version: version } : {}), Statement: statements };
}

const patterns = new Map<string, RegExp>();

/** IAM wildcard match: `*` any run (including `/` and `:`), `?` exactly one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(key);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    // Policies come from authorizer results, so the cache is bounded.
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(key, re);
  }
  return re.test(value);
}

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

/** Whether a statement covers the action (actions compare case-insensitively, as in IAM). */
function actionApplies(st: PolicyStatement, action: string): boolean {
  if (st.Action !== undefined) return list(st.Action).some((p) => wildcardMatch(p, action, true));
  return !list(st.NotAction).some((p) => wildcardMatch(p, action, true));
}

/** Whether a statement covers the resource (ARNs compare case-sensitively). */
function resourceApplies(st: PolicyStatement, resource: string): boolean {
  if (st.Resource !== undefined) return list(st.Resource).some((p) => wildcardMatch(p, resource));
  return !list(st.NotResource).some((p) => wildcardMatch(p, resource));
}

/**
 * Evaluates a `Condition` block. Supported: `IpAddress` / `NotIpAddress` on `aws:SourceIp`
 * (IPv4 CIDR or address), `StringEquals` / `StringNotEquals` / `StringLike` / `StringNotLike`
 * on any key of `context`. An unsupported operator makes the statement not apply, which
 * fails closed for Allow statements; for Deny statements it is reported by the loader.
 */
function conditionsHold(st: PolicyStatement, context: ConditionContext): boolean {
  if (!st.Condition) return true;
  for (const [operator, tests] of Object.entries(st.Condition)) {
    for (const [key, expected] of Object.entries(tests)) {
      const actual = context[key] ?? context[key.toLowerCase()];
      const values = list(expected);
      let ok: boolean;
      switch (operator) {
        case 'IpAddress':
          ok = actual !== undefined && values.some((cidr) => ipInCidr(actual, cidr));
          break;
        // A negated operator on a key the request lacks holds, as in IAM ("the condition
        // returns true" for a missing key with a negated operator).
        case 'NotIpAddress':
          ok = actual === undefined || !values.some((cidr) => ipInCidr(actual, cidr));
          break;
        case 'StringEquals':
          ok = actual !== undefined && values.includes(actual);
          break;
        case 'StringNotEquals':
          ok = actual === undefined || !values.includes(actual);
          break;
        case 'StringLike':
          ok = actual !== undefined && values.some((p) => wildcardMatch(p, actual));
          break;
        case 'StringNotLike':
          ok = actual === undefined || !values.some((p) => wildcardMatch(p, actual));
          break;
        default:
          return false;
      }
      if (!ok) return false;
    }
  }
  return true;
}

/** Operators {@link evaluatePolicy} understands in `Condition` blocks. */
export const SUPPORTED_CONDITION_OPERATORS: ReadonlySet<string> = new Set(['IpAddress', 'NotIpAddress', 'StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike']);

/**
 * The decision for `action` on `resource`: an applicable Deny → `deny`; else an applicable
 * Allow → `allow`; else `none` (IAM's implicit deny).
 */
export function evaluatePolicy(doc: PolicyDocument, resource: string, action = 'execute-api:Invoke', context: ConditionContext = {}): PolicyDecision {
  let allowed = false;
  for (const st of doc.Statement) {
    if (!actionApplies(st, action) || !resourceApplies(st, resource) || !conditionsHold(st, context)) continue;
    if (st.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/**
 * The method ARN API Gateway authorizes: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{resource path}`,
 * the path without its leading `/` (the root is an empty last part).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
 */
export function methodArn(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}/${path.replace(/^\//, '')}`;
}

/** Whether an IPv4 address is in a CIDR block (`10.0.0.0/8`) or equals an address; IPv6 compares exactly. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const addr = ipv4(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
  const net = base === undefined ? undefined : ipv4(base);
  if (addr === undefined || net === undefined) return ip === cidr || ip === base;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((addr & mask) >>> 0) === ((net & mask) >>> 0);
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}
