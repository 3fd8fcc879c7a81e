/**
 * One live WebSocket connection: its messages are routed (route-selection.ts), integrated
 * (integrate.ts) and, on two-way routes, answered; its limits are enforced; and when it ends,
 * however it ends, `$disconnect` runs exactly once, after the socket is closed.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-overview.html
 *
 * Close codes portico sends, and the `disconnectStatusCode` / `disconnectReason` the
 * `$disconnect` event then carries (AWS documents the limits, not the codes of its own closes;
 * 1001 is what its captured DISCONNECT events show):
 *   idle timeout              1001 "Going away"
 *   maximum duration          1001 "Going away"
 *   shutdown (close())        1001 "Going away"
 *   frame over maxFrameBytes  1009 "Message too big"  (AWS limits page: "closes the connection with 1009")
 *   message over maxMessageBytes  1009, no reason  (ws's maxPayload)
 *   binary frame              1003 "Unsupported data" (AWS binary media types page: "disconnects the client with code 1003")
 *   DeleteConnection          whatever the registry passes to close(code, reason)
 * A client's own close keeps its code and reason; a connection lost without a close frame is 1006.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { LocalConnection } from '../state/connections/types.ts';
import { buildDisconnectEvent, buildMessageEvent, type WebSocketConnectionMeta } from '../lambda/events/websocket.ts';
import { shortId } from '../util/ids.ts';
import { msBetween } from '../util/time.ts';
import { FrameSizeGuard } from './frame-size.ts';
import { WsIntegrationError, type WsIntegrationResult } from './integrate.ts';
import { logWsAccess, type WsApiContext } from './types.ts';

const GOING_AWAY = { code: 1001, reason: 'Going away' } as const;

/**
 * AWS's error frame: `{"message": "Forbidden", "connectionId":"…", "requestId":"…"}`, spaced
 * exactly as AWS writes it (one space after the first colon only), as seen from real APIs:
 * https://github.com/aws-samples/simple-websockets-chat-app/issues/24 (Forbidden) and
 * https://github.com/aws-samples/simple-websockets-chat-app/issues/42 (Internal server error).
 */
export function errorFrame(message: 'Forbidden' | 'Internal server error', connectionId: string, requestId: string): string {
  return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}

/** ws's error codes → the close code ws sent for them (ws keeps the code in a private symbol). */
function closeCodeOf(err: Error & { code?: string }): number {
  switch (err.code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return 1009;
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    default:
      return 1002;
  }
}

/** ws hands over a Buffer with the default binaryType; the other shapes are normalised anyway. */
const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/**
 * Runs `$disconnect` for a connection (best effort: failures are logged, the result is never
 * sent). Also used by the upgrade when a client leaves after `$connect` accepted it.
 */
export async function runDisconnect(ctx: WsApiContext, meta: WebSocketConnectionMeta, close: { code: number; reason: string }, log: Logger): Promise<void> {
  const compiled = ctx.routes.get('$disconnect');
  if (!compiled?.integrate) return;
  const requestId = shortId();
  const start = process.hrtime.bigint();
  const event = buildDisconnectEvent(meta, { requestId, requestTimeEpoch: Date.now() }, { statusCode: close.code, reason: close.reason });
  let status = 200;
  let error: string | undefined;
  const integrationStart = process.hrtime.bigint();
  try {
    await compiled.integrate({ event, stageVariables: meta.stageVariables, log });
  } catch (err) {
    status = err instanceof WsIntegrationError ? err.status : 500;
    error = (err as Error).message;
    log.warn({ code: 'PORTICO_ERR_WS_DISCONNECT', requestId, err }, `$disconnect failed (its result is never sent): ${error}`);
  }
  const integrationMs = msBetween(integrationStart, process.hrtime.bigint());
  logWsAccess(ctx, { requestId, stage: meta.stage, connectionId: meta.connectionId, eventType: 'DISCONNECT', routeKey: '$disconnect', status, ip: meta.sourceIp, start, integrationMs, ...(error !== undefined ? { error, outcome: 'execution-error' } : {}) });
}

/** A connection held by this node; the registry reaches it through {@link LocalConnection}. */
export class WebSocketConnection implements LocalConnection {
  readonly meta: WebSocketConnectionMeta;
  /** Resolves once the socket is closed and `$disconnect` has run. */
  readonly done: Promise<void>;
  readonly #ctx: WsApiContext;
  readonly #ws: WebSocket;
  /** Made on first use (see #log): an idle connection then holds no logger of its own. */
  #logger: Logger | undefined;
  readonly #idle: NodeJS.Timeout;
  readonly #maxDuration: NodeJS.Timeout;
  /** Set when portico closes: what `$disconnect` reports (ws would report the client's echo, or 1006). */
  #serverClose: { code: number; reason: string } | undefined;
  #closed = false;
  /** The registry's add: a remove waits for it, so a slow store never keeps a ghost. */
  readonly #registered: Promise<void>;
  #resolveDone!: () => void;

