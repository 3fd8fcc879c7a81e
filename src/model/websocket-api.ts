/**
 * WebSocket APIs, shaped like apigatewayv2's Api (protocolType WEBSOCKET), Route,
 * RouteResponse and Integration.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-overview.html
 */
import type { Integration, Stage } from './http-api.ts';

/**
 * A Lambda `REQUEST` authorizer of the `$connect` route (apigatewayv2 Authorizer with
 * authorizerType REQUEST): "You can only use a Lambda authorizer function for the $connect route."
 * No result caching: "Authorizer caching is not currently supported" for WebSocket APIs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export interface WebSocketAuthorizer {
  readonly authorizerId: string;
  readonly name: string;
  /** The local function (may hold `${stageVariables.x}`). */
  readonly functionName: string;
  /** `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations`. */
  readonly authorizerUri: string;
  /**
   * `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`, `context.X`;
   * each must be present and non-empty or the handshake gets 401 without invoking. May be empty.
   */
  readonly identitySource: readonly string[];
  readonly source: string;
}

export interface WebSocketRoute {
  readonly routeId: string;
  /** `$connect`, `$disconnect`, `$default` or a custom key (never starting with `$`). */
  readonly routeKey: string;
  /** Optional on `$connect` (accepted without one) and `$disconnect`, as on AWS. */
  readonly integration?: Integration;
  /**
   * Two-way route: a route response `$default` exists (routeResponseSelectionExpression
   * `$default`), so the integration's result body is sent back to the client.
   */
  readonly twoWay: boolean;
  /** `$connect` only: its Lambda authorizer (`authorizationType: CUSTOM`). */
  readonly authorizer?: WebSocketAuthorizer;
  readonly source: string;
}

/** AWS's WebSocket limits, configurable per API (`limits:` in portico.yaml). */
export interface WebSocketLimits {
  /** Idle timeout; AWS: 10 minutes. */
  readonly idleTimeoutMs: number;
  /** Maximum connection duration; AWS: 2 hours. */
  readonly maxConnectionMs: number;
  /** Frame size; AWS: 32 KB. A larger frame closes the connection with 1009. */
  readonly maxFrameBytes: number;
  /** Message payload; AWS: 128 KB. A larger message closes the connection with 1009. */
  readonly maxMessageBytes: number;
  /** Whether client pings (and other control frames) count as activity for the idle timer; AWS: no. */
  readonly pingResetsIdle: boolean;
  /**
   * Whether binary frames are accepted (as base64 in the event, `isBase64Encoded: true`).
   * AWS: no, "API Gateway rejects it and disconnects the client with code 1003"
   * (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html).
   * Absent = AWS's behaviour.
   */
  readonly acceptBinaryMessages?: boolean;
}

export const AWS_WEBSOCKET_LIMITS: WebSocketLimits = {
  idleTimeoutMs: 10 * 60_000,
  maxConnectionMs: 2 * 3_600_000,
  maxFrameBytes: 32 * 1024,
  maxMessageBytes: 128 * 1024,
  pingResetsIdle: false,
};

export interface WebSocketApi {
  readonly apiId: string;
  readonly name: string;
  readonly protocolType: 'WEBSOCKET';
  /** e.g. `$request.body.action`. */
  readonly routeSelectionExpression: string;
  readonly routes: readonly WebSocketRoute[];
  /** WebSocket stages are always named (`ws://host/{stage}`); no `$default` stage. */
  readonly stages: readonly Stage[];
  readonly limits: WebSocketLimits;
  readonly port?: number;
  readonly source: string;
}
