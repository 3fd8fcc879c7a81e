/**
 * Usage plans on the admin port, in the shape of API Gateway's v1 control plane, so
 * `aws apigateway get-usage --endpoint-url http://127.0.0.1:PORT …` and the SDKs read them:
 *
 * - GetUsagePlans      `GET /usageplans`                   https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlans.html
 * - GetUsagePlan       `GET /usageplans/{id}`              https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlan.html
 * - GetUsagePlanKeys   `GET /usageplans/{id}/keys`         https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlanKeys.html
 * - GetUsage           `GET /usageplans/{id}/usage?keyId=&startDate=&endDate=`
 *                                                          https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
 *
 * The wire names are the REST API's, not the SDK's: a list is `item` and GetUsage's map is
 * `values` (the SDKs rename both `items`). A usage entry is `[used, remaining]` per UTC day from
 * startDate to endDate, "daily logs of used and remaining quotas … indexed over the API keys".
 * Days without a record show 0 used and the remaining carried from the window's last record (or
 * the full limit in a new window). Usage is recorded for plans with a quota (the quota phase
 * counts it); a plan without one shows `[0, 0]`.
 */
import type { ApiKey, QuotaSettings, UsagePlan } from '../model/index.ts';
import type { QuotaStore } from '../state/quota/types.ts';
import { usageDay } from '../state/quota/types.ts';
import { quotaKey } from '../pipeline/3-throttle/usage-plan.ts';
import { quotaLimit, quotaWindow } from '../pipeline/3-throttle/quota-window.ts';
import type { AdminReply, AdminRoute } from './types.ts';

/** What the usage routes read. */
export interface UsageAdminDeps {
  /** The keys and plans in force, read on every call (a reload may change them). */
  readonly access: () => { readonly apiKeys: readonly ApiKey[]; readonly usagePlans: readonly UsagePlan[] };
  readonly quotas: QuotaStore;
  /** When the plans were created (the gateway started): a quota `offset` applies to that period. */
  readonly createdAtMs: number;
}

const DAY_MS = 86_400_000;
/** The longest range one GetUsage call may ask for (portico's bound; AWS keeps 90 days of data). */
const MAX_DAYS = 366;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** AWS's error shape: `{"message"}` with the exception name in `x-amzn-ErrorType`. */
export function adminError(status: number, type: string, message: string): AdminReply {
  return { status, body: { message }, headers: { 'x-amzn-ErrorType': type } };
}

