/**
 * The "request finished" record every flavour hands over once per request (HTTP and REST
 * requests, WebSocket events): the access log and the metrics both read it.
 */
import type { WebSocketApi } from '../../model/index.ts';
import type { GatewayContext, GatewayResponse, RestContext } from '../types.ts';

/** How a WebSocket event failed, for AWS's ClientError / IntegrationError / ExecutionError metrics. */
export type WsOutcome = 'client-error' | 'integration-error' | 'execution-error';

/** One WebSocket event (CONNECT, MESSAGE, DISCONNECT) as the access log and metrics see it. */
export interface WsEventRecord {
  readonly requestId: string;
  readonly stage: string;
  readonly connectionId: string;
  readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  readonly routeKey: string;
  readonly status: number;
  readonly ip: string;
  /** `process.hrtime.bigint()` when the event began. */
  readonly start: bigint;
  readonly error?: string;
  /** Absent: a success, or a failure none of the three metrics counts (shutdown, client gone). */
  readonly outcome?: WsOutcome;
  /** ms the integration took, when one ran. */
  readonly integrationMs?: number;
}

/** Receives every finished request; implemented by observer.ts. */
export interface RequestObserver {
  /** An HTTP API request, after its response is final; `routeKey` is the matched route or `-`. */
  http(ctx: GatewayContext, response: GatewayResponse, routeKey: string): void;
  /** A REST request; `routeKey` is `METHOD /resource` or `-`; `deploymentId` is the API's `$context.deploymentId`. */
  rest(ctx: RestContext, response: GatewayResponse, routeKey: string, deploymentId: string): void;
  /** A WebSocket event; `writeDefault` writes the JSON access line, used when the stage has no format. */
  ws(api: WebSocketApi, record: WsEventRecord, writeDefault: () => void): void;
  /** A message sent to a WebSocket client (a two-way reply or an @connections post): AWS's MessageCount counts both directions. */
  wsMessageSent(api: WebSocketApi, stage: string): void;
}