  constructor(ctx: WsApiContext, ws: WebSocket, socket: Duplex, meta: WebSocketConnectionMeta) {
    this.#ctx = ctx;
    this.#ws = ws;
    this.meta = meta;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    const limits = ctx.limits;

    // AWS: idle connection timeout 10 minutes, connection duration 2 hours
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    this.#idle = setTimeout(() => this.#closeWith(GOING_AWAY.code, GOING_AWAY.reason, 'idle timeout'), limits.idleTimeoutMs).unref();
    this.#maxDuration = setTimeout(() => this.#closeWith(GOING_AWAY.code, GOING_AWAY.reason, 'maximum connection duration'), limits.maxConnectionMs).unref();

    // Frames over the frame limit close with 1009 (frame-size.ts), messages over the message
    // limit too (ws's maxPayload, set on the server).
    const guard = new FrameSizeGuard(limits.maxFrameBytes);
    const onData = (chunk: Buffer): void => {
      const size = guard.push(chunk);
      if (size >= 0) {
        socket.off('data', onData);
        this.#closeWith(1009, 'Message too big', `a ${size}-byte frame (limit ${limits.maxFrameBytes})`);
      }
    };
    socket.on('data', onData);

    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(toBuffer(data), isBinary));
    // ws answers pings itself; AWS doesn't count them as activity (pingResetsIdle: false).
    ws.on('ping', () => {
      if (limits.pingResetsIdle) this.#idle.refresh();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const code = closeCodeOf(err);
      this.#serverClose ??= { code, reason: '' };
      this.#log.info({ code: 'PORTICO_ERR_WS_PROTOCOL', wsCode: err.code, closeCode: code }, `closing ${meta.connectionId}: ${err.message}`);
    });
    ws.on('close', (code: number, reason: Buffer) => void this.#onClose(code, reason.toString('utf8')));

    this.#registered = ctx.deps.connections.add(
      { connectionId: meta.connectionId, apiId: meta.apiId, stage: meta.stage, connectedAt: meta.connectedAt, lastActiveAt: meta.connectedAt, sourceIp: meta.sourceIp, userAgent: meta.userAgent ?? '', nodeId: ctx.deps.nodeId },
      this,
    ).catch((err: unknown) => this.#log.error({ code: 'PORTICO_ERR_WS_REGISTRY', err }, `could not register ${meta.connectionId}; @connections will not reach it`));
  }

  get #log(): Logger {
    return (this.#logger ??= this.#ctx.log.child({ connectionId: this.meta.connectionId, stage: this.meta.stage }));
  }

  get connectionId(): string {
    return this.meta.connectionId;
  }

