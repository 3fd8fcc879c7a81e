/**
 * One gateway's consumer of "request finished" records: counts the metrics (when an admin
 * port serves them) and writes the access log — the stage's `accessLogSettings` format to its
 * destination, or portico's JSON access line when the stage has none (unchanged fields).
 * Per-stage settings are compiled when a project is loaded and looked up by the stage object,
 * so requests of a generation being retired keep their own stage's settings.
 */
import type { Logger } from 'pino';
import type { AnyApi, Project, Stage, WebSocketApi } from '../../model/index.ts';
import type { GatewayMetrics, HttpSeries, RestSeries } from '../../metrics/gateway-metrics.ts';
import { msBetween } from '../../util/time.ts';
import type { GatewayContext, GatewayResponse, RestContext } from '../types.ts';
import { compileAccessLogFormat, renderLine, type CompiledFormat, type VariableLookup } from './access-format.ts';
import { logAccess } from './access-log.ts';
import type { RequestObserver, WsEventRecord } from './observer-types.ts';
import { httpLookup, integrationMs, responseLength, restLookup, wsLookup } from './resolve-variables.ts';
import { SinkRegistry } from './sink.ts';

/** The series REST and HTTP API requests share. */
type RequestSeries = Pick<RestSeries & HttpSeries, 'count' | 'error4xx' | 'error5xx' | 'latency' | 'integrationLatency'>;

/** A stage's compiled access-log settings. */
interface StageLog {
  readonly format: CompiledFormat;
  readonly destination: string;
  readonly accountId: string;
}

/** The series key of requests that matched no route or method. */
const UNMATCHED = Symbol('unmatched');

/** Options of {@link GatewayObserver}. */
export interface GatewayObserverOptions {
  /** Where the JSON access line goes (the gateway's `{log: "access"}` logger). */
  readonly accessLog: Logger;
  /** Where destination failures are reported. */
  readonly logger: Logger;
  /** Absent: nothing is counted (no admin port). */
  readonly metrics?: GatewayMetrics;
}

export class GatewayObserver implements RequestObserver {
  readonly #accessLog: Logger;
  readonly #logger: Logger;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #sinks: SinkRegistry;
  readonly #stages = new WeakMap<object, StageLog>();
  /** WebSocket events name their stage: by API, stage name → stage. */
  readonly #wsStages = new WeakMap<WebSocketApi, ReadonlyMap<string, Stage>>();
  /** WebSocket route keys by API: an unmatched message's selected key is client data, never a label. */
  readonly #wsRoutes = new WeakMap<WebSocketApi, ReadonlySet<string>>();
  #loaded = false;

  constructor(options: GatewayObserverOptions) {
    this.#accessLog = options.accessLog;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#sinks = new SinkRegistry((path, err) => this.#logger.error({ code: 'PORTICO_ERR_ACCESS_LOG_DESTINATION', err }, `access log destination ${path} failed; its lines are dropped`));
  }

