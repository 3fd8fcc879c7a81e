/**
 * Load-time checks of an identity-based policy document (portico.yaml `credentials[].policies[]`),
 * the ones IAM's CreatePolicy / PutUserPolicy make, plus portico's own: a Deny whose condition
 * operator the evaluator doesn't support is an error (it would silently never deny), an Allow
 * with one a warning (it never allows). Problems are located by a JSON path inside the document.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator-reference.html
 */
import { SUPPORTED_CONDITION_OPERATORS } from './iam-policy.ts';

/** One problem: where in the document, why, and whether it only warrants a warning. */
export interface PolicyProblem {
  readonly path: readonly (string | number)[];
  readonly reason: string;
  readonly warning?: true;
}

/** IAM's two policy language versions. */
const VERSIONS = ['2012-10-17', '2008-10-17'];
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
/** `execute-api:Invoke`, `execute-api:*`, `*`: a vendor prefix is required (IAM's rule). */
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string | readonly string[] => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const listOf = (v: string | readonly string[]): readonly string[] => (typeof v === 'string' ? [v] : v);

/** Every problem of `doc`, an identity-based policy; empty when it is sound. */
export function checkIdentityPolicy(doc: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const fail = (path: readonly (string | number)[], reason: string): void => void problems.push({ path, reason });
  if (!isRecord(doc)) return [{ path: [], reason: 'must be an IAM policy document (an object with Version and Statement)' }];
  for (const key of Object.keys(doc)) if (key !== 'Version' && key !== 'Id' && key !== 'Statement') fail([key], `unknown key "${key}" (expected one of Version, Id, Statement)`);
  const version = doc['Version'];
  if (version !== undefined && !VERSIONS.includes(String(version))) fail(['Version'], `must be one of ${VERSIONS.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(version)}`);
  const statement = doc['Statement'];
  if (statement === undefined) fail([], 'missing required key "Statement"');
  else if (Array.isArray(statement)) statement.forEach((s, i) => checkStatement(s, ['Statement', i], problems));
  else if (isRecord(statement)) checkStatement(statement, ['Statement'], problems);
  else fail(['Statement'], 'must be a statement or a list of statements');
  return problems;
}

function checkStatement(st: unknown, at: readonly (string | number)[], problems: PolicyProblem[]): void {
  const fail = (path: readonly (string | number)[], reason: string, warning = false): void => void problems.push({ path: [...at, ...path], reason, ...(warning ? { warning: true as const } : {}) });
  if (!isRecord(st)) return fail([], 'must be an object with Effect, Action and Resource');
  for (const key of Object.keys(st)) {
    // IAM's MalformedPolicyDocument wording: identity policies name no principal.
    if (key === 'Principal' || key === 'NotPrincipal') fail([key], 'Policy document should not specify a principal.');
    else if (!STATEMENT_KEYS.has(key)) fail([key], `unknown key "${key}" (expected one of ${[...STATEMENT_KEYS].join(', ')})`);
  }
  const effect = st['Effect'];
  if (effect === undefined) fail([], 'missing required key "Effect"');
  else if (effect !== 'Allow' && effect !== 'Deny') fail(['Effect'], `must be one of "Allow", "Deny", got ${JSON.stringify(effect)}`);
  pair(st, 'Action', fail, (v, path) => {
    if (!ACTION.test(v)) fail(path, `${JSON.stringify(v)}: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`);
  });
  pair(st, 'Resource', fail, (v, path) => {
    if (v !== '*' && !v.startsWith('arn:')) fail(path, `Resource ${v} must be in ARN format or "*".`);
    else if (v.includes('${')) fail(path, 'policy variables (${…}) are not substituted by portico: this resource is matched literally', true);
  });
  const condition = st['Condition'];
  if (condition === undefined) return;
  if (!isRecord(condition)) return fail(['Condition'], 'must be a map of condition operators to {key: value(s)}');
  for (const [operator, tests] of Object.entries(condition)) {
    if (!isRecord(tests)) {
      fail(['Condition', operator], 'must be a map of condition keys to a value or a list of values');
      continue;
    }
    for (const [key, value] of Object.entries(tests)) {
      const scalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
      if (!scalar(value) && !(Array.isArray(value) && value.every(scalar))) fail(['Condition', operator, key], 'must be a value or a list of values');
    }
    if (!SUPPORTED_CONDITION_OPERATORS.has(operator)) {
      const supported = [...SUPPORTED_CONDITION_OPERATORS].join(', ');
      if (effect === 'Deny') fail(['Condition', operator], `condition operator ${operator} is not supported (supported: ${supported}); the Deny would never apply`);
      else fail(['Condition', operator], `condition operator ${operator} is not supported (supported: ${supported}); this statement never allows anything`, true);
    }
  }
}

/** Checks `X` / `NotX` (exactly one, a string or a list of strings), then each value with `each`. */
function pair(
  st: Readonly<Record<string, unknown>>,
  name: 'Action' | 'Resource',
  fail: (path: readonly (string | number)[], reason: string) => void,
  each: (value: string, path: readonly (string | number)[]) => void,
): void {
  const not = `Not${name}`;
  if (st[name] !== undefined && st[not] !== undefined) return fail([not], `a statement has either ${name} or ${not}, not both`);
  const key = st[name] !== undefined ? name : st[not] !== undefined ? not : undefined;
  if (key === undefined) return fail([], `missing required key "${name}" (or "${not}")`);
  const value = st[key];
  if (!isStrings(value)) return fail([key], 'must be a string or a list of strings');
  listOf(value).forEach((v, i) => each(v, typeof value === 'string' ? [key] : [key, i]));
}
