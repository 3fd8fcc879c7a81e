/**
 * Usage-plan quota periods as time windows, and the limit in force in one.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 *
 * AWS counts quotas per calendar period in UTC, and documents no way to move a period's start:
 * - DAY: a UTC day, 00:00 to 24:00 ("1000 requests from 12am until 11:59pm UTC",
 *   https://stackoverflow.com/questions/54136076, reported);
 * - MONTH: a calendar month; "the monthly quota only resets on the first day of each month"
 *   (AWS support on re:Post, https://repost.aws/questions/QUL_rbMumqRVCoOZL308fABA);
 * - WEEK: from Sunday 00:00 UTC. The older SDK docs described `offset` as the day a period
 *   starts, "with a time period of WEEK, an offset of 0 starts on Sunday" (aws-sdk-ruby
 *   1.73.0 QuotaSettings), so Sunday is where an unshifted week begins (unverified otherwise).
 */
import type { QuotaPeriod, QuotaSettings } from '../../model/index.ts';

/** A quota window: `[startMs, endMs)` in epoch milliseconds. */
export interface QuotaWindow {
  readonly startMs: number;
  readonly endMs: number;
}

const DAY_MS = 86_400_000;

/** The window of `period` that holds `nowMs`. */
export function quotaWindow(period: QuotaPeriod, nowMs: number): QuotaWindow {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (period) {
    case 'DAY': {
      const startMs = Date.UTC(y, m, d.getUTCDate());
      return { startMs, endMs: startMs + DAY_MS };
    }
    case 'WEEK': {
      // getUTCDay(): 0 is Sunday.
      const startMs = Date.UTC(y, m, d.getUTCDate() - d.getUTCDay());
      return { startMs, endMs: startMs + 7 * DAY_MS };
    }
    case 'MONTH':
      // Date.UTC rolls month 12 over into January of the next year.
      return { startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
  }
}

/**
 * The requests allowed in `window`: the quota's limit, less its `offset` in the initial period,
 * "the number of requests subtracted from the given limit in the initial time period" (AWS's API
 * reference; CloudFormation adds: "When you first implement a usage plan, the plan might start in
 * the middle of the week or month. With this property, you can decrease the limit for this
 * initial time period"). The initial period is the one holding `createdAtMs`, when the plan was
 * created: for portico, when the gateway started. Never below 0.
 */
export function quotaLimit(quota: QuotaSettings, window: QuotaWindow, createdAtMs: number): number {
  const initial = createdAtMs >= window.startMs && createdAtMs < window.endMs;
  return Math.max(0, quota.limit - (initial ? quota.offset : 0));
}
