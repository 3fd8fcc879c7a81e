/**
 * Builds a GatewayContext for unit tests without a socket: one HTTP API with one route and
 * one stage, a request as the edge adapter would hand it over, a silent logger.
 *
 * @example
 * const ctx = makeContext({ method: 'POST', path: '/dev/pets/7', stageName: 'dev',
 *   routeKey: 'POST /pets/{id}', pathParameters: { id: '7' }, headers: [['content-type', 'application/json']], body: '{}' });
 */
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { CorsConfiguration, HttpApi, Integration, Route, Stage } from '../../src/model/index.ts';
import type { GatewayContext, GatewayRequest, RequestBody } from '../../src/pipeline/types.ts';
import { shortId as newRequestId } from '../../src/util/ids.ts';

/** Everything optional; see each field for its default. */
export interface ContextOptions {
  /** Upper-cased. Default `GET`. */
  readonly method?: string;
  /**
   * The path exactly as the client sent it (not decoded, no query), INCLUDING `/{stage}` for
   * a named stage: `/dev/pets`. Default `/`, or `/{stageName}` for a named stage.
   */
  readonly path?: string;
  /** Raw query string without `?`. Default `''`. */
  readonly query?: string;
  /** Request headers in order, client casing, repeats allowed. Default none (not even Host). */
  readonly headers?: ReadonlyArray<readonly [name: string, value: string]>;
  /** Request body. Default empty. */
  readonly body?: Buffer | string;
  /** Default `$default`. */
  readonly stageName?: string;
  /** Default `{}`. */
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** The matched route. Default `$default`. */
  readonly routeKey?: string;
  /** Raw (undecoded) values the router captured. Default `{}`. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** Leave `ctx.match` unset (for phases that run before routing). Default false. */
  readonly unmatched?: boolean;
  /** `request.host`. Default: the Host header if given, else `localhost:3000`. It adds no Host header. */
  readonly host?: string;
  /** Default `127.0.0.1`. */
  readonly sourceIp?: string;
  /** Default `HTTP/1.1`. */
  readonly protocol?: string;
  /** Default `http`. */
  readonly scheme?: 'http' | 'https';
  /** Default 3000. */
  readonly localPort?: number;
  /** Default `Date.now()`. */
  readonly requestTimeEpoch?: number;
  /** Default a fresh UUID. */
  readonly requestId?: string;
  /** Default `api-id`. */
  readonly apiId?: string;
  /** The route's integration. Default AWS_PROXY to function `fn`, payload 2.0. */
  readonly integration?: Integration;
  readonly corsConfiguration?: CorsConfiguration;
}

/** A RequestBody over a buffer: `read()` resolves it, `stream()` yields it once. */
export function bufferBody(body: Buffer, declaredLength: number | undefined = body.length): RequestBody {
  return {
    declaredLength,
    read: () => Promise.resolve(body),
    stream: () => Readable.from(body.length > 0 ? [body] : []),
  };
}

/** Builds a context; every field has a default (see {@link ContextOptions}). */
export function makeContext(options: ContextOptions = {}): GatewayContext {
  const stageName = options.stageName ?? '$default';
  const named = stageName !== '$default';
  const path = options.path ?? (named ? `/${stageName}` : '/');
  const headerList = options.headers ?? [];
  const rawHeaders = headerList.flatMap(([name, value]) => [name, value]);
  const headers: Record<string, string> = {};
  for (const [name, value] of headerList) {
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]},${value}`;
  }
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : (options.body ?? Buffer.alloc(0));
  const contentLength = headers['content-length'];

  const request: GatewayRequest = {
    method: (options.method ?? 'GET').toUpperCase(),
    rawPath: path,
    rawQuery: options.query ?? '',
    rawHeaders,
    headers,
    host: options.host ?? headers['host'] ?? 'localhost:3000',
    sourceIp: options.sourceIp ?? '127.0.0.1',
    protocol: options.protocol ?? 'HTTP/1.1',
    scheme: options.scheme ?? 'http',
    localPort: options.localPort ?? 3000,
    body: bufferBody(body, contentLength === undefined ? undefined : Number(contentLength)),
  };

  const integration: Integration = options.integration ?? {
    integrationId: 'integration-id',
    integrationType: 'AWS_PROXY',
    integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    functionName: 'fn',
    payloadFormatVersion: '2.0',
    timeoutInMillis: 30000,
    source: 'test',
  };
  const routeKey = options.routeKey ?? '$default';
  const route: Route = { routeId: 'route-id', routeKey, integration, authorizationType: 'NONE', source: 'test' };
  const stage: Stage = {
    stageName,
    stageVariables: options.stageVariables ?? {},
    defaultRouteSettings: {},
    routeSettings: {},
  };
  const api: HttpApi = {
    apiId: options.apiId ?? 'api-id',
    name: 'test-api',
    protocolType: 'HTTP',
    routes: [route],
    stages: [stage],
    ...(options.corsConfiguration ? { corsConfiguration: options.corsConfiguration } : {}),
    source: 'test',
  };

  // A named stage's segment is stripped for routing; $default routes on the full path.
  let stagePath = path;
  if (named && (path === `/${stageName}` || path.startsWith(`/${stageName}/`))) stagePath = path.slice(stageName.length + 1) || '/';

  return {
    requestId: options.requestId ?? newRequestId(),
    requestTimeEpoch: options.requestTimeEpoch ?? Date.now(),
    request,
    api,
    stage,
    stagePath,
    timings: { start: process.hrtime.bigint() },
    log: pino({ enabled: false }),
    ...(options.unmatched ? {} : { match: { route, pathParameters: options.pathParameters ?? {} } }),
  };
}