  /** Sends one message (a two-way reply or a PostToConnection). Rejects when the connection is gone. */
  send(data: Buffer, binary: boolean): Promise<void> {
    if (this.#closed || this.#serverClose || this.#ws.readyState !== this.#ws.OPEN) {
      return Promise.reject(Object.assign(new Error(`connection ${this.meta.connectionId} is gone`), { code: 'PORTICO_ERR_WS_GONE' }));
    }
    // Idleness is direction-agnostic: a message either way keeps the connection
    // (reported: https://github.com/andyrichardson/subscriptionless/issues/3).
    this.#idle.refresh();
    this.#ctx.deps.observer?.wsMessageSent(this.#ctx.api, this.meta.stage);
    return new Promise((resolve, reject) => this.#ws.send(data, { binary }, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes with a close frame (DeleteConnection, shutdown); `$disconnect` follows once closed. */
  close(code: number, reason: string): void {
    this.#closeWith(code, reason, 'closed by the gateway');
  }

  /** Drops the TCP connection without a close handshake (shutdown past its grace period). */
  terminate(): void {
    this.#serverClose ??= GOING_AWAY;
    this.#ws.terminate();
  }

  #closeWith(code: number, reason: string, why: string): void {
    if (this.#closed || this.#serverClose) return;
    this.#serverClose = { code, reason };
    this.#log.debug({ closeCode: code }, `closing ${this.meta.connectionId}: ${why}`);
    try {
      this.#ws.close(code, reason);
    } catch {
      // An invalid code from a caller: end it anyway.
      this.#ws.terminate();
    }
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    // Anything still arriving after portico started closing is not routed.
    if (this.#closed || this.#serverClose) return;
    this.#idle.refresh();
    const now = Date.now();
    this.#ctx.deps.connections.touch(this.meta.connectionId, now).catch(() => {});
    // "API Gateway WebSocket APIs don't currently support binary frames in incoming message payloads.
    // If a client app sends a binary frame, API Gateway rejects it and disconnects the client with code 1003."
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html
    if (isBinary && !this.#ctx.limits.acceptBinaryMessages) {
      this.#closeWith(1003, 'Unsupported data', 'binary frame');
      return;
    }
    void this.#route(data, isBinary, now);
  }

  /** Messages are handled concurrently, as AWS invokes integrations per message without ordering. */
  async #route(data: Buffer, binary: boolean, now: number): Promise<void> {
    const { meta } = this;
    const requestId = shortId();
    const start = process.hrtime.bigint();
    const routeKey = this.#ctx.table.select(binary ? undefined : data.toString('utf8'));
    const access = { requestId, stage: meta.stage, connectionId: meta.connectionId, eventType: 'MESSAGE', ip: meta.sourceIp, start } as const;
    const compiled = routeKey === undefined ? undefined : this.#ctx.routes.get(routeKey);
    if (!compiled) {
      // No route matches and there is no $default (spec §3.3).
      this.#reply(errorFrame('Forbidden', meta.connectionId, requestId), false);
      logWsAccess(this.#ctx, { ...access, routeKey: routeKey ?? '-', status: 403, error: 'no route matches and there is no $default route', outcome: 'client-error' });
      return;
    }
    let result: WsIntegrationResult;
    const integrationStart = process.hrtime.bigint();
    try {
      if (!compiled.integrate) throw new WsIntegrationError('configuration', `route ${compiled.route.routeKey} has no integration`);
      const event = buildMessageEvent(meta, { requestId, requestTimeEpoch: now }, { routeKey: compiled.route.routeKey, messageId: shortId(), data, binary });
      // The child logger is made only if the integration logs (a failure): per message it cost a pino child.
      const parent = (): Logger => this.#log;
      let log: Logger | undefined;
      result = await compiled.integrate({
        event,
        data,
        stageVariables: meta.stageVariables,
        get log(): Logger {
          return (log ??= parent().child({ requestId, routeKey: compiled.route.routeKey }));
        },
      });
    } catch (err) {
      this.#reply(errorFrame('Internal server error', meta.connectionId, requestId), false);
      const status = err instanceof WsIntegrationError ? err.status : 500;
      if (!(err instanceof WsIntegrationError)) this.#log.error({ code: 'PORTICO_ERR_WS_INTERNAL', err }, 'message handling failed');
      logWsAccess(this.#ctx, { ...access, routeKey: compiled.route.routeKey, status, error: (err as Error).message, outcome: 'execution-error', integrationMs: msBetween(integrationStart, process.hrtime.bigint()) });
      return;
    }
    // Two-way routes send the integration's body back; one-way routes send nothing (spec §3.3).
    // An empty body sends no frame.
    const body = result.body;
    if (compiled.route.twoWay && body !== undefined && body.length > 0) this.#reply(body, Buffer.isBuffer(body));
    const integrationMs = msBetween(integrationStart, process.hrtime.bigint());
    const status = result.statusCode ?? 200;
    logWsAccess(this.#ctx, { ...access, routeKey: compiled.route.routeKey, status, integrationMs, ...(status >= 400 ? { outcome: 'integration-error' } : {}) });
  }

  #reply(body: string | Buffer, binary: boolean): void {
    this.send(typeof body === 'string' ? Buffer.from(body) : body, binary).catch(() => {
      // Gone meanwhile: a reply to a closed connection is dropped, as on AWS.
    });
  }

  async #onClose(code: number, reason: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    clearTimeout(this.#maxDuration);
    const close = this.#serverClose ?? { code, reason };
    try {
      await this.#registered;
      await this.#ctx.deps.connections.remove(this.meta.connectionId);
    } catch (err) {
      this.#log.error({ code: 'PORTICO_ERR_WS_REGISTRY', err }, `could not unregister ${this.meta.connectionId}`);
    }
    // "The $disconnect route is executed after the connection is closed. ... $disconnect is a
    // best-effort event" (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html).
    try {
      await runDisconnect(this.#ctx, this.meta, close, this.#log);
    } finally {
      this.#resolveDone();
    }
  }
}
