/**
 * The WebSocket API flavour: one compiled object per API, built once at load. Upgrades on
 * `/{stage}` become connections (upgrade.ts → connection.ts); every plain HTTP request is the
 * `@connections` management API (connections-api.ts).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api.html
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { WebSocketServer } from 'ws';
import type { Stage, WebSocketApi } from '../model/index.ts';
import type { ApiDeps, CompiledApi } from '../pipeline/compiled-api.ts';
import type { GatewayRequest, GatewayResponse } from '../pipeline/types.ts';
import type { WebSocketConnection } from './connection.ts';
import { createConnectAuthorizer } from './authorizer.ts';
import { createConnectionsApi } from './connections-api.ts';
import { createWsIntegration } from './integrate.ts';
import { compileRouteSelection, createRouteTable } from './route-selection.ts';
import type { CompiledWsRoute, ConnectAuthorizer, WsApiContext } from './types.ts';
import { rejectUpgrade, handleUpgrade } from './upgrade.ts';

/** How long `close()` waits for clients to answer the 1001 close frame before dropping them. */
const CLOSE_GRACE_MS = 3_000;

/**
 * A WebSocket API ready to serve: the gateway calls `upgrade` for HTTP upgrades on the API,
 * `handle` for its other HTTP requests, and `close` on shutdown.
 */
export class CompiledWebSocketApi implements CompiledApi {
  readonly api: WebSocketApi;
  readonly #ctx: WsApiContext;
  readonly #connectionsApi: (request: GatewayRequest) => Promise<GatewayResponse>;
  readonly #connections = new Set<WebSocketConnection>();
  /** Upgrades whose guards are still running (a `$connect` may take up to 29 s). */
  readonly #pending = new Set<Promise<void>>();
  #agent: Agent | undefined;
  #closing = false;

  /**
   * Compiles the routes, the selection expression and the integrations. Throws (a plain Error
   * with a `code`) on what the loader should have refused: an expression portico cannot evaluate.
   */
  constructor(api: WebSocketApi, deps: ApiDeps) {
    this.api = api;
    const log = deps.logger.child({ api: api.name, apiId: api.apiId });
    const stages = new Map<string, Stage>(api.stages.map((s) => [s.stageName, s]));
    const integrateDeps = { runtime: deps.runtime, dispatcher: () => (this.#agent ??= new Agent({ keepAliveTimeout: 4_000 })) };
    const routes = new Map<string, CompiledWsRoute>();
    for (const route of api.routes) {
      routes.set(route.routeKey, { route, integrate: route.integration ? createWsIntegration(route.integration, integrateDeps) : undefined });
    }
    const protocols = new WeakMap<IncomingMessage, string>();
    const wss = new WebSocketServer({
      noServer: true,
      // The 128 KB message limit: ws closes with 1009 past it (frames: connection.ts).
      maxPayload: api.limits.maxMessageBytes,
      // AWS negotiates no extensions; permessage-deflate would also hide frame sizes.
      perMessageDeflate: false,
      clientTracking: false,
      // Only what $connect returned is echoed; ws would otherwise pick the client's first offer.
      handleProtocols: (_offered, req) => protocols.get(req) ?? false,
    });
    this.#ctx = {
      api,
      deps,
      log,
      limits: api.limits,
      stages,
      routes,
      table: createRouteTable(compileRouteSelection(api.routeSelectionExpression), routes.keys()),
      wss,
      protocols,
      authorize: connectAuthorizer(api, deps, log),
      closing: () => this.#closing,
    };
    this.#connectionsApi = createConnectionsApi({
      registry: deps.connections,
      logger: log,
      stages: new Set(stages.keys()),
      apiId: api.apiId,
      // With credentials in portico.yaml, @connections calls must be SigV4-signed (docs/websocket-connections.md).
      sigv4: { credentials: deps.access.credentials ?? [], region: deps.region, accountId: deps.accountId, apiId: api.apiId },
    });
  }

  /** A plain HTTP request to the API: the `@connections` API. Never rejects. */
  async handle(request: GatewayRequest): Promise<{ response: GatewayResponse }> {
    try {
      return { response: await this.#connectionsApi(request) };
    } catch (err) {
      this.#ctx.log.error({ code: 'PORTICO_ERR_WS_INTERNAL', err }, '@connections request failed');
      return { response: { statusCode: 500, headers: [['content-type', 'application/json']], body: '{"message":"Internal server error"}' } };
    }
  }

  /** An upgrade request on this API; takes ownership of the socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, rawUrl: string): void {
    const run = handleUpgrade(this.#ctx, req, socket, head, rawUrl, (connection) => {
      this.#connections.add(connection);
      void connection.done.then(() => this.#connections.delete(connection));
    }).catch((err: unknown) => {
      this.#ctx.log.error({ code: 'PORTICO_ERR_WS_UPGRADE', err }, 'upgrade failed');
      rejectUpgrade(socket, 500, '{"message":"Internal server error"}', { 'Content-Type': 'application/json' });
    });
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  /** Live connections plus handshakes in progress. */
  get activeConnections(): number {
    return this.#connections.size + this.#pending.size;
  }

  /**
   * Graceful shutdown: new upgrades are refused (503), every connection is closed with 1001
   * "Going away" and its `$disconnect` runs; clients that don't answer the close frame within
   * {@link CLOSE_GRACE_MS} are dropped (their `$disconnect` still runs). Resolves when every
   * `$disconnect` has finished, so the Lambda runtime can be closed after it.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const connections = [...this.#connections];
    for (const c of connections) c.close(1001, 'Going away');
    const all = Promise.all([...connections.map((c) => c.done), ...this.#pending]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
    if ((await Promise.race([all, grace])) === 'late') {
      for (const c of this.#connections) c.terminate();
      await Promise.all([...this.#connections].map((c) => c.done));
    }
    clearTimeout(timer);
    this.#ctx.wss.close();
    await this.#agent?.close();
    this.#agent = undefined;
  }
}

/** The `$connect` route's Lambda authorizer, if it has one (only `$connect` can: config/websocket-api.ts). */
function connectAuthorizer(api: WebSocketApi, deps: ApiDeps, log: Logger): ConnectAuthorizer | undefined {
  const authorizer = api.routes.find((r) => r.routeKey === '$connect')?.authorizer;
  return authorizer ? createConnectAuthorizer(authorizer, { runtime: deps.runtime, accountId: deps.accountId, region: deps.region, log }) : undefined;
}
