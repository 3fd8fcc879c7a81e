/**
 * What the pieces of one compiled WebSocket API share: the upgrade guards (upgrade.ts), the
 * live connections (connection.ts) and the API object that owns them (websocket-api.ts).
 * Types only, plus the access-log line every event writes.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { Stage, WebSocketApi, WebSocketLimits, WebSocketRoute } from '../model/index.ts';
import type { ApiDeps } from '../pipeline/compiled-api.ts';
import type { WsEventRecord } from '../pipeline/8-log/observer-types.ts';
import { writeAccessRecord } from '../pipeline/8-log/access-line.ts';
import type { RequestHeader } from '../lambda/events/common.ts';
import type { WebSocketConnectionMeta } from '../lambda/events/websocket.ts';
import type { WsIntegration } from './integrate.ts';
import type { RouteTable } from './route-selection.ts';

/** A route with its compiled integration (absent: `$connect`/`$disconnect` may have none). */
export interface CompiledWsRoute {
  readonly route: WebSocketRoute;
  readonly integrate: WsIntegration | undefined;
}

/**
 * The `$connect` authorizer's verdict. Allowed: its context becomes `requestContext.authorizer`
 * of every event of the connection (the CONNECT event's also carries `integrationLatency`).
 * Denied: the handshake is rejected with `status` (AWS: 401 or 403, 500 when the authorizer fails).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export type ConnectAuthorization =
  | { readonly allow: true; readonly context?: Readonly<Record<string, unknown>>; readonly integrationLatency?: number }
  | { readonly allow: false; readonly status: number; readonly body: string };

/** What an authorizer sees of the upgrade request. */
export interface ConnectRequest {
  readonly stage: Stage;
  readonly headers: readonly RequestHeader[];
  readonly rawQuery: string;
  readonly sourceIp: string;
  readonly connectionId: string;
  /** What the CONNECT event is built from; the authorizer's event mirrors it. */
  readonly meta: WebSocketConnectionMeta;
  /** The CONNECT request's id and time (the authorizer's event carries the same). */
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

/** Runs before `$connect`, only when the route has an authorizer (websocket/authorizer.ts). */
export type ConnectAuthorizer = (request: ConnectRequest) => Promise<ConnectAuthorization>;

/** One compiled WebSocket API's shared state. */
export interface WsApiContext {
  readonly api: WebSocketApi;
  readonly deps: ApiDeps;
  /** The gateway log with `api` and `apiId`. */
  readonly log: Logger;
  readonly limits: WebSocketLimits;
  readonly stages: ReadonlyMap<string, Stage>;
  /** By route key. */
  readonly routes: ReadonlyMap<string, CompiledWsRoute>;
  readonly table: RouteTable;
  /** `noServer` ws server doing the RFC 6455 handshake and framing. */
  readonly wss: WebSocketServer;
  /** Subprotocol the `$connect` integration chose, per upgrade request (read by `handleProtocols`). */
  readonly protocols: WeakMap<IncomingMessage, string>;
  /** The authorizer of `$connect`; absent = none configured. */
  readonly authorize: ConnectAuthorizer | undefined;
  /** Shutting down: no new connections. */
  readonly closing: () => boolean;
}

/** One access-log line per WebSocket event: the record the observer turns into the log line and metrics. */
export type WsAccessFields = WsEventRecord;

/**
 * Writes the line. Fields as in https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html
 * (`$context.requestId`, `eventType`, `routeKey`, `status`, `connectionId`...).
 */
export function logWsAccess(ctx: WsApiContext, f: WsAccessFields): void {
  // The observer counts the metrics and writes the stage's access-log format, or this line.
  if (ctx.deps.observer) ctx.deps.observer.ws(ctx.api, f, () => writeWsAccess(ctx, f));
  else writeWsAccess(ctx, f);
}

/** portico's JSON access line of a WebSocket event. */
function writeWsAccess(ctx: WsApiContext, f: WsAccessFields): void {
  writeAccessRecord(ctx.deps.accessLog, {
    requestId: f.requestId,
    api: ctx.api.name,
    apiId: ctx.api.apiId,
    stage: f.stage,
    connectionId: f.connectionId,
    eventType: f.eventType,
    routeKey: f.routeKey,
    status: f.status,
    latency: Math.round(Number(process.hrtime.bigint() - f.start) / 1e4) / 100,
    ip: f.ip,
    ...(f.error !== undefined ? { errorMessage: f.error } : {}),
  });
}
