/**
 * The WebSocket handshake of a WebSocket API, as a flat list of guards (style.md #11): each
 * either passes or ends in `rejectUpgrade(socket, status, body)`. The last one hands the
 * socket to ws, which writes the 101 (RFC 6455 §4.2.2) and frames from then on.
 *
 *   1. shutting down               → 503
 *   2. RFC 6455 §4.2.1 handshake   → 400 (426 + Sec-WebSocket-Version for an unknown version)
 *   3. stage: the path is `/{stage}` of an existing stage, a query allowed → 403 Forbidden
 *   4. authorize ($connect Lambda authorizer)   → its 401 / 403 / 500
 *   5. $connect integration, while the handshake waits → its non-2xx status, 502 / 504 on failure
 *   6. the client left meanwhile   → no 101; `$disconnect` runs (1006), as `$connect` accepted it
 *   7. accept: 101, with the Sec-WebSocket-Protocol `$connect` returned
 *
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Stage } from '../model/index.ts';
import type { RequestHeader } from '../lambda/events/common.ts';
import { buildConnectEvent, type WebSocketConnectionMeta } from '../lambda/events/websocket.ts';
import { forwardedHeaders } from '../pipeline/6-integrate/aws-added-headers.ts';
import { HOP_BY_HOP, TOKEN } from '../util/http.ts';
import { shortId } from '../util/ids.ts';
import { normalizeIp, recordedClientAddress } from '../util/client-address.ts';
import { msBetween } from '../util/time.ts';
import { runDisconnect, WebSocketConnection } from './connection.ts';
import { WsIntegrationError, type WsIntegrationResult } from './integrate.ts';
import { logWsAccess, type WsApiContext } from './types.ts';

const json = (message: string): string => JSON.stringify({ message });
const JSON_TYPE = { 'Content-Type': 'application/json' } as const;

/**
 * Answers an upgrade request with a plain HTTP response and closes the socket: a handshake
 * the server refuses is an ordinary HTTP response (RFC 6455 §4.2.2, "the server MUST ... send
 * an appropriate HTTP error code").
 */
