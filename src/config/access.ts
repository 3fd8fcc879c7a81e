/**
 * portico.yaml's `apiKeys`, `usagePlans` and `credentials` → the project's AccessConfig, with
 * the checks API Gateway's control plane makes when keys, plans and plan keys are created.
 * Runs after the APIs are loaded, because plans name REST API stages and methods.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
import type { AccessConfig, AnyApi, ApiKey, Credential, Method, RestApi, ThrottleSettings, UsagePlan, UsagePlanApiStage } from '../model/index.ts';
import type { ConfigError } from '../errors/index.ts';
import { checkIdentityPolicy } from '../pipeline/2-authorize/identity-policy-check.ts';
import { stableId } from '../util/ids.ts';
import type { JsonPath } from './json-path.ts';
import type { RawLimits, RawProject, RawUsagePlan } from './raw-types.ts';
import type { SourceFile } from './source-file.ts';

/** "Usage plans per API key": 10 (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). */
export const MAX_PLANS_PER_KEY = 10;

/** Where problems go: errors (with their location) and warnings. */
export interface AccessLoadOutput {
  readonly src: SourceFile;
  readonly errors: ConfigError[];
  readonly warnings: string[];
}

/** Loads the access-control keys; problems go to `out`. `apis` are the APIs that loaded. */
export function loadAccess(raw: RawProject, apis: readonly AnyApi[], out: AccessLoadOutput): AccessConfig {
  const { src, errors } = out;
  const apiKeys = loadKeys(raw, src, errors);
  const byName = new Map(apiKeys.map((k) => [k.name, k]));
  const usagePlans: UsagePlan[] = [];
  const planNames = new Set<string>();
  const planIds = new Map<string, string>();
  (raw.usagePlans ?? []).forEach((p, i) => {
    const path: JsonPath = ['usagePlans', i];
    if (planNames.has(p.name)) errors.push(src.error([...path, 'name'], `another usage plan is named "${p.name}"`));
    planNames.add(p.name);
    const id = p.id ?? stableId(`usageplan/${p.name}`, 6);
    const other = planIds.get(id);
    if (other !== undefined && other !== p.name) errors.push(src.error([...path, p.id !== undefined ? 'id' : 'name'], `usage plan id "${id}" is already used by "${other}"`));
    planIds.set(id, p.name);
    const apiStages = loadApiStages(p, path, raw, apis, out);
    const apiKeyIds: string[] = [];
    (p.apiKeys ?? []).forEach((name, j) => {
      const key = byName.get(name);
      if (!key) errors.push(src.error([...path, 'apiKeys', j], `no API key named "${name}" (apiKeys: ${[...byName.keys()].join(', ') || 'none'})`));
      else if (apiKeyIds.includes(key.id)) errors.push(src.error([...path, 'apiKeys', j], `API key "${name}" is listed twice`));
      else apiKeyIds.push(key.id);
    });
    usagePlans.push({
      id,
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      apiStages,
      ...(p.throttle ? { throttle: throttleSettings(p.throttle) } : {}),
      ...(p.quota ? { quota: { limit: p.quota.limit, period: p.quota.period, offset: p.quota.offset ?? 0 } } : {}),
      apiKeyIds,
    });
  });
  checkKeyPlans(raw, src, apis, apiKeys, usagePlans, errors);
  return { apiKeys, usagePlans, credentials: loadCredentials(raw, src, errors, out.warnings) };
}

function loadKeys(raw: RawProject, src: SourceFile, errors: ConfigError[]): ApiKey[] {
  const names = new Set<string>();
  const values = new Map<string, string>();
  const ids = new Map<string, string>();
  return (raw.apiKeys ?? []).map((k, i) => {
    const path: JsonPath = ['apiKeys', i];
    if (names.has(k.name)) errors.push(src.error([...path, 'name'], `another API key is named "${k.name}"`));
    names.add(k.name);
    // "API key values must be unique" — CreateApiKey answers 409 "API Key already exists"
    // (https://github.com/serverless/serverless/issues/6458).
    const same = values.get(k.value);
    if (same !== undefined) errors.push(src.error([...path, 'value'], `API Key already exists: this value is also the value of "${same}"`));
    values.set(k.value, k.name);
    const id = k.id ?? stableId(`apikey/${k.name}`);
    const other = ids.get(id);
    if (other !== undefined && other !== k.name) errors.push(src.error([...path, k.id !== undefined ? 'id' : 'name'], `API key id "${id}" is already used by "${other}"`));
    ids.set(id, k.name);
    return { id, name: k.name, value: k.value, enabled: k.enabled ?? true, ...(k.description !== undefined ? { description: k.description } : {}) };
  });
}

