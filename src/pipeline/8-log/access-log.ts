/**
 * One access-log line per request, with the fields of AWS's default HTTP API access log
 * ($context.requestId, routeKey, status, latency...). Custom formats come with issue 6.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
import type { Logger } from 'pino';
import { msBetween } from '../../util/time.ts';
import { writeAccessRecord } from './access-line.ts';
import type { BaseContext } from '../types.ts';

/** What the log line needs of any flavour's context. */
export interface LoggedContext extends BaseContext {
  readonly api: { readonly name: string; readonly apiId: string };
  readonly stage: { readonly stageName: string };
}

/** Writes the access-log line of a finished request. */
export function logAccess(logger: Logger, ctx: LoggedContext, status: number, routeKey: string): void {
  const end = process.hrtime.bigint();
  const t = ctx.timings;
  writeAccessRecord(logger, {
    requestId: ctx.requestId,
    api: ctx.api.name,
    apiId: ctx.api.apiId,
    stage: ctx.stage.stageName,
    routeKey,
    method: ctx.request.method,
    path: ctx.request.rawPath,
    status,
    latency: Math.round(msBetween(t.start, end) * 100) / 100,
    integrationLatency: t.integrationStart !== undefined && t.integrationEnd !== undefined ? Math.round(msBetween(t.integrationStart, t.integrationEnd) * 100) / 100 : null,
    ip: ctx.request.sourceIp,
    userAgent: ctx.request.headers['user-agent'] ?? null,
    ...(ctx.error ? { errorType: ctx.error.type, errorMessage: ctx.error.message } : {}),
  });
}
