/**
 * The running gateway: listeners (the shared port and any API's own port), the compiled
 * APIs, the Lambda runtime and the state stores. `reload` swaps in a new project without
 * dropping in-flight requests; `close` shuts down gracefully.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { AnyApi, Project } from '../model/index.ts';
import type { LambdaRuntime } from '../lambda/types.ts';
import { createLambdaRuntime } from '../lambda/pool.ts';
import type { RateLimitStore } from '../state/rate-limit/types.ts';
import { MemoryRateLimitStore } from '../state/rate-limit/memory.ts';
import type { QuotaStore } from '../state/quota/types.ts';
import { MemoryQuotaStore } from '../state/quota/memory.ts';
import type { AuthorizerCacheStore } from '../state/authorizer-cache/types.ts';
import { MemoryAuthorizerCache } from '../state/authorizer-cache/memory.ts';
import type { ResponseCacheStore } from '../state/response-cache/types.ts';
import { MemoryResponseCache } from '../state/response-cache/memory.ts';
import type { ConnectionRegistry } from '../state/connections/types.ts';
import { MemoryConnectionRegistry } from '../state/connections/memory.ts';
import type { ApiDeps, CompiledApi } from '../pipeline/compiled-api.ts';
import { CompiledRestApi } from '../pipeline/rest-api.ts';
import { CompiledHttpApi } from '../pipeline/http-api.ts';
import { CompiledWebSocketApi } from '../websocket/websocket-api.ts';
import { shortId } from '../util/ids.ts';
import { closeHttpProxyAgents } from '../pipeline/6-integrate/http-proxy.ts';
import type { GatewayResponse } from '../pipeline/types.ts';
import { toGatewayRequest, writeResponse } from './node-adapter.ts';
import { clientAddress, forwardedForOf, recordClientAddress, TrustedProxies, type ClientAddress } from '../util/client-address.ts';
import { BufferBody, IncomingBody } from './request-body.ts';
import type { AdminRoute } from '../admin/types.ts';
import type { AdminServer } from '../admin/server.ts';
import { usageAdminRoutes } from '../admin/usage.ts';
import { authorizerCacheAdminRoutes } from '../admin/authorizer-cache.ts';
import { stageCacheAdminRoutes } from '../admin/stage-cache.ts';
import { signedAdminRoutes } from '../admin/signed.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { GatewayObserver } from '../pipeline/8-log/observer.ts';
import { formatAccessLinesFor } from '../pipeline/8-log/access-line.ts';
import type { RedisConnection } from '../state/redis/connection.ts';

export interface GatewayOptions {
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Shared port; default {@link DEFAULT_PORT}; 0 picks a free one. */
  readonly port?: number;
  /** Gateway log (pino); default JSON to stdout. */
  readonly logger?: Logger;
  /** Access log; default the gateway log's child `{log: "access"}`. */
  readonly accessLog?: Logger;
  /**
   * The destination `logger` was made with, when it is `pino({ base: null }, destination)`: the
   * default access lines are then formatted by portico, byte for byte as pino would, and written
   * there directly (8-log/access-line.ts). Only with the default `accessLog`.
   */
  readonly logDestination?: { write(line: string): unknown };
  /** Throttle state; default in memory. */
  readonly rateLimits?: RateLimitStore;
  /** Usage-plan quota counters; default in memory. */
  readonly quotas?: QuotaStore;
  /** WebSocket connection registry; default in memory. */
  readonly connections?: ConnectionRegistry;
  /** Lambda authorizer result cache; default in memory. */
  readonly authorizerCache?: AuthorizerCacheStore;
  /** REST stage cache; default in memory (Redis with `redis`, shared by every node). */
  readonly responseCache?: ResponseCacheStore;
  /**
   * Shared state: a Redis URL for the rate limits, quotas and connection registry of every node
   * (docs/scale-out.md). Overrides the project's `state.redis`; stores passed above win.
   */
  readonly redis?: string;
  /** What limits do when their store fails; overrides the project's `state.failMode` (default `open`). */
  readonly failMode?: 'open' | 'closed';
  /**
   * The admin port (`/health`, `/ready`, `/metrics`, and `routes` other features add); overrides
   * the project's `admin`. Absent in both: no admin port and no metrics (docs/observability.md).
   */
  readonly admin?: { readonly port: number; readonly host?: string; readonly routes?: readonly AdminRoute[] };
  /** The Redis connection behind the shared stores (`start` sets it from `redis`): readiness and metrics read it. */
  readonly sharedRedis?: RedisConnection;
  /**
   * Proxy addresses / CIDR ranges whose X-Forwarded-For names the client (util/client-address.ts);
   * replaces the project's `trustedProxies` (`portico serve --trusted-proxy`). Default: none.
   */
  readonly trustedProxies?: readonly string[];
}