/**
 * A plan's stages. An unknown API or stage gets CreateUsagePlan's wording, "Invalid API Stage
 * {api: …, stage: …} specified for usageplan …" (https://github.com/aws/aws-cdk/issues/6169),
 * followed by what portico knows. An API that failed to load is skipped (its own errors say why).
 */
function loadApiStages(p: RawUsagePlan, path: JsonPath, raw: RawProject, apis: readonly AnyApi[], out: AccessLoadOutput): UsagePlanApiStage[] {
  const { src, errors } = out;
  const stages: UsagePlanApiStage[] = [];
  const seen = new Set<string>();
  (p.apiStages ?? []).forEach((s, j) => {
    const spath: JsonPath = [...path, 'apiStages', j];
    const invalid = `Invalid API Stage {api: ${s.api}, stage: ${s.stage}} specified for usageplan ${p.name}`;
    const found = apis.find((a) => a.name === s.api || a.apiId === s.api);
    const rawApi = raw.apis.find((a) => a.name === s.api || a.apiId === s.api);
    const type = found?.protocolType ?? rawApi?.type;
    if (type === undefined) {
      errors.push(src.error([...spath, 'api'], `${invalid}: no API is named "${s.api}" (APIs: ${raw.apis.map((a) => a.name).join(', ')})`));
      return;
    }
    if (type !== 'REST') {
      errors.push(src.error([...spath, 'api'], `${invalid}: "${found?.name ?? s.api}" is ${type === 'HTTP' ? 'an HTTP' : 'a WebSocket'} API; usage plans apply to REST APIs`));
      return;
    }
    if (found?.protocolType !== 'REST') return;
    const api: RestApi = found;
    if (!api.stages.some((st) => st.stageName === s.stage)) {
      errors.push(src.error([...spath, 'stage'], `${invalid}: API "${api.name}" has no stage "${s.stage}" (stages: ${api.stages.map((st) => st.stageName).join(', ')})`));
      return;
    }
    if (seen.has(`${api.apiId}/${s.stage}`)) errors.push(src.error(spath, `API stage ${api.name}/${s.stage} is listed twice in usage plan "${p.name}"`));
    seen.add(`${api.apiId}/${s.stage}`);
    stages.push({ apiId: api.apiId, stage: s.stage, throttle: methodThrottle(s.throttle ?? {}, api, [...spath, 'throttle'], out) });
  });
  return stages;
}

/**
 * Per-method limits: route-style keys (`GET /pets/{id}`, as stage throttling takes them) stored
 * as AWS keys ApiStage.throttle, `{resourcePath}/{httpMethod}`
 * (https://docs.aws.amazon.com/apigateway/latest/api/API_ApiStage.html). A key that is not a
 * method of the API is an error: it would silently leave the method on the plan's limits.
 */
function methodThrottle(raw: Record<string, RawLimits>, api: RestApi, path: JsonPath, out: AccessLoadOutput): Record<string, ThrottleSettings> {
  const methods = new Map<string, Method>(api.resources.flatMap((r) => Object.values(r.resourceMethods).map((m) => [`${m.httpMethod} ${r.path}`, m] as const)));
  const throttle: Record<string, ThrottleSettings> = {};
  for (const [key, limits] of Object.entries(raw)) {
    const method = methods.get(key);
    if (!method) {
      out.errors.push(out.src.error([...path, key], `"${key}" is not a method of API "${api.name}" (methods: ${[...methods.keys()].join(', ') || 'none'})`));
      continue;
    }
    // Plan limits only apply to methods that require a key (spec §7.1).
    if (!method.apiKeyRequired) out.warnings.push(out.src.warning([...path, key], `"${key}" does not require an API key, so usage plan limits never apply to it`));
    const space = key.indexOf(' ');
    throttle[`${key.slice(space + 1)}/${key.slice(0, space)}`] = throttleSettings(limits);
  }
  return throttle;
}