/** A date of the form `2016-01-01`, as epoch ms at 00:00 UTC; undefined when malformed. */
function parseDay(text: string | null): number | undefined {
  if (text === null || !ISO_DAY.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || usageDay(ms) !== text ? undefined : ms;
}

/** `UsagePlan` as GetUsagePlan answers it. */
function planJson(plan: UsagePlan): Record<string, unknown> {
  return {
    id: plan.id,
    name: plan.name,
    ...(plan.description !== undefined ? { description: plan.description } : {}),
    apiStages: plan.apiStages.map((s) => ({ apiId: s.apiId, stage: s.stage, ...(Object.keys(s.throttle).length > 0 ? { throttle: s.throttle } : {}) })),
    ...(plan.throttle ? { throttle: plan.throttle } : {}),
    ...(plan.quota ? { quota: plan.quota } : {}),
  };
}

/** The admin routes for usage plans and their usage. */
export function usageAdminRoutes(deps: UsageAdminDeps): AdminRoute[] {
  const findPlan = (id: string): UsagePlan | undefined => deps.access().usagePlans.find((p) => p.id === id);
  const noPlan = (): AdminReply => adminError(404, 'NotFoundException', 'Invalid Usage Plan ID specified');
  return [
    {
      method: 'GET',
      path: /^\/usageplans\/?$/,
      handle: (_m, url) => {
        const keyId = url.searchParams.get('keyId');
        const plans = deps.access().usagePlans.filter((p) => keyId === null || p.apiKeyIds.includes(keyId));
        return { status: 200, body: { item: plans.map(planJson) } };
      },
    },
    {
      method: 'GET',
      path: /^\/usageplans\/([^/]+)\/?$/,
      handle: (m) => {
        const plan = findPlan(decodeURIComponent(m[1] ?? ''));
        return plan ? { status: 200, body: planJson(plan) } : noPlan();
      },
    },
    {
      method: 'GET',
      path: /^\/usageplans\/([^/]+)\/keys\/?$/,
      handle: (m, url) => {
        const plan = findPlan(decodeURIComponent(m[1] ?? ''));
        if (!plan) return noPlan();
        const nameQuery = url.searchParams.get('nameQuery');
        const keys = deps.access().apiKeys.filter((k) => plan.apiKeyIds.includes(k.id) && (nameQuery === null || k.name.startsWith(nameQuery)));
        return { status: 200, body: { item: keys.map((k) => ({ id: k.id, type: 'API_KEY', value: k.value, name: k.name })) } };
      },
    },
    {
      method: 'GET',
      path: /^\/usageplans\/([^/]+)\/usage\/?$/,
      handle: async (m, url) => {
        const plan = findPlan(decodeURIComponent(m[1] ?? ''));
        if (!plan) return noPlan();
        const startDate = url.searchParams.get('startDate');
        const endDate = url.searchParams.get('endDate');
        const start = parseDay(startDate);
        const end = parseDay(endDate);
        if (start === undefined || end === undefined) return adminError(400, 'BadRequestException', 'startDate and endDate are required, as YYYY-MM-DD');
        if (end < start) return adminError(400, 'BadRequestException', 'endDate must not be before startDate');
        if ((end - start) / DAY_MS + 1 > MAX_DAYS) return adminError(400, 'BadRequestException', `at most ${MAX_DAYS} days per request`);
        const keyId = url.searchParams.get('keyId');
        // Unverified against AWS: a key outside the plan is refused rather than shown empty.
        if (keyId !== null && !plan.apiKeyIds.includes(keyId)) return adminError(404, 'NotFoundException', 'Invalid API Key identifier specified');
        const keyIds = keyId !== null ? [keyId] : plan.apiKeyIds;
        const page = paginate(keyIds, url);
        if (typeof page === 'string') return adminError(400, 'BadRequestException', page);
        const values: Record<string, [number, number][]> = {};
        for (const id of page.items) values[id] = await dailyUsage(deps, plan, id, start, end);
        return {
          status: 200,
          body: { usagePlanId: plan.id, startDate, endDate, ...(page.position !== undefined ? { position: page.position } : {}), values },
        };
      },
    },
  ];
}

/** One page of `items` by `limit` (default 25, at most 500, as AWS) and `position` (an offset here). */
function paginate<T>(items: readonly T[], url: URL): { items: readonly T[]; position?: string } | string {
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? 25 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return 'limit must be an integer from 1 to 500';
  const from = Number(url.searchParams.get('position') ?? '0');
  if (!Number.isInteger(from) || from < 0) return 'invalid position';
  const next = from + limit;
  return { items: items.slice(from, next), ...(next < items.length ? { position: String(next) } : {}) };
}

/**
 * `[used, remaining]` per day of `[start, end]` for one key. Records are read from the start of
 * the quota window holding `start`, so a range starting mid-week still carries what the week used.
 */
async function dailyUsage(deps: UsageAdminDeps, plan: UsagePlan, keyId: string, start: number, end: number): Promise<[number, number][]> {
  const quota: QuotaSettings | undefined = plan.quota;
  const from = quota ? Math.min(start, quotaWindow(quota.period, start).startMs) : start;
  const days: string[] = [];
  for (let t = from; t <= end; t += DAY_MS) days.push(usageDay(t));
  const records = (await deps.quotas.usage?.(quotaKey(plan.id, keyId), days)) ?? new Map();
  const rows: [number, number][] = [];
  let carry: { windowStartMs: number; remaining: number } | undefined;
  for (let t = from; t <= end; t += DAY_MS) {
    const window = quota ? quotaWindow(quota.period, t) : { startMs: t, endMs: t + DAY_MS };
    const full = quota ? quotaLimit(quota, window, deps.createdAtMs) : 0;
    const record = records.get(usageDay(t));
    const remaining = record?.remaining ?? (carry?.windowStartMs === window.startMs ? carry.remaining : full);
    if (record) carry = { windowStartMs: window.startMs, remaining: record.remaining };
    if (t >= start) rows.push([record?.used ?? 0, remaining]);
  }
  return rows;
}