  /**
   * Compiles the access-log settings of every stage of `project` (the loader has already
   * refused bad formats). On a reload, file destinations are closed and opened again.
   */
  load(project: Project): void {
    if (this.#loaded) void this.#sinks.reopen();
    this.#loaded = true;
    for (const api of project.apis) {
      for (const stage of api.stages as readonly (AnyApi['stages'][number])[]) {
        const settings = stage.accessLogSettings;
        if (settings) this.#stages.set(stage, { format: compileAccessLogFormat(settings.format, api.protocolType), destination: settings.destination, accountId: project.accountId });
      }
      if (api.protocolType === 'WEBSOCKET') {
        this.#wsStages.set(api, new Map(api.stages.map((s) => [s.stageName, s])));
        this.#wsRoutes.set(api, new Set(api.routes.map((r) => r.routeKey)));
      }
    }
  }

  http(ctx: GatewayContext, response: GatewayResponse, routeKey: string): void {
    const latencyMs = msBetween(ctx.timings.start, process.hrtime.bigint());
    const status = response.statusCode;
    if (this.#metrics) {
      const route = ctx.match?.route;
      const s = this.#metrics.http(ctx.stage, route ?? UNMATCHED, () => ({ ApiId: ctx.api.apiId, Stage: ctx.stage.stageName, Route: route?.routeKey ?? '-' }));
      this.#countRequest(s, ctx, status, latencyMs);
      // Request bytes as declared (a body is not always read), response bytes when known.
      const bytes = Number(ctx.request.headers['content-length'] ?? 0) + (responseLength(response) ?? 0);
      if (bytes > 0) s.dataProcessed.inc(bytes);
    }
    const log = this.#stages.get(ctx.stage);
    if (log) this.#write(log, httpLookup(ctx, { response, latencyMs }, log.accountId));
    else logAccess(this.#accessLog, ctx, status, routeKey);
  }

  rest(ctx: RestContext, response: GatewayResponse, routeKey: string, deploymentId: string): void {
    const latencyMs = msBetween(ctx.timings.start, process.hrtime.bigint());
    const status = response.statusCode;
    if (this.#metrics) {
      const match = ctx.match;
      const s = this.#metrics.rest(ctx.stage, match?.method ?? UNMATCHED, () => ({ ApiName: ctx.api.name, Stage: ctx.stage.stageName, Resource: match?.resource.path ?? '-', Method: match?.method.httpMethod ?? '-' }));
      this.#countRequest(s, ctx, status, latencyMs);
      // Set by the stage cache phase on cached methods only.
      if (ctx.cacheResult === 'hit') s.cacheHit.inc();
      else if (ctx.cacheResult === 'miss') s.cacheMiss.inc();
    }
    const log = this.#stages.get(ctx.stage);
    if (log) this.#write(log, restLookup(ctx, { response, latencyMs }, { accountId: log.accountId, deploymentId }));
    else logAccess(this.#accessLog, ctx, status, routeKey);
  }

  /** What REST and HTTP API requests count alike: Count, 4xx/5xx, Latency, IntegrationLatency, fail-open. */
  #countRequest(s: RequestSeries, ctx: GatewayContext | RestContext, status: number, latencyMs: number): void {
    s.count.inc();
    if (status >= 400 && status < 500) s.error4xx.inc();
    else if (status >= 500) s.error5xx.inc();
    s.latency.observe(latencyMs);
    const ims = integrationMs(ctx.timings);
    if (ims !== undefined) s.integrationLatency.observe(ims);
    if (ctx.stateFailedOpen) this.#metrics?.failOpen(ctx.stage, () => ({ api: ctx.api.name, stage: ctx.stage.stageName })).inc();
  }

  ws(api: WebSocketApi, record: WsEventRecord, writeDefault: () => void): void {
    const stage = this.#wsStages.get(api)?.get(record.stage);
    if (this.#metrics) {
      const route = this.#wsRoutes.get(api)?.has(record.routeKey) ? record.routeKey : '-';
      const s = this.#metrics.ws(stage ?? api, route, () => ({ ApiId: api.apiId, Stage: stage?.stageName ?? '-', Route: route }));
      if (record.eventType === 'CONNECT') s.connectCount.inc();
      else if (record.eventType === 'MESSAGE') s.messageCount.inc();
      if (record.outcome === 'client-error') s.clientError.inc();
      else if (record.outcome === 'integration-error') s.integrationError.inc();
      else if (record.outcome === 'execution-error') s.executionError.inc();
      if (record.integrationMs !== undefined) s.integrationLatency.observe(record.integrationMs);
    }
    const log = stage ? this.#stages.get(stage) : undefined;
    if (log) this.#write(log, wsLookup(record, api.apiId, msBetween(record.start, process.hrtime.bigint())));
    else writeDefault();
  }

  wsMessageSent(api: WebSocketApi, stageName: string): void {
    if (!this.#metrics) return;
    const stage = this.#wsStages.get(api)?.get(stageName);
    // Outgoing messages belong to no route (a post comes from the backend): Route `-`.
    this.#metrics.ws(stage ?? api, UNMATCHED, () => ({ ApiId: api.apiId, Stage: stage?.stageName ?? '-', Route: '-' })).messageCount.inc();
  }

  #write(log: StageLog, lookup: VariableLookup): void {
    this.#sinks.get(log.destination).write(renderLine(log.format, lookup));
  }

  /** Writes what is queued and closes the destinations (gateway shutdown). */
  close(): Promise<void> {
    return this.#sinks.close();
  }
}