const throttleSettings = (x: RawLimits): ThrottleSettings => ({
  ...(x.rateLimit !== undefined ? { rateLimit: x.rateLimit } : {}),
  ...(x.burstLimit !== undefined ? { burstLimit: x.burstLimit } : {}),
});

/**
 * A key is in at most {@link MAX_PLANS_PER_KEY} plans, and in one plan per API stage: "a given
 * API key can only be associated with one usage plan for each stage of your API"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html).
 * Both are reported at the later plan's entry for the key.
 */
function checkKeyPlans(raw: RawProject, src: SourceFile, apis: readonly AnyApi[], keys: readonly ApiKey[], plans: readonly UsagePlan[], errors: ConfigError[]): void {
  const apiName = (id: string): string => apis.find((a) => a.apiId === id)?.name ?? id;
  for (const key of keys) {
    const owner = new Map<string, UsagePlan>();
    let count = 0;
    plans.forEach((plan, i) => {
      if (!plan.apiKeyIds.includes(key.id)) return;
      const at: JsonPath = ['usagePlans', i, 'apiKeys', raw.usagePlans?.[i]?.apiKeys?.indexOf(key.name) ?? 0];
      if (++count === MAX_PLANS_PER_KEY + 1) errors.push(src.error(at, `API key "${key.name}" is in more than ${MAX_PLANS_PER_KEY} usage plans (AWS's limit per key)`));
      for (const s of plan.apiStages) {
        const stageKey = `${s.apiId}/${s.stage}`;
        const first = owner.get(stageKey);
        if (first) {
          errors.push(src.error(at, `API key "${key.name}" is already in usage plan "${first.name}", which covers the same API stage ${apiName(s.apiId)}/${s.stage}; a key can be in only one usage plan per API stage`));
        } else owner.set(stageKey, plan);
      }
    });
  }
}

function loadCredentials(raw: RawProject, src: SourceFile, errors: ConfigError[], warnings: string[]): Credential[] {
  const seen = new Set<string>();
  const credentials = (raw.credentials ?? []).map((c, i) => {
    if (seen.has(c.accessKeyId)) errors.push(src.error(['credentials', i, 'accessKeyId'], `access key id "${c.accessKeyId}" is listed twice`));
    seen.add(c.accessKeyId);
    const extra = Object.fromEntries((['sessionToken', 'accountId', 'arn', 'userId', 'principalOrgId'] as const).flatMap((k) => (c[k] !== undefined ? [[k, c[k]]] : [])));
    // Identity-based policies, checked as IAM checks them when they are attached (identity-policy-check.ts).
    const policies = (c as { readonly policies?: readonly Record<string, unknown>[] }).policies;
    policies?.forEach((doc, j) => {
      for (const p of checkIdentityPolicy(doc)) {
        const at: JsonPath = ['credentials', i, 'policies', j, ...p.path];
        if (p.warning) warnings.push(src.warning(at, p.reason));
        else errors.push(src.error(at, p.reason));
      }
    });
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...extra, ...(policies !== undefined ? { policies } : {}) };
  });
  // Keys without policies may call everything (as before policies existed). Said once, and only
  // when other keys have policies: then an unrestricted key is likely an oversight.
  const open = credentials.filter((c) => c.policies === undefined).map((c) => c.accessKeyId);
  if (open.length > 0 && open.length < credentials.length) {
    warnings.push(src.warning(['credentials'], `${open.join(', ')} ${open.length === 1 ? 'has' : 'have'} no policies, so ${open.length === 1 ? 'it' : 'they'} may call every AWS_IAM method and route and every @connections operation`));
  }
  return credentials;
}
