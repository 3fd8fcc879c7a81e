/**
 * The `@connections` management API of a WebSocket API (service `apigatewaymanagementapi`,
 * protocol rest-json): what a backend calls to push a message to a client, read its connection
 * or drop it. The WebSocket core hands every plain HTTP request that reaches a WebSocket API here.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 *
 *   POST   /{stage}/@connections/{id}   PostToConnection  → 200, empty body
 *   GET    /{stage}/@connections/{id}   GetConnection     → 200 {"connectedAt","identity","lastActiveAt"}
 *   DELETE /{stage}/@connections/{id}   DeleteConnection  → 204
 *
 * Errors are rest-json: the status, `x-amzn-ErrorType: <shape>` and, except for GoneException,
 * a `{"message": …}` body. Every response carries `x-amzn-RequestId`. What was confirmed and
 * what was chosen is listed in docs/websocket-connections.md.
 *
 * SigV4: callers sign with service `execute-api`. With `credentials` in portico.yaml every call
 * must be signed by one of them (pipeline/2-authorize/sigv4.ts; failures are 403 with AWS's
 * exception in `x-amzn-ErrorType`: MissingAuthenticationTokenException, InvalidSignatureException,
 * IncompleteSignatureException, UnrecognizedClientException). Without credentials, calls are
 * accepted signed or not, as before (a local default; docs/websocket-connections.md).
 * A key with identity policies (`credentials[].policies`) needs `execute-api:ManageConnections`
 * on the call's resource (pipeline/2-authorize/identity-policy.ts); a key without may call.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/index.ts';
import type { GatewayRequest, GatewayResponse, HeaderPair } from '../pipeline/types.ts';
import type { ConnectionInfo, ConnectionRegistry } from '../state/connections/types.ts';
import { SigV4Error, verifySigV4, type IamCaller, type SigV4Options } from '../pipeline/2-authorize/sigv4.ts';
import { manageConnectionsRefusal } from '../pipeline/2-authorize/identity-policy.ts';

/** PostToConnection's `Data` limit: `max: 131072` in the service model (128 KB, the WebSocket message limit). */
export const MAX_POST_BYTES = 131_072;

/** What {@link createConnectionsApi} needs from the WebSocket API it serves. */
export interface ConnectionsApiDeps {
  /** Where the live connections are (shared by every API of the gateway). */
  readonly registry: ConnectionRegistry;
  readonly logger: Logger;
  /** The API's stage names: the first path segment must be one of them. */
  readonly stages: ReadonlySet<string>;
  /** Connections of other APIs are gone for this one. */
  readonly apiId: string;
  /** Epoch ms recorded as `lastActiveAt` after a post. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * SigV4 verification (the project's `credentials`, region, account, this API's id). Absent,
   * or with no credentials: unsigned calls are accepted.
   */
  readonly sigv4?: SigV4Options;
}

/**
 * Builds the handler of a WebSocket API's `@connections` requests. The handler never rejects:
 * an unexpected failure (a registry outage) is logged with PORTICO_ERR_WS_CONNECTIONS_INTERNAL
 * and answered 500 InternalServerErrorException.
 */
