/**
 * The Lambda proxy events of WebSocket APIs: CONNECT, MESSAGE and DISCONNECT (spec §2.3).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-integration-requests.html
 *
 * Shapes and field order follow events captured from real WebSocket APIs
 * (test/fixtures/aws-events/websocket-*.json): the 2024 MESSAGE and DISCONNECT captures that
 * aws-lambda-go keeps as test data, and a CONNECT capture for the headers. Since 2024 AWS
 * leaves out null fields (2020 captures had `messageId: null`, `disconnectStatusCode: null` and a
 * dozen null `identity` members on CONNECT), so these builders never write a null.
 * `requestContext.authorizer` is the $connect authorizer's result (websocket/authorizer.ts),
 * on every event of the connection.
 */
import { clfTime } from '../../util/time.ts';
import { parseQuery } from '../../util/http.ts';
import type { RequestHeader } from './common.ts';
import { multiValueMaps } from './http-v1.ts';

/** `requestContext.eventType`. */
export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

/** What every event of one connection shares, fixed at the upgrade. */
export interface WebSocketConnectionMeta {
  readonly apiId: string;
  readonly stage: string;
  /** 16 base64 characters ending in `=`, e.g. `R1kmxc2VNjMCFIA=`. */
  readonly connectionId: string;
  /** Epoch ms of the upgrade request. */
  readonly connectedAt: number;
  /** The Host without its port. */
  readonly domainName: string;
  /** The Host header as the client sent it (DISCONNECT's synthetic `Host`). */
  readonly host: string;
  readonly sourceIp: string;
  /** The User-Agent of the upgrade request; absent without one. */
  readonly userAgent: string | undefined;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The $connect authorizer's context for `requestContext.authorizer`; absent = no key. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
}