/** One line of `portico serve`'s listing. */
export interface Endpoint {
  readonly name: string;
  readonly type: string;
  readonly apiId: string;
  readonly stage: string;
  readonly url: string;
}

/** A project loaded into running objects; replaced whole on reload. */
interface Generation {
  readonly project: Project;
  readonly runtime: LambdaRuntime;
  readonly apis: ReadonlyMap<string, CompiledApi>;
  /** Per listener port: the API served when neither Host nor path names one. */
  readonly defaults: Map<number, CompiledApi | undefined>;
  /** Trusted proxy ranges; undefined: `sourceIp` is the TCP peer. */
  readonly trusted: TrustedProxies | undefined;
  inflight: number;
  retired?: () => void;
}

interface Listener {
  readonly server: Server;
  readonly port: number;
  /** API ids served here; undefined = every API (the shared port). */
  readonly only?: ReadonlySet<string>;
}

/** The API a listener serves when neither Host nor path names one. */
function defaultApiId(project: Project, port: number, only: ReadonlySet<string> | undefined): string | undefined {
  const own = project.apis.filter((a) => a.port === port);
  if (own.length === 1) return own[0]?.apiId;
  // On the shared port: the only API that has no port of its own.
  const candidates = only ? [...only] : project.apis.filter((a) => a.port === undefined).map((a) => a.apiId);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** How long a connection answered 413 may keep sending its body before it is cut off. */
const LINGER_MS = 2_000;

/** The shared port when neither the file nor --port sets one. */
export const DEFAULT_PORT = 4000;

/**
 * The options with the Redis stores filled in when `options.redis` or the project's
 * `state.redis` names a server (docs/scale-out.md); stores passed in win, and the Redis ones they
 * replace are closed again. Never rejects for an unreachable Redis (the stores reconnect).
 */
async function withSharedState(project: Project, options: GatewayOptions, nodeId: string): Promise<GatewayOptions> {
  const url = options.redis ?? project.state?.redis;
  if (url === undefined) return options;
  const logger = options.logger ?? pino({ base: null });
  // Loaded only when Redis is configured: ioredis is ~20 MB of a node's RSS (docs/performance.md).
  const { openRedisStores } = await import('../state/redis/open.ts');
  const shared = await openRedisStores({ url, nodeId, logger });
  for (const name of ['rateLimits', 'quotas', 'connections', 'authorizerCache', 'responseCache'] as const) if (options[name] !== undefined) await shared[name].close();
  return { ...options, logger, rateLimits: options.rateLimits ?? shared.rateLimits, quotas: options.quotas ?? shared.quotas, connections: options.connections ?? shared.connections, authorizerCache: options.authorizerCache ?? shared.authorizerCache, responseCache: options.responseCache ?? shared.responseCache, sharedRedis: options.sharedRedis ?? shared.redis };
}

const EXECUTE_API_HOST = /^([A-Za-z0-9]+)\.execute-api\./;
const PATH_STYLE = /^\/_aws\/execute-api\/([A-Za-z0-9]+)(\/.*)?$/;

export class Gateway {
  readonly #logger: Logger;
  readonly #accessLog: Logger;
  readonly #rateLimits: RateLimitStore;
  readonly #quotas: QuotaStore;
  readonly #authorizerCache: AuthorizerCacheStore;
  readonly #responseCache: ResponseCacheStore;
  /** When usage plans were created: their quota `offset` applies to the period holding it. */
  readonly #startedAtMs = Date.now();
  readonly #connections: ConnectionRegistry;
  /** This process in shared state (the connection registry). */
  readonly #nodeId: string;
  readonly #failMode: 'open' | 'closed' | undefined;
  readonly #host: string;
  #gen: Generation;
  /** Generations replaced by a reload that still finish requests or hold WebSocket connections. */
  readonly #retiring = new Set<Generation>();
  readonly #listeners: Listener[] = [];
  #closing = false;
  /** Every finished request goes here: access log (stage formats) and metrics. */
  readonly #observer: GatewayObserver;
  /** Present when an admin port is configured. */
  readonly #metrics: GatewayMetrics | undefined;
  readonly #adminSettings: { readonly port: number; readonly host: string; readonly routes?: readonly AdminRoute[] } | undefined;
  #admin: AdminServer | undefined;
  readonly #sharedRedis: RedisConnection | undefined;
  readonly #trustedProxies: readonly string[] | undefined;

  private constructor(project: Project, options: GatewayOptions, nodeId: string, metrics: GatewayMetrics | undefined) {
    this.#nodeId = nodeId;
    this.#failMode = options.failMode;
    this.#logger = options.logger ?? pino({ base: null });
    this.#accessLog = options.accessLog ?? this.#logger.child({ log: 'access' });
    const destination = options.logDestination;
    if (destination && !options.accessLog) formatAccessLinesFor(this.#accessLog, (line) => destination.write(line));
    this.#rateLimits = options.rateLimits ?? new MemoryRateLimitStore();
    this.#quotas = options.quotas ?? new MemoryQuotaStore();
    this.#authorizerCache = options.authorizerCache ?? new MemoryAuthorizerCache();
    this.#responseCache = options.responseCache ?? new MemoryResponseCache();
    this.#connections = options.connections ?? new MemoryConnectionRegistry();
    this.#host = options.host ?? project.host ?? '127.0.0.1';
    const admin = options.admin ?? project.admin;
    // Loopback unless asked otherwise, even when the APIs listen on 0.0.0.0: the admin port
    // flushes caches and shows usage, so exposing it is an explicit choice (--admin-host).
    this.#adminSettings = admin ? { ...admin, host: admin.host ?? '127.0.0.1' } : undefined;
    this.#metrics = metrics;
    this.#sharedRedis = options.sharedRedis;
    this.#trustedProxies = options.trustedProxies;
    this.#observer = new GatewayObserver({ accessLog: this.#accessLog, logger: this.#logger, ...(this.#metrics ? { metrics: this.#metrics } : {}) });
    this.#gen = this.#load(project);
  }

  /** Starts listening: the shared port, then each API's own port. */
  static async start(project: Project, options: GatewayOptions = {}): Promise<Gateway> {
    const nodeId = shortId();
    // prom-client and the admin server are loaded only with an admin port (RSS: docs/performance.md).
    const metrics = (options.admin ?? project.admin) ? new (await import('../metrics/gateway-metrics.ts')).GatewayMetrics() : undefined;
    const gw = new Gateway(project, await withSharedState(project, options, nodeId), nodeId, metrics);
    try {
      await gw.#listen(options.port ?? project.port ?? DEFAULT_PORT, undefined);
      for (const api of project.apis) {
        if (api.port !== undefined && !gw.#listeners.some((l) => l.port === api.port)) {
          await gw.#listen(api.port, new Set(project.apis.filter((a) => a.port === api.port).map((a) => a.apiId)));
        }
      }
      const admin = gw.#adminSettings;
      if (admin && gw.#metrics) {
        // Control-plane routes: GetUsage & co. (admin/usage.ts), authorizer and stage cache flushes;
        // SigV4-signed (service apigateway) whenever the project has credentials (admin/signed.ts).
        const controlPlane = signedAdminRoutes(
          [
            ...usageAdminRoutes({ access: () => gw.project, quotas: gw.#quotas, createdAtMs: gw.#startedAtMs }),
            ...authorizerCacheAdminRoutes({ project: () => gw.project, cache: gw.#authorizerCache }),
            ...stageCacheAdminRoutes({ project: () => gw.project, cache: gw.#responseCache }),
          ],
          { project: () => gw.project },
        );
        const { startGatewayAdmin } = await import('../admin/gateway-admin.ts');
        gw.#admin = await startGatewayAdmin({ ...admin, routes: [...(admin.routes ?? []), ...controlPlane], metrics: gw.#metrics, ...(gw.#sharedRedis ? { redis: gw.#sharedRedis } : {}), closing: () => gw.#closing, logger: gw.#logger });
      }
    } catch (err) {
      await gw.close();
      throw err;
    }
    return gw;
  }

  #load(project: Project): Generation {
    const runtime = createLambdaRuntime({
      functions: project.functions,
      logger: this.#logger.child({ log: 'lambda' }),
      loopbackPorts: () => this.#listeners.map((l) => l.port),
    });
    const deps: ApiDeps = {
      runtime,
      rateLimits: this.#rateLimits,
      quotas: this.#quotas,
      authorizerCache: this.#authorizerCache,
      responseCache: this.#responseCache,
      access: { apiKeys: project.apiKeys, usagePlans: project.usagePlans, credentials: project.credentials, createdAtMs: this.#startedAtMs },
      connections: this.#connections,
      accountId: project.accountId,
      region: project.region,
      ...(project.cognitoIssuers ? { cognitoIssuers: project.cognitoIssuers } : {}),
      nodeId: this.#nodeId,
      failOpen: (this.#failMode ?? project.state?.failMode ?? 'open') === 'open',
      logger: this.#logger,
      accessLog: this.#accessLog,
      observer: this.#observer,
    };
    this.#observer.load(project);
    const apis = new Map<string, CompiledApi>();
    for (const api of project.apis) {
      apis.set(api.apiId, api.protocolType === 'HTTP' ? new CompiledHttpApi(api, deps) : api.protocolType === 'REST' ? new CompiledRestApi(api, deps) : new CompiledWebSocketApi(api, deps));
    }
    const trustedList = this.#trustedProxies ?? project.trustedProxies ?? [];
    const trusted = trustedList.length > 0 ? TrustedProxies.parse(trustedList) : undefined;
    return { project, runtime, apis, defaults: new Map(), trusted, inflight: 0 };
  }

  #listen(port: number, only: ReadonlySet<string> | undefined): Promise<void> {
    // The bound port is known once listening; requests read it from here, not server.address().
    let bound = port;
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.#onRequest(req, res, bound, only));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head, bound, only));
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? Object.assign(new Error(`port ${port} on ${this.#host} is already in use (PORTICO_ERR_LISTEN_IN_USE)`, { cause: err }), { code: 'PORTICO_ERR_LISTEN_IN_USE' }) : err);
      });
      server.listen(port, this.#host, () => {
        bound = (server.address() as AddressInfo).port;
        this.#listeners.push({ server, port: bound, ...(only ? { only } : {}) });
        resolve();
      });
    });
  }

  /** The shared port actually bound (useful with port 0). */
  get port(): number {
    return this.#listeners[0]?.port ?? 0;
  }

  /** The admin port actually bound; undefined without an admin port. */
  get adminPort(): number | undefined {
    return this.#admin?.port;
  }

  /** `http://host:port` of the admin port (0.0.0.0 shown as 127.0.0.1); undefined without one. */
  get adminUrl(): string | undefined {
    const host = this.#adminSettings?.host;
    if (!this.#admin || host === undefined) return undefined;
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.#admin.port}`;
  }

  /** One entry per API and stage, with its invoke URL. */
  get endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    const host = this.#host === '0.0.0.0' || this.#host === '::' ? '127.0.0.1' : this.#host;
    const project = this.#gen.project;
    for (const api of project.apis) {
      const own = this.#listeners.find((l) => l.only?.has(api.apiId));
      const sharedDefault = defaultApiId(project, this.port, undefined) === api.apiId;
      const base = own
        ? `http://${host}:${own.port}`
        : sharedDefault
          ? `http://${host}:${this.port}`
          : `http://${host}:${this.port}/_aws/execute-api/${api.apiId}`;
      for (const stage of api.stages) {
        // WebSocket clients connect with ws:// to the stage path.
        const url = api.protocolType === 'WEBSOCKET' ? `${base.replace(/^http/, 'ws')}/${stage.stageName}` : stage.stageName === '$default' ? `${base}/` : `${base}/${stage.stageName}`;
        out.push({ name: api.name, type: api.protocolType, apiId: api.apiId, stage: stage.stageName, url });
      }
    }
    return out;
  }

  /** Which API a request on a listener is for: Host `{apiId}.execute-api.*`, `/_aws/execute-api/{apiId}/…`, or the listener's only API. */
  #dispatch(gen: Generation, host: string, rawUrl: string, port: number, only: ReadonlySet<string> | undefined): { api: CompiledApi; url: string } | string {
    const apis = gen.apis;
    const allowed = (id: string): CompiledApi | undefined => (only && !only.has(id) ? undefined : apis.get(id));
    const byHost = EXECUTE_API_HOST.exec(host)?.[1]?.toLowerCase();
    if (byHost !== undefined) {
      const api = allowed(byHost);
      return api ? { api, url: rawUrl } : `no API with id "${byHost}" is served on this port`;
    }
    const byPath = rawUrl.startsWith('/_aws/execute-api/') ? PATH_STYLE.exec(rawUrl.split('?', 1)[0] as string) : null;
    if (byPath) {
      const api = allowed((byPath[1] as string).toLowerCase());
      if (!api) return `no API with id "${byPath[1]}" is served on this port`;
      return { api, url: rawUrl.slice(`/_aws/execute-api/${byPath[1]}`.length) || '/' };
    }
    // The listener's default API, worked out once per generation and port.
    let api = gen.defaults.get(port);
    if (api === undefined && !gen.defaults.has(port)) {
      const id = defaultApiId(gen.project, port, only);
      api = id === undefined ? undefined : apis.get(id);
      gen.defaults.set(port, api);
    }
    if (api) return { api, url: rawUrl };
    const candidates = only ? [...only] : [...apis.keys()];
    return `several APIs share this port; address one with Host {apiId}.execute-api.localhost or the path /_aws/execute-api/{apiId}/ (ids: ${candidates.join(', ')})`;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse, port: number, only: ReadonlySet<string> | undefined): void {
    const gen = this.#gen;
    gen.inflight++;
    const done = (): void => {
      if (--gen.inflight === 0) gen.retired?.();
    };
    res.once('close', done);
    const target = this.#dispatch(gen, req.headers.host ?? '', req.url ?? '/', port, only);
    if (typeof target === 'string') {
      // Clearer than AWS, which has no such case: say how to reach an API.
      writeResponse(res, { statusCode: 404, headers: [['content-type', 'application/json']], body: JSON.stringify({ message: 'Not Found', detail: target }) }, () => {});
      req.resume();
      return;
    }
    const request = toGatewayRequest(req, target.url, gen.trusted && this.#clientOf(req, gen.trusted));
    target.api.handle(request).then(
      ({ response }) => this.#write(req, res, request.body, response),
      (err: unknown) => {
        this.#logger.error({ err }, 'PORTICO_ERR_INTERNAL: request handling failed');
        this.#write(req, res, request.body, { statusCode: 500, headers: [['content-type', 'application/json']], body: '{"message":"Internal Server Error"}' });
      },
    );
  }

  /** The client behind trusted proxies (docs/security.md); a malformed X-Forwarded-For is logged at debug. */
  #clientOf(req: IncomingMessage, trusted: TrustedProxies): ClientAddress {
    const client = clientAddress(req.socket.remoteAddress ?? '', forwardedForOf(req.rawHeaders), trusted);
    if (client.malformed !== undefined) this.#logger.debug({ peer: client.peerIp, entry: client.malformed }, 'X-Forwarded-For from a trusted proxy has a malformed entry; using the TCP peer');
    return client;
  }

  /** An HTTP upgrade: WebSocket APIs take it; anything else is refused on the raw socket. */
  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: number, only: ReadonlySet<string> | undefined): void {
    socket.on('error', () => socket.destroy());
    const target = this.#closing ? 'the gateway is shutting down' : this.#dispatch(this.#gen, req.headers.host ?? '', req.url ?? '/', port, only);
    if (typeof target !== 'string' && target.api.upgrade) {
      const trusted = this.#gen.trusted;
      if (trusted) recordClientAddress(req, this.#clientOf(req, trusted));
      target.api.upgrade(req, socket, head, target.url);
      return;
    }
    const body = JSON.stringify({ message: 'Not Found', ...(typeof target === 'string' ? { detail: target } : {}) });
    socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }

  #write(req: IncomingMessage, res: ServerResponse, body: unknown, response: GatewayResponse): void {
    // Draining for shutdown: close the connection after this response, so keep-alive clients
    // move on instead of holding the shutdown until the grace period ends.
    if (this.#closing) res.shouldKeepAlive = false;
    if (body instanceof IncomingBody) {
      // A 413 stops reading mid-body: the rest can't be parsed as a next request, so the
      // connection ends with the response. Any other unread body is drained.
      if (response.statusCode === 413) {
        // The response says `Connection: close`, so a keep-alive client opens a new connection
        // for its next request. Lingering close: after the response, Node half-closes (FIN)
        // instead of destroying, the rest of the body is read and discarded, and the socket ends
        // once the client has sent it (or after LINGER_MS). Destroying at once would reset a
        // socket with unread data, and the client would never read its 413.
        response = { ...response, headers: [...response.headers.filter(([n]) => n.toLowerCase() !== 'connection'), ['connection', 'close']] };
        const socket = req.socket;
        socket.destroySoon = () => {
          socket.end();
        };
        if (!body.used) req.resume();
        const cut = setTimeout(() => socket.destroy(), LINGER_MS).unref();
        socket.once('close', () => clearTimeout(cut));
        req.once('end', () => {
          res.once('finish', () => socket.end());
          if (res.writableFinished) socket.end();
        });
      } else if (!body.used) req.resume();
    }
    writeResponse(res, response, (err) => this.#logger.warn({ err }, 'PORTICO_ERR_RESPONSE: the response could not be written as the integration gave it'));
  }

  /**
   * Test and tooling entry: runs a request through the pipeline without a socket.
   * `host` selects the API like the Host header does.
   */
  async inject(request: { method?: string; url: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ statusCode: number; headers: readonly (readonly [string, string])[]; body: Buffer }> {
    const headers = { host: 'localhost', ...request.headers };
    const rawHeaders = Object.entries(headers).flat();
    const target = this.#dispatch(this.#gen, headers.host, request.url, this.port, undefined);
    if (typeof target === 'string') return { statusCode: 404, headers: [], body: Buffer.from(JSON.stringify({ message: 'Not Found', detail: target })) };
    const q = target.url.indexOf('?');
    const body = new BufferBody(Buffer.from(request.body ?? ''));
    const { response } = await target.api.handle({
      method: (request.method ?? 'GET').toUpperCase(),
      rawPath: q < 0 ? target.url : target.url.slice(0, q),
      rawQuery: q < 0 ? '' : target.url.slice(q + 1),
      rawHeaders,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      host: headers.host,
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
      scheme: 'http',
      localPort: this.port,
      body,
    });
    let out: Buffer;
    if (response.body === null) out = Buffer.alloc(0);
    else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) out = Buffer.from(response.body);
    else {
      const chunks: Buffer[] = [];
      for await (const c of response.body as AsyncIterable<Buffer>) chunks.push(c);
      out = Buffer.concat(chunks);
    }
    return { statusCode: response.statusCode, headers: response.headers, body: out };
  }

  /**
   * Swaps in a new project (--watch). New requests use it at once; requests already running
   * finish on the old one, whose workers are then stopped. Listeners stay as they are.
   */
  async reload(project: Project): Promise<void> {
    const old = this.#gen;
    const next = this.#load(project);
    this.#gen = next;
    const ports = new Set(this.#listeners.map((l) => l.port));
    for (const api of project.apis) {
      if (api.port !== undefined && !ports.has(api.port)) this.#logger.warn(`API ${api.name}: port ${api.port} is new; restart portico to listen on it`);
    }
    if (project.state?.redis !== old.project.state?.redis) this.#logger.warn('state.redis changed; restart portico to use it (state.failMode applies at once)');
    this.#retiring.add(old);
    await this.#retire(old);
    this.#retiring.delete(old);
  }

  async #retire(gen: Generation): Promise<void> {
    if (gen.inflight > 0) await new Promise<void>((resolve) => (gen.retired = resolve));
    // WebSocket connections accepted by this generation keep its routes and workers until they end.
    while ([...gen.apis.values()].some((a) => (a.activeConnections ?? 0) > 0)) await new Promise((r) => setTimeout(r, 1000));
    await gen.runtime.close();
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then frees everything. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const closed = this.#listeners.map(
      (l) =>
        new Promise<void>((resolve) => {
          l.server.close(() => resolve());
          l.server.closeIdleConnections();
        }),
    );
    const timer = setTimeout(() => this.#listeners.forEach((l) => l.server.closeAllConnections()), graceMs);
    // WebSocket clients get 1001 "Going Away" and `$disconnect` runs while the workers still live.
    await Promise.all([this.#gen, ...this.#retiring].flatMap((g) => [...g.apis.values()].map((a) => a.close?.())));
    await Promise.all(closed);
    clearTimeout(timer);
    await this.#retire(this.#gen);
    await this.#connections.close();
    await this.#rateLimits.close();
    await this.#quotas.close();
    await this.#authorizerCache.close();
    await this.#responseCache.close();
    await closeHttpProxyAgents();
    // Last: /ready answers 503 while the listeners drain.
    await this.#admin?.close();
    await this.#observer.close();
  }

  /** The APIs being served. */
  get apis(): readonly AnyApi[] {
    return this.#gen.project.apis;
  }

  /** The project being served (the latest reload's): the admin API reads keys and plans from it. */
  get project(): Project {
    return this.#gen.project;
  }

  /**
   * The state the admin API reads and flushes (admin/usage.ts, admin/authorizer-cache.ts), and
   * when usage plans were created (their quota `offset` period).
   */
  get adminState(): { readonly quotas: QuotaStore; readonly authorizerCache: AuthorizerCacheStore; readonly responseCache: ResponseCacheStore; readonly startedAtMs: number } {
    return { quotas: this.#quotas, authorizerCache: this.#authorizerCache, responseCache: this.#responseCache, startedAtMs: this.#startedAtMs };
  }
}
