/**
 * What the server holds per API, whatever its flavour: built once per project load
 * (pipeline/http-api.ts, websocket/websocket-api.ts), swapped whole on reload.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { AnyApi } from '../model/index.ts';
import type { LambdaRuntime } from '../lambda/types.ts';
import type { RateLimitStore } from '../state/rate-limit/types.ts';
import type { QuotaStore } from '../state/quota/types.ts';
import type { AuthorizerCacheStore } from '../state/authorizer-cache/types.ts';
import type { ResponseCacheStore } from '../state/response-cache/types.ts';
import type { AccessTables } from './2-authorize/api-key.ts';
import type { ConnectionRegistry } from '../state/connections/types.ts';
import type { BaseContext, GatewayRequest, GatewayResponse } from './types.ts';
import type { RequestObserver } from './8-log/observer-types.ts';

export interface CompiledApi {
  readonly api: AnyApi;
  /** An HTTP request: every request of an HTTP API; the @connections API of a WebSocket API. Never rejects. */
  handle(request: GatewayRequest): Promise<{ ctx?: BaseContext; response: GatewayResponse }>;
  /**
   * An HTTP upgrade (WebSocket APIs). `rawUrl` is the request target after API dispatch
   * (the `/_aws/execute-api/{id}` prefix removed). Takes ownership of the socket.
   */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, rawUrl: string): void;
  /** Live connections (WebSocket APIs): the generation stays alive while any remain. */
  readonly activeConnections?: number;
  /** Graceful shutdown: WebSocket APIs close their connections with 1001 and run `$disconnect`. */
  close?(): Promise<void>;
}

/** What every flavour gets from the gateway process. */
export interface ApiDeps {
  readonly runtime: LambdaRuntime;
  readonly rateLimits: RateLimitStore;
  /** Usage-plan quota counters (REST). */
  readonly quotas: QuotaStore;
  /** Lambda authorizer results (REST); absent: each API keeps its own in memory. */
  readonly authorizerCache?: AuthorizerCacheStore;
  /** The REST stage cache (memory, or Redis shared by every node); absent: each API keeps its own in memory. */
  readonly responseCache?: ResponseCacheStore;
  /** The project's API keys and usage plans (REST). */
  readonly access: AccessTables;
  readonly connections: ConnectionRegistry;
  readonly accountId: string;
  readonly region: string;
  /** Cognito user pool id → issuer URL (REST Cognito authorizers; portico.yaml `cognito.issuers`). */
  readonly cognitoIssuers?: Readonly<Record<string, string>>;
  /** This process's id in shared state (connection registry). */
  readonly nodeId: string;
  /** A failing rate-limit or quota store lets requests through (default true) or answers 500 (`state.failMode`). */
  readonly failOpen?: boolean;
  readonly logger: Logger;
  readonly accessLog: Logger;
  /** Takes every finished request: stage access-log formats and metrics (8-log/observer.ts). Absent: the JSON access line only. */
  readonly observer?: RequestObserver;
}