export function rejectUpgrade(socket: Duplex, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  if (socket.destroyed || !socket.writable) return;
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

// RFC 6455 §4.1: a base64-encoded 16-byte nonce.
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * RFC 6455 §4.1: Sec-WebSocket-Protocol is a list of distinct tokens. ws refuses anything else
 * (400) after $connect would already have run, so it is checked with the handshake.
 */
function validProtocols(value: string | undefined): boolean {
  if (value === undefined) return true;
  const seen = new Set<string>();
  for (const p of value.split(',')) {
    const token = p.trim();
    if (!TOKEN.test(token) || seen.has(token)) return false;
    seen.add(token);
  }
  return true;
}

/**
 * The upgrade request's headers as `$connect` sees them: hop-by-hop ones removed, AWS's
 * X-Forwarded-For / -Port / -Proto and X-Amzn-Trace-Id added by the one builder HTTP
 * integrations use, as in every captured CONNECT event (spec §2.3).
 */
function connectHeaders(req: IncomingMessage, sourceIp: string, peerIp: string): RequestHeader[] {
  const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  const flat = forwardedHeaders({ rawHeaders: req.rawHeaders, sourceIp, peerIp, localPort: req.socket.localPort ?? 0, scheme }, undefined, (lower) => HOP_BY_HOP.has(lower));
  const out: RequestHeader[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

/** The stage a request target names: exactly `/{stage}`, with or without a query. */
function stageOf(ctx: WsApiContext, rawUrl: string): { stage: Stage; rawQuery: string } | undefined {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const stage = path.startsWith('/') ? ctx.stages.get(path.slice(1)) : undefined;
  return stage ? { stage, rawQuery: q < 0 ? '' : rawUrl.slice(q + 1) } : undefined;
}

/** The value of a header in an integration's answer, any casing. */
function headerOf(result: WsIntegrationResult, lowerName: string): string | undefined {
  for (const [k, v] of Object.entries(result.headers ?? {})) if (k.toLowerCase() === lowerName) return v;
  return undefined;
}

/** Runs the guards for one upgrade request. Never rejects; owns `socket` from the first line. */
export async function handleUpgrade(ctx: WsApiContext, req: IncomingMessage, socket: Duplex, head: Buffer, rawUrl: string, track: (c: WebSocketConnection) => void): Promise<void> {
  // A client may reset while $connect runs; the error must not reach the process.
  socket.on('error', (err) => ctx.log.debug({ err }, 'upgrade socket error'));
  const start = process.hrtime.bigint();

  // 1. Shutting down: no new connections.
  if (ctx.closing()) return rejectUpgrade(socket, 503, json('Service Unavailable'), JSON_TYPE);

  // 2. The opening handshake (RFC 6455 §4.2.1). ws checks it again; checking first keeps
  //    $connect from running for requests that can never become connections.
  const version = req.headers['sec-websocket-version'];
  if (
    req.method !== 'GET' ||
    req.headers.upgrade?.toLowerCase() !== 'websocket' ||
    !KEY.test(req.headers['sec-websocket-key'] ?? '') ||
    !validProtocols(req.headers['sec-websocket-protocol'])
  ) {
    return rejectUpgrade(socket, 400, json('Bad Request'), JSON_TYPE);
  }
  if (version !== '13') return rejectUpgrade(socket, 426, json('Upgrade Required'), { ...JSON_TYPE, 'Sec-WebSocket-Version': '13' });

  // 3. Stage: "wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}" is the only URL
  //    (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-wscat.html).
  //    Another path or an unknown stage is refused as the execute-api front end refuses an
  //    unknown REST stage: 403 {"message":"Forbidden"} (spec §1.1, reported).
  const target = stageOf(ctx, rawUrl);
  if (!target) return rejectUpgrade(socket, 403, json('Forbidden'), JSON_TYPE);
  const { stage, rawQuery } = target;

  // Behind a trusted proxy the gateway recorded the X-Forwarded-For client (util/client-address.ts);
  // the chain $connect sees gets the TCP peer appended, as for HTTP integrations.
  const client = recordedClientAddress(req);
  const sourceIp = client?.sourceIp ?? normalizeIp(req.socket.remoteAddress ?? '');
  const headers = connectHeaders(req, sourceIp, client?.peerIp ?? sourceIp);
  const host = req.headers.host ?? '';
  const connectionId = shortId();
  const connectedAt = Date.now();
  let meta: WebSocketConnectionMeta = {
    apiId: ctx.api.apiId,
    stage: stage.stageName,
    connectionId,
    connectedAt,
    // The Host as sent, port included: on AWS it has no port (443), and locally the port lets
    // `https://${domainName}/${stage}` reach portico (lambda/loopback-https.ts).
    domainName: host,
    host,
    sourceIp,
    userAgent: req.headers['user-agent'],
    stageVariables: stage.stageVariables,
  };
  const log = ctx.log.child({ connectionId, stage: stage.stageName });
  const requestId = shortId();
  const access = { requestId, stage: stage.stageName, connectionId, eventType: 'CONNECT', routeKey: '$connect', ip: sourceIp, start } as const;

  // 4. Authorize: the $connect authorizer (websocket/authorizer.ts), before the integration.
  //    "If authorization fails on $connect, the connection will not be established, and the
  //    client will receive a 401 or 403 response" (page above).
  let connectMeta = meta;
  if (ctx.authorize) {
    const verdict = await ctx.authorize({ stage, headers, rawQuery, sourceIp, connectionId, meta, requestId, requestTimeEpoch: connectedAt });
    if (!verdict.allow) {
      logWsAccess(ctx, { ...access, status: verdict.status, error: 'not authorized', ...(verdict.status < 500 ? { outcome: 'client-error' } : {}) });
      return rejectUpgrade(socket, verdict.status, verdict.body, JSON_TYPE);
    }
    if (verdict.context) {
      // Every event of the connection carries {...context, principalId}; CONNECT also the
      // authorizer's integrationLatency, as captured CONNECT and MESSAGE events show.
      meta = { ...meta, authorizer: verdict.context };
      connectMeta = verdict.integrationLatency === undefined ? meta : { ...meta, authorizer: { ...verdict.context, integrationLatency: verdict.integrationLatency } };
    }
  }

  // 5. $connect runs during the upgrade; the handshake waits for it. No route or no
  //    integration: accepted. A non-2xx statusCode rejects with that status (spec §3.3, §11.1).
  const compiled = ctx.routes.get('$connect');
  let result: WsIntegrationResult = {};
  let integrationMs: number | undefined;
  if (compiled?.integrate) {
    const integrationStart = process.hrtime.bigint();
    try {
      const event = buildConnectEvent(connectMeta, { requestId, requestTimeEpoch: connectedAt }, { headers, rawQuery });
      result = await compiled.integrate({ event, headers, stageVariables: stage.stageVariables, log: log.child({ requestId, routeKey: '$connect' }) });
      integrationMs = msBetween(integrationStart, process.hrtime.bigint());
    } catch (err) {
      const known = err instanceof WsIntegrationError;
      if (!known) log.error({ code: 'PORTICO_ERR_WS_UPGRADE', err }, '$connect failed unexpectedly');
      const status = known ? err.status : 500;
      logWsAccess(ctx, { ...access, status, error: (err as Error).message, outcome: 'execution-error', integrationMs: msBetween(integrationStart, process.hrtime.bigint()) });
      return rejectUpgrade(socket, status, json(status === 504 ? 'Endpoint request timed out' : 'Internal server error'), JSON_TYPE);
    }
  }
  const status = result.statusCode ?? 200;
  if (status < 200 || status > 299) {
    logWsAccess(ctx, { ...access, status, error: '$connect answered a non-2xx status', outcome: 'integration-error', ...(integrationMs !== undefined ? { integrationMs } : {}) });
    const body = typeof result.body === 'string' ? result.body : (result.body?.toString('utf8') ?? '');
    const type = headerOf(result, 'content-type');
    return rejectUpgrade(socket, status, body, type ? { 'Content-Type': type } : {});
  }

  // 6. The client gave up while $connect ran, or shutdown began: no connection, but $connect
  //    accepted it, so the application hears $disconnect (the socket is already gone: 1006).
  if (socket.destroyed || !socket.writable || ctx.closing()) {
    const closing = ctx.closing();
    logWsAccess(ctx, { ...access, status: closing ? 503 : 499, error: closing ? 'shutting down' : 'client left during $connect' });
    if (closing) rejectUpgrade(socket, 503, json('Service Unavailable'), JSON_TYPE);
    else socket.destroy();
    await runDisconnect(ctx, meta, closing ? { code: 1001, reason: 'Going away' } : { code: 1006, reason: '' }, log);
    return;
  }

  // 7. Accept. The subprotocol is the one the $connect function chose: AWS's example "returns
  //    the Sec-WebSocket-Protocol header to clients" and answers 400 to a client offering none it
  //    supports (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-connect-route-subprotocol.html).
  //    handleProtocols (websocket-api.ts) reads it from here. Without one, none is echoed.
  const protocol = headerOf(result, 'sec-websocket-protocol');
  if (protocol !== undefined) ctx.protocols.set(req, protocol);
  logWsAccess(ctx, { ...access, status: 200, ...(integrationMs !== undefined ? { integrationMs } : {}) });
  ctx.wss.handleUpgrade(req, socket, head, (ws) => track(new WebSocketConnection(ctx, ws, socket, meta)));
}