/** What differs per event: a fresh request id (also `extendedRequestId`) and its time. */
export interface WebSocketEventRequest {
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

/** `requestContext.identity`: the caller's address and agent, nothing else since 2024. */
export interface WebSocketIdentity {
  /** Absent when the client sent no User-Agent. */
  readonly userAgent?: string;
  readonly sourceIp: string;
}

/** `requestContext`, members in AWS's order; the optional ones belong to one event type each. */
export interface WebSocketRequestContext {
  readonly routeKey: string;
  /** MESSAGE only. */
  readonly messageId?: string;
  /** DISCONNECT only: the close code (1000, 1001, 1006...). */
  readonly disconnectStatusCode?: number;
  readonly eventType: WebSocketEventType;
  readonly extendedRequestId: string;
  /** `20/Jan/2024:11:55:00 +0000` */
  readonly requestTime: string;
  readonly messageDirection: 'IN';
  /** DISCONNECT only: the close reason, often `""`. */
  readonly disconnectReason?: string;
  readonly stage: string;
  readonly connectedAt: number;
  readonly requestTimeEpoch: number;
  readonly identity: WebSocketIdentity;
  /** Same value as `extendedRequestId`. */
  readonly requestId: string;
  readonly domainName: string;
  readonly connectionId: string;
  readonly apiId: string;
  readonly authorizer?: Readonly<Record<string, unknown>>;
}

/** The `$connect` event: the upgrade request's headers and query, no body. */
export interface WebSocketConnectEvent {
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  /** Absent without a query string (both maps). */
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[]>>;
  /** Absent when the stage has none. */
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly requestContext: WebSocketRequestContext;
  readonly isBase64Encoded: false;
}

/** A message event (custom routes and `$default`). */
export interface WebSocketMessageEvent {
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly requestContext: WebSocketRequestContext;
  /** The text frame's data; base64 for a binary message (when binary messages are accepted). */
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The `$disconnect` event, with AWS's synthetic headers. */
export interface WebSocketDisconnectEvent {
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly requestContext: WebSocketRequestContext;
  readonly isBase64Encoded: false;
}

/** Any of the three events. */
export type WebSocketEvent = WebSocketConnectEvent | WebSocketMessageEvent | WebSocketDisconnectEvent;

const EVENT_TYPES = new Set<unknown>(['CONNECT', 'MESSAGE', 'DISCONNECT']);

/** Guard: whether a value is a WebSocket event (by `requestContext.eventType` and `connectionId`). */
export function isWebSocketEvent(value: unknown): value is WebSocketEvent {
  if (typeof value !== 'object' || value === null) return false;
  const rc = (value as { requestContext?: unknown }).requestContext;
  if (typeof rc !== 'object' || rc === null) return false;
  const { eventType, connectionId } = rc as { eventType?: unknown; connectionId?: unknown };
  return EVENT_TYPES.has(eventType) && typeof connectionId === 'string';
}

/** `requestContext` with the per-type members in their places. */
function requestContext(
  meta: WebSocketConnectionMeta,
  req: WebSocketEventRequest,
  eventType: WebSocketEventType,
  routeKey: string,
  extra: { messageId?: string; disconnectStatusCode?: number; disconnectReason?: string } = {},
): WebSocketRequestContext {
  return {
    routeKey,
    ...(extra.messageId !== undefined ? { messageId: extra.messageId } : {}),
    ...(extra.disconnectStatusCode !== undefined ? { disconnectStatusCode: extra.disconnectStatusCode } : {}),
    eventType,
    extendedRequestId: req.requestId,
    requestTime: clfTime(req.requestTimeEpoch),
    messageDirection: 'IN',
    ...(extra.disconnectReason !== undefined ? { disconnectReason: extra.disconnectReason } : {}),
    stage: meta.stage,
    connectedAt: meta.connectedAt,
    requestTimeEpoch: req.requestTimeEpoch,
    identity: meta.userAgent === undefined ? { sourceIp: meta.sourceIp } : { userAgent: meta.userAgent, sourceIp: meta.sourceIp },
    requestId: req.requestId,
    domainName: meta.domainName,
    connectionId: meta.connectionId,
    apiId: meta.apiId,
    ...(meta.authorizer ? { authorizer: meta.authorizer } : {}),
  };
}

const stageVariables = (meta: WebSocketConnectionMeta): { stageVariables?: Record<string, string> } =>
  Object.keys(meta.stageVariables).length > 0 ? { stageVariables: { ...meta.stageVariables } } : {};

/** Keys in case-insensitive order, as AWS's $connect example lists them (`Connection`, `content-length`, `HeaderAuth1`...). */
function sortedFolded<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const fold = (s: string): string => s.toLowerCase();
  // fromEntries defines own properties, so a `__proto__` header stays data.
  return Object.fromEntries([...map].sort(([a], [b]) => (fold(a) < fold(b) ? -1 : fold(a) > fold(b) ? 1 : 0)));
}

/**
 * The CONNECT event. `headers` are the upgrade request's headers as the integration sees them
 * (hop-by-hop ones removed, AWS's X-Forwarded-* / X-Amzn-Trace-Id added): client casing, names
 * merged case-insensitively, the single-value map keeping the last value as REST does.
 */
export function buildConnectEvent(
  meta: WebSocketConnectionMeta,
  req: WebSocketEventRequest,
  request: { readonly headers: readonly RequestHeader[]; readonly rawQuery: string },
): WebSocketConnectEvent {
  const headers = multiValueMaps(request.headers, 'last');
  const query = multiValueMaps(parseQuery(request.rawQuery), 'last');
  return {
    headers: sortedFolded(headers.single),
    multiValueHeaders: sortedFolded(headers.multi),
    ...(query.multi.size > 0
      ? { queryStringParameters: Object.fromEntries(query.single), multiValueQueryStringParameters: Object.fromEntries(query.multi) }
      : {}),
    ...stageVariables(meta),
    requestContext: requestContext(meta, req, 'CONNECT', '$connect'),
    isBase64Encoded: false,
  };
}

/**
 * A MESSAGE event: a text message as its UTF-8 text, a binary one as base64 with
 * `isBase64Encoded: true` (AWS itself closes on binary frames; see connection.ts).
 */
export function buildMessageEvent(
  meta: WebSocketConnectionMeta,
  req: WebSocketEventRequest,
  message: { readonly routeKey: string; readonly messageId: string; readonly data: Buffer; readonly binary: boolean },
): WebSocketMessageEvent {
  return {
    ...stageVariables(meta),
    requestContext: requestContext(meta, req, 'MESSAGE', message.routeKey, { messageId: message.messageId }),
    body: message.binary ? message.data.toString('base64') : message.data.toString('utf8'),
    isBase64Encoded: message.binary,
  };
}

/**
 * The DISCONNECT event. Its headers are not the client's: AWS sends the same four synthetic
 * ones on every disconnect (`Host`, and empty `x-api-key`, `X-Forwarded-For`, `x-restapi`).
 */
export function buildDisconnectEvent(
  meta: WebSocketConnectionMeta,
  req: WebSocketEventRequest,
  close: { readonly statusCode: number; readonly reason: string },
): WebSocketDisconnectEvent {
  const headers: Record<string, string> = { Host: meta.host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    ...stageVariables(meta),
    requestContext: requestContext(meta, req, 'DISCONNECT', '$disconnect', { disconnectStatusCode: close.statusCode, disconnectReason: close.reason }),
    isBase64Encoded: false,
  };
}
