/**
 * `$context` values of a finished request, per flavour, for custom access-log formats.
 * The request-time variables come from the modules that already serve them to mappings and
 * templates (mapping/context-variables.ts for HTTP APIs, mapping/rest-context.ts for REST);
 * this adds the log-only ones: status, responseLength, responseLatency, integration.*, error.*.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
 */
import { contextVariables } from '../../mapping/context-variables.ts';
import { lookupContext, restContextTree } from '../../mapping/rest-context.ts';
import { HTTP_GATEWAY_RESPONSES, REST_GATEWAY_RESPONSES, type GatewayError } from '../../errors/index.ts';
import { clfTime, msBetween } from '../../util/time.ts';
import type { GatewayContext, GatewayResponse, RestContext, Timings } from '../types.ts';
import type { VariableLookup } from './access-format.ts';
import type { WsEventRecord } from './observer-types.ts';

/** Latencies are whole milliseconds in AWS's access logs. */
const round = (ms: number): number => Math.round(ms);

/** What every flavour knows once the response is ready. */
export interface Finished {
  readonly response: GatewayResponse;
  /** ms from arrival to response. */
  readonly latencyMs: number;
}

/** The response body's length when it is known without reading it (a stream's from Content-Length). */
export function responseLength(response: GatewayResponse): number | undefined {
  const body = response.body;
  if (body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  const declared = response.headers.find(([n]) => n.length === 14 && n.toLowerCase() === 'content-length')?.[1];
  return declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
}

/** ms the integration took, when one ran. */
export function integrationMs(t: Timings): number | undefined {
  return t.integrationStart !== undefined && t.integrationEnd !== undefined ? msBetween(t.integrationStart, t.integrationEnd) : undefined;
}

/** An integration failure's message (`integration.error`): a gateway error raised by the integrate phase. */
function integrationError(error: GatewayError | undefined, t: Timings): string | undefined {
  return error && t.integrationStart !== undefined ? error.message : undefined;
}

/**
 * `$context.error.message` is what the client was told: the gateway response's message (or the
 * detail AWS puts in the body), never portico's internal detail.
 */
function clientMessage(error: GatewayError, table: typeof HTTP_GATEWAY_RESPONSES): string | null {
  return error.bodyMessage ?? table[error.type].message;
}

/** `error.*` of a failed HTTP API request. */
function errorVariable(error: GatewayError | undefined, key: string): string | undefined {
  if (!error) return undefined;
  const message = clientMessage(error, HTTP_GATEWAY_RESPONSES);
  switch (key) {
    case 'error.message':
      return message ?? undefined;
    case 'error.messageString':
      // "The quoted value of $context.error.message": `null` for a null message.
      return JSON.stringify(message);
    case 'error.responseType':
      return error.type;
    case 'error.validationErrorString':
      return error.validationErrorString;
    default:
      return undefined;
  }
}

/** HTTP API `$context` for the access log. */
export function httpLookup(ctx: GatewayContext, done: Finished, accountId: string): VariableLookup {
  const base = contextVariables(ctx, accountId);
  const t = ctx.timings;
  return (name) => {
    switch (name) {
      case 'status':
        return done.response.statusCode;
      case 'responseLength':
        return responseLength(done.response);
      case 'responseLatency':
        return round(done.latencyMs);
      case 'dataProcessed': {
        const n = responseLength(done.response);
        return n === undefined ? undefined : n + Number(ctx.request.headers['content-length'] ?? 0);
      }
      case 'integrationLatency':
      case 'integration.latency': {
        const ms = integrationMs(t);
        return ms === undefined ? undefined : round(ms);
      }
      case 'integrationStatus':
      case 'integration.status':
      case 'integration.integrationStatus':
        return ctx.integrationResponse?.statusCode;
      case 'integrationErrorMessage':
      case 'integration.error':
        return integrationError(ctx.error, t);
      case 'authorizer.error':
        return ctx.error && /AUTHORIZER|UNAUTHORIZED|ACCESS_DENIED/.test(ctx.error.type) ? ctx.error.message : undefined;
    }
    if (name.startsWith('error.')) return errorVariable(ctx.error, name);
    return base(name);
  };
}

/** REST `$context` for the access log: the request's tree with the log-only values added. */
export function restLookup(ctx: RestContext, done: Finished, info: { accountId: string; deploymentId: string }): VariableLookup {
  let tree: Record<string, unknown> | undefined;
  return (name) => {
    tree ??= restContextTree(ctx, info, {
      ...(ctx.error ? { error: { message: clientMessage(ctx.error, REST_GATEWAY_RESPONSES), responseType: ctx.error.type, ...(ctx.error.validationErrorString !== undefined ? { validationErrorString: ctx.error.validationErrorString } : {}) } } : {}),
      integration: restIntegration(ctx, done),
      responseLatency: round(done.latencyMs),
      status: done.response.statusCode,
      ...optional('responseLength', responseLength(done.response)),
    });
    const value = lookupContext(tree, name);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
  };
}

/** `$context.integration.*` of a REST request: only when an integration ran. */
function restIntegration(ctx: RestContext, done: Finished): { status?: number; latency?: number; error?: string } {
  const ms = integrationMs(ctx.timings);
  if (ms === undefined) return {};
  // Lambda and HTTP integrations' own status; portico keeps the mapped response, so for
  // non-proxy integrations this is the method response status (unverified against AWS).
  const status = ctx.integrationResponse?.statusCode ?? (ctx.error ? undefined : done.response.statusCode);
  return { latency: round(ms), ...optional('status', status), ...optional('error', integrationError(ctx.error, ctx.timings)) };
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

/** WebSocket `$context` for the access log, from the event's record. */
export function wsLookup(r: WsEventRecord, apiId: string, latencyMs: number): VariableLookup {
  return (name) => {
    switch (name) {
      case 'apiId':
        return apiId;
      case 'connectionId':
        return r.connectionId;
      case 'eventType':
        return r.eventType;
      case 'requestId':
      case 'extendedRequestId':
        return r.requestId;
      case 'routeKey':
        return r.routeKey;
      case 'stage':
        return r.stage;
      case 'status':
        return r.status;
      case 'identity.sourceIp':
        return r.ip;
      case 'requestTimeEpoch':
        return Math.round(Date.now() - latencyMs);
      case 'requestTime':
        return clfTime(Date.now() - latencyMs);
      case 'integrationLatency':
      case 'integration.latency':
        return r.integrationMs === undefined ? undefined : round(r.integrationMs);
      case 'error.message':
        return r.error;
      case 'error.messageString':
        return r.error === undefined ? undefined : JSON.stringify(r.error);
      default:
        return undefined;
    }
  };
}
