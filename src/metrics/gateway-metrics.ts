/**
 * AWS API Gateway's CloudWatch metrics as Prometheus metrics, one Registry per Gateway (tests
 * run several gateways in one process; the global registry would mix them). Names are
 * `apigateway_<flavour>_<AWS name in snake case>`, labels are AWS's dimension names; the
 * mapping table is in docs/observability.md.
 * REST: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
 * HTTP: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 * WebSocket: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-logging.html#apigateway-websocket-api-metrics
 *
 * Label values come from the API definition (API name or id, stage name, resource path and
 * method, route key), never from the raw request path, so cardinality is bounded by the
 * definition. A request that matched nothing is counted under `-`.
 */
import { Counter, Histogram, Registry } from 'prom-client';

/** Milliseconds, from 0.1 ms (a MOCK) to 30 s (past the 29 s integration timeout). */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

const REST_LABELS = ['ApiName', 'Stage', 'Resource', 'Method'] as const;
const ROUTE_LABELS = ['ApiId', 'Stage', 'Route'] as const;
type RestLabel = (typeof REST_LABELS)[number];
type RouteLabel = (typeof ROUTE_LABELS)[number];

/** A counter child, bound to one label set. */
export interface BoundCounter {
  inc(value?: number): void;
}
/** A histogram child, bound to one label set. */
export interface BoundHistogram {
  observe(value: number): void;
}

/** One REST (api, stage, resource, method)'s metrics. */
export interface RestSeries {
  readonly count: BoundCounter;
  readonly error4xx: BoundCounter;
  readonly error5xx: BoundCounter;
  readonly latency: BoundHistogram;
  readonly integrationLatency: BoundHistogram;
  readonly cacheHit: BoundCounter;
  readonly cacheMiss: BoundCounter;
}

/** One HTTP API (api, stage, route)'s metrics. */
export interface HttpSeries {
  readonly count: BoundCounter;
  readonly error4xx: BoundCounter;
  readonly error5xx: BoundCounter;
  readonly latency: BoundHistogram;
  readonly integrationLatency: BoundHistogram;
  readonly dataProcessed: BoundCounter;
}

/** One WebSocket (api, stage, route)'s metrics. */
export interface WsSeries {
  readonly connectCount: BoundCounter;
  readonly messageCount: BoundCounter;
  readonly integrationError: BoundCounter;
  readonly clientError: BoundCounter;
  readonly executionError: BoundCounter;
  readonly integrationLatency: BoundHistogram;
}

/** The AWS name → Prometheus name table (docs and tests read it). */
export const METRIC_NAMES = {
  REST: { Count: 'apigateway_rest_count_total', '4XXError': 'apigateway_rest_4xx_error_total', '5XXError': 'apigateway_rest_5xx_error_total', Latency: 'apigateway_rest_latency_milliseconds', IntegrationLatency: 'apigateway_rest_integration_latency_milliseconds', CacheHitCount: 'apigateway_rest_cache_hit_count_total', CacheMissCount: 'apigateway_rest_cache_miss_count_total' },
  HTTP: { Count: 'apigateway_http_count_total', '4xx': 'apigateway_http_4xx_total', '5xx': 'apigateway_http_5xx_total', Latency: 'apigateway_http_latency_milliseconds', IntegrationLatency: 'apigateway_http_integration_latency_milliseconds', DataProcessed: 'apigateway_http_data_processed_bytes_total' },
  WEBSOCKET: { ConnectCount: 'apigateway_websocket_connect_count_total', MessageCount: 'apigateway_websocket_message_count_total', IntegrationError: 'apigateway_websocket_integration_error_total', ClientError: 'apigateway_websocket_client_error_total', ExecutionError: 'apigateway_websocket_execution_error_total', IntegrationLatency: 'apigateway_websocket_integration_latency_milliseconds' },
} as const;

/** Requests let through because a state store failed open (portico's own metric). */
export const FAIL_OPEN_METRIC = 'portico_state_fail_open_total';

/** A counter in `registry` (prom-client adds no `_total` suffix: the names above carry it). */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A latency histogram (ms) in `registry`. */
function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets: [...LATENCY_BUCKETS_MS], registers: [registry] });
}

/**
 * Series handles cached per (stage, route) object: label objects are built once per series,
 * not per request. Keyed by the loaded model's objects, so a reload's new objects get new
 * entries (the same label values, hence the same Prometheus series) and old ones are collected.
 */
class SeriesCache<S> {
  readonly #byStage = new WeakMap<object, Map<unknown, S>>();

  get(stage: object, route: unknown, make: () => S): S {
    let routes = this.#byStage.get(stage);
    if (!routes) this.#byStage.set(stage, (routes = new Map()));
    let series = routes.get(route);
    if (!series) routes.set(route, (series = make()));
    return series;
  }
}

