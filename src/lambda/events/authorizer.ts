/**
 * The events Lambda authorizers receive: REST `TOKEN` and `REQUEST`, and the WebSocket
 * `$connect` `REQUEST` event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 *
 * - TOKEN: `{type, authorizationToken, methodArn}` and nothing else.
 * - REST REQUEST: "the proxy-event shape without body" — `type` and `methodArn` first, then the
 *   AWS_PROXY event's fields (resource, path, httpMethod, headers, multiValueHeaders, query maps,
 *   pathParameters, stageVariables, requestContext), built by the same builder as the proxy event
 *   so both always agree; `body` and `isBase64Encoded` are left out.
 * - WebSocket REQUEST: the CONNECT event with `type` and `methodArn` first and without
 *   `isBase64Encoded` (spec §2.3: CONNECT is "the $connect authorizer input without type and
 *   methodArn, plus isBase64Encoded"). Its `methodArn` ends in `/$connect`: "it has no HTTP method".
 *
 * Where AWS's hand-written sample disagrees with the proxy event (`pathParameters: {}` for a
 * resource without variables), the proxy event's recorded shape (`null`) is kept.
 */
import type { RestContext } from '../../pipeline/types.ts';
import type { RequestHeader } from './common.ts';
import { buildRestV1Event, type RestEventInfo, type RestV1Event } from './rest-v1.ts';
import { buildConnectEvent, type WebSocketConnectEvent, type WebSocketConnectionMeta, type WebSocketEventRequest } from './websocket.ts';

/** A TOKEN authorizer's event. */
export interface TokenAuthorizerEvent {
  readonly type: 'TOKEN';
  /** The identity source header's value, as sent. */
  readonly authorizationToken: string;
  readonly methodArn: string;
}

/** A REST REQUEST authorizer's event: the proxy event without `body` / `isBase64Encoded`. */
export type RestRequestAuthorizerEvent = { readonly type: 'REQUEST'; readonly methodArn: string } & Omit<RestV1Event, 'body' | 'isBase64Encoded'>;

/** A WebSocket `$connect` REQUEST authorizer's event: the CONNECT event without `isBase64Encoded`. */
export type WebSocketAuthorizerEvent = { readonly type: 'REQUEST'; readonly methodArn: string } & Omit<WebSocketConnectEvent, 'isBase64Encoded'>;

/** Any authorizer event. */
export type AuthorizerEvent = TokenAuthorizerEvent | RestRequestAuthorizerEvent | WebSocketAuthorizerEvent;

/** Guard: whether a value is an authorizer event (by `type` and `methodArn`). */
export function isAuthorizerEvent(value: unknown): value is AuthorizerEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { type, methodArn } = value as { type?: unknown; methodArn?: unknown };
  return (type === 'TOKEN' || type === 'REQUEST') && typeof methodArn === 'string';
}

/** The TOKEN event. */
export function buildTokenAuthorizerEvent(authorizationToken: string, methodArn: string): TokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn };
}

/**
 * The REST REQUEST event. Requires `ctx.match`; `ctx.request.rawHeaders` must already hold the
 * headers AWS adds (X-Forwarded-*, trace id), as for the proxy event.
 */
export function buildRestRequestAuthorizerEvent(ctx: RestContext, methodArn: string, info: RestEventInfo): RestRequestAuthorizerEvent {
  // The authorizer runs before anything else has established an identity or authorizer.
  const { body: _body, isBase64Encoded: _b64, ...event } = buildRestV1Event(ctx, Buffer.alloc(0), info);
  return { type: 'REQUEST', methodArn, ...event };
}

/** The WebSocket `$connect` REQUEST event: the CONNECT event's headers, query and requestContext. */
export function buildWebSocketAuthorizerEvent(
  meta: WebSocketConnectionMeta,
  req: WebSocketEventRequest,
  request: { readonly headers: readonly RequestHeader[]; readonly rawQuery: string },
  methodArn: string,
): WebSocketAuthorizerEvent {
  // The authorizer's own result is not part of its input.
  const { authorizer: _a, ...bare } = meta;
  const { isBase64Encoded: _b64, ...event } = buildConnectEvent(bare, req, request);
  return { type: 'REQUEST', methodArn, ...event };
}