export function createConnectionsApi(deps: ConnectionsApiDeps): (request: GatewayRequest) => Promise<GatewayResponse> {
  const { registry, logger, stages, apiId } = deps;
  const clock = deps.clock ?? Date.now;

  /** The connection's record, if it is live on this API and stage (ids are per API on AWS). */
  async function live(connectionId: string, stage: string): Promise<ConnectionInfo | undefined> {
    const info = await registry.get(connectionId);
    return info !== undefined && info.apiId === apiId && info.stage === stage ? info : undefined;
  }

  async function postToConnection(request: GatewayRequest, requestId: string, stage: string, connectionId: string): Promise<GatewayResponse> {
    let data: Buffer;
    try {
      data = await request.body.read();
    } catch (err) {
      // The edge stops reading at 10 MB; anything past 128 KB gets the same answer.
      if (err instanceof GatewayError && err.type === 'REQUEST_TOO_LARGE') return tooLarge(requestId);
      throw err;
    }
    if (data.length > MAX_POST_BYTES) return tooLarge(requestId);
    if ((await live(connectionId, stage)) === undefined) return gone(requestId);
    // AWS delivers posts as text frames (its clients base64-encode binary data themselves);
    // bytes that are not UTF-8 would make a text frame invalid (RFC 6455 §8.1: the client
    // fails the connection with 1007), so those go out as a binary frame instead.
    if ((await registry.send(connectionId, data, !isUtf8(data))) === 'gone') return gone(requestId);
    await registry.touch(connectionId, clock());
    return { statusCode: 200, headers: [['x-amzn-RequestId', requestId]], body: null };
  }

  async function getConnection(requestId: string, stage: string, connectionId: string): Promise<GatewayResponse> {
    const info = await live(connectionId, stage);
    if (info === undefined) return gone(requestId);
    // rest-json timestamps are ISO-8601 strings on the wire; SDKs turn them into dates.
    const body = {
      connectedAt: new Date(info.connectedAt).toISOString(),
      identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
      lastActiveAt: new Date(info.lastActiveAt).toISOString(),
    };
    return json(200, requestId, body);
  }

  async function deleteConnection(requestId: string, stage: string, connectionId: string): Promise<GatewayResponse> {
    if ((await live(connectionId, stage)) === undefined) return gone(requestId);
    if ((await registry.disconnect(connectionId)) === 'gone') return gone(requestId);
    // DeleteConnection's modelled `responseCode` is 204.
    return { statusCode: 204, headers: [['x-amzn-RequestId', requestId]], body: null };
  }

  const sigv4 = deps.sigv4 !== undefined && deps.sigv4.credentials.length > 0 ? deps.sigv4 : undefined;

  /** The caller must be signed before anything else is looked at; a refusal as AWS words it, or who signed. */
  async function authenticate(request: GatewayRequest, requestId: string): Promise<GatewayResponse | IamCaller | undefined> {
    if (!sigv4) return undefined;
    try {
      return await verifySigV4(request, sigv4);
    } catch (err) {
      if (err instanceof SigV4Error) return error(403, err.awsErrorType, requestId, err.bodyMessage ?? 'Forbidden');
      if (err instanceof GatewayError && err.type === 'REQUEST_TOO_LARGE') return tooLarge(requestId);
      throw err;
    }
  }

  async function route(request: GatewayRequest, requestId: string): Promise<GatewayResponse> {
    const auth = await authenticate(request, requestId);
    if (auth && 'statusCode' in auth) return auth;
    const target = parseConnectionsPath(request.rawPath, stages);
    // No stage, or not one of this API's: execute-api's answer to an unknown stage.
    if (target.kind === 'unknown-stage') return error(403, 'ForbiddenException', requestId, 'Forbidden');
    const { method } = request;
    if (target.kind === 'no-route' || (method !== 'POST' && method !== 'GET' && method !== 'DELETE')) {
      // The wording AWS's router uses (reported), with the route after the stage, decoded.
      return error(404, 'NotFoundException', requestId, `No method found matching route ${target.route} for http method ${method}.`);
    }
    const { stage, connectionId } = target;
    // The signer's identity policies need execute-api:ManageConnections (identity-policy.ts):
    // 403 AccessDeniedException with AWS's capitalised `Message`.
    const denied = auth && sigv4 ? manageConnectionsRefusal(sigv4.credentials, { region: sigv4.region, accountId: sigv4.accountId, apiId, stage }, request, auth) : undefined;
    if (denied !== undefined) return json(403, requestId, { Message: denied }, [['x-amzn-ErrorType', 'AccessDeniedException']]);
    if (method === 'POST') return postToConnection(request, requestId, stage, connectionId);
    if (method === 'GET') return getConnection(requestId, stage, connectionId);
    return deleteConnection(requestId, stage, connectionId);
  }

  return async (request) => {
    // A rest-json AWS service: request ids are UUIDs.
    const requestId = randomUUID();
    try {
      const response = await route(request, requestId);
      logger.debug({ requestId, method: request.method, path: request.rawPath, status: response.statusCode }, '@connections');
      return response;
    } catch (err) {
      logger.error({ code: 'PORTICO_ERR_WS_CONNECTIONS_INTERNAL', requestId, err }, '@connections request failed');
      return error(500, 'InternalServerErrorException', requestId, 'Internal server error');
    }
  };
}

function json(status: number, requestId: string, body: unknown, extra: readonly HeaderPair[] = []): GatewayResponse {
  return {
    statusCode: status,
    headers: [['x-amzn-RequestId', requestId], ...extra, ['content-type', 'application/json']],
    body: JSON.stringify(body),
  };
}

function error(status: number, type: string, requestId: string, message: string): GatewayResponse {
  return json(status, requestId, { message }, [['x-amzn-ErrorType', type]]);
}

/**
 * 410 GoneException with an EMPTY body: SDK reports show no JSON at all (aws-sdk-js v2's
 * message is the bare status "410", which it only uses when the body is empty; the PHP SDK fails
 * to parse the body as JSON). https://github.com/aws/aws-sdk-js-v3/issues/2763,
 * https://github.com/georgeboot/laravel-echo-api-gateway/issues/9
 */
function gone(requestId: string): GatewayResponse {
  return { statusCode: 410, headers: [['x-amzn-RequestId', requestId], ['x-amzn-ErrorType', 'GoneException']], body: null };
}

function tooLarge(requestId: string): GatewayResponse {
  return error(413, 'PayloadTooLargeException', requestId, 'Message too long');
}

/** Where a request points: the connection it names, or why it names none. */
type Target =
  | { readonly kind: 'unknown-stage' }
  | { readonly kind: 'no-route'; readonly route: string }
  | { readonly kind: 'connection'; readonly route: string; readonly stage: string; readonly connectionId: string };

/**
 * Splits `/{stage}/@connections/{connectionId}` (raw, undecoded). SDKs send `@` as is or as
 * `%40` and percent-encode the id (`=` → `%3D`), as the AWS example
 * `POST /prod/%40connections/R0oXAdfD0kwCH6w%3D` shows, so both spellings are accepted and the
 * id is decoded. An id can't contain `/` unencoded: extra segments match no route.
 */
function parseConnectionsPath(rawPath: string, stages: ReadonlySet<string>): Target {
  const segments = rawPath.split('/');
  const stage = decode(segments[1] ?? '');
  if (stage === undefined || !stages.has(stage)) return { kind: 'unknown-stage' };
  const route = segments.slice(2).join('/');
  const decodedRoute = decode(route) ?? route;
  const [resource, rawId, ...rest] = segments.slice(2);
  const connectionId = rawId === undefined ? undefined : decode(rawId);
  const isResource = resource === '@connections' || resource === '%40connections';
  if (!isResource || connectionId === undefined || connectionId === '' || rest.length > 0) return { kind: 'no-route', route: decodedRoute };
  return { kind: 'connection', route: decodedRoute, stage, connectionId };
}

/** `decodeURIComponent`, or undefined for malformed escapes (`%E0%A4%A`). */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