/** The metrics of one gateway. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #rest;
  readonly #http;
  readonly #ws;
  readonly #restCache = new SeriesCache<RestSeries>();
  readonly #httpCache = new SeriesCache<HttpSeries>();
  readonly #wsCache = new SeriesCache<WsSeries>();
  readonly #failOpen: Counter<'api' | 'stage'>;
  readonly #failOpenCache = new SeriesCache<BoundCounter>();

  constructor() {
    const r = this.registry;
    const R = METRIC_NAMES.REST;
    this.#rest = {
      count: counter(r, R.Count, 'REST: requests (AWS Count).', REST_LABELS),
      error4xx: counter(r, R['4XXError'], 'REST: client-side errors, 4XX responses (AWS 4XXError).', REST_LABELS),
      error5xx: counter(r, R['5XXError'], 'REST: server-side errors, 5XX responses (AWS 5XXError).', REST_LABELS),
      latency: histogram(r, R.Latency, 'REST: ms from receiving the request to returning the response (AWS Latency).', REST_LABELS),
      integrationLatency: histogram(r, R.IntegrationLatency, 'REST: ms between relaying a request to the backend and receiving its response (AWS IntegrationLatency).', REST_LABELS),
      cacheHit: counter(r, R.CacheHitCount, 'REST: requests served from the stage cache (AWS CacheHitCount).', REST_LABELS),
      cacheMiss: counter(r, R.CacheMissCount, 'REST: requests served from the backend with caching enabled (AWS CacheMissCount).', REST_LABELS),
    };
    const H = METRIC_NAMES.HTTP;
    this.#http = {
      count: counter(r, H.Count, 'HTTP API: requests (AWS Count).', ROUTE_LABELS),
      error4xx: counter(r, H['4xx'], 'HTTP API: 4xx responses (AWS 4xx).', ROUTE_LABELS),
      error5xx: counter(r, H['5xx'], 'HTTP API: 5xx responses (AWS 5xx).', ROUTE_LABELS),
      latency: histogram(r, H.Latency, 'HTTP API: ms from receiving the request to returning the response (AWS Latency).', ROUTE_LABELS),
      integrationLatency: histogram(r, H.IntegrationLatency, 'HTTP API: ms between relaying a request to the backend and receiving its response (AWS IntegrationLatency).', ROUTE_LABELS),
      dataProcessed: counter(r, H.DataProcessed, 'HTTP API: request and response bytes (AWS DataProcessed).', ROUTE_LABELS),
    };
    // Not an AWS metric (AWS's limits never fail): requests a failing state store let through unthrottled and uncounted.
    this.#failOpen = counter(r, FAIL_OPEN_METRIC, 'Requests let through unthrottled and uncounted because the state store (Redis) failed and state.failMode is open.', ['api', 'stage'] as const);
    const W = METRIC_NAMES.WEBSOCKET;
    this.#ws = {
      connectCount: counter(r, W.ConnectCount, 'WebSocket: messages sent to the $connect route (AWS ConnectCount).', ROUTE_LABELS),
      messageCount: counter(r, W.MessageCount, 'WebSocket: messages from or to the client (AWS MessageCount).', ROUTE_LABELS),
      integrationError: counter(r, W.IntegrationError, 'WebSocket: requests the integration answered 4XX/5XX (AWS IntegrationError).', ROUTE_LABELS),
      clientError: counter(r, W.ClientError, 'WebSocket: 4XX answered by the gateway before the integration (AWS ClientError).', ROUTE_LABELS),
      executionError: counter(r, W.ExecutionError, 'WebSocket: errors calling the integration (AWS ExecutionError).', ROUTE_LABELS),
      integrationLatency: histogram(r, W.IntegrationLatency, 'WebSocket: ms between sending the request to the integration and its response (AWS IntegrationLatency).', ROUTE_LABELS),
    };
  }

  /** REST series of a (stage, method) pair; `labels` runs once per pair. */
  rest(stage: object, route: unknown, labels: () => Record<RestLabel, string>): RestSeries {
    return this.#restCache.get(stage, route, () => {
      const l = labels();
      const m = this.#rest;
      const s = { count: m.count.labels(l), error4xx: m.error4xx.labels(l), error5xx: m.error5xx.labels(l), latency: m.latency.labels(l), integrationLatency: m.integrationLatency.labels(l), cacheHit: m.cacheHit.labels(l), cacheMiss: m.cacheMiss.labels(l) };
      // Error counters start at 0 with the series, so error ratios exist before the first error.
      s.error4xx.inc(0);
      s.error5xx.inc(0);
      return s;
    });
  }

  /** HTTP API series of a (stage, route) pair. */
  http(stage: object, route: unknown, labels: () => Record<RouteLabel, string>): HttpSeries {
    return this.#httpCache.get(stage, route, () => {
      const l = labels();
      const m = this.#http;
      const s = { count: m.count.labels(l), error4xx: m.error4xx.labels(l), error5xx: m.error5xx.labels(l), latency: m.latency.labels(l), integrationLatency: m.integrationLatency.labels(l), dataProcessed: m.dataProcessed.labels(l) };
      s.error4xx.inc(0);
      s.error5xx.inc(0);
      return s;
    });
  }

  /** WebSocket series of a (stage, route) pair. */
  ws(stage: object, route: unknown, labels: () => Record<RouteLabel, string>): WsSeries {
    return this.#wsCache.get(stage, route, () => {
      const l = labels();
      const m = this.#ws;
      const s = { connectCount: m.connectCount.labels(l), messageCount: m.messageCount.labels(l), integrationError: m.integrationError.labels(l), clientError: m.clientError.labels(l), executionError: m.executionError.labels(l), integrationLatency: m.integrationLatency.labels(l) };
      s.integrationError.inc(0);
      s.clientError.inc(0);
      s.executionError.inc(0);
      return s;
    });
  }

  /** The fail-open counter of a stage (`api` = the API name, as REST's ApiName). */
  failOpen(stage: object, labels: () => { api: string; stage: string }): BoundCounter {
    return this.#failOpenCache.get(stage, FAIL_OPEN_METRIC, () => this.#failOpen.labels(labels()));
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its content type (`text/plain; version=0.0.4; charset=utf-8`). */
  get contentType(): string {
    return this.registry.contentType;
  }
}
