import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { HttpApi, Method, Resource, RestApi, RestStage, Route, Stage } from '../model/index.ts';
import type { GatewayError } from '../errors/index.ts';

/** A request body: buffered on demand (Lambda) or streamed (HTTP_PROXY). At most one of the two is used. */
export interface RequestBody {
  /** Content-Length when the client sent one. */
  readonly declaredLength: number | undefined;
  /** Reads the whole body; rejects with GatewayError REQUEST_TOO_LARGE past the limit. Memoised. */
  read(): Promise<Buffer>;
  /** The body as a stream, for proxying; errors with REQUEST_TOO_LARGE past the limit. */
  stream(): Readable;
}

/** What the edge adapter (server/) hands to the pipeline: transport-free. */
export interface GatewayRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path as received: not decoded, no query, leading `/`. */
  readonly rawPath: string;
  /** Query string without `?`; `''` when absent. */
  readonly rawQuery: string;
  /** Node's flat `[name, value, name, value...]` list, client casing and order kept. */
  readonly rawHeaders: readonly string[];
  /** Lower-cased names; repeated headers joined with `,` as HTTP APIs do. */
  readonly headers: Readonly<Record<string, string>>;
  /** Host header (without port stripping). */
  readonly host: string;
  /** The client: the TCP peer, or behind a trusted proxy the X-Forwarded-For client (server/client-address.ts). */
  readonly sourceIp: string;
  /** The TCP peer, appended to the X-Forwarded-For sent on; absent: `sourceIp`. */
  readonly peerIp?: string;
  /** `HTTP/1.1` */
  readonly protocol: string;
  /** `http` or `https`, and the local port: for X-Forwarded-Proto/Port. */
  readonly scheme: 'http' | 'https';
  readonly localPort: number;
  readonly body: RequestBody;
}

/** One response header; a list keeps repeats (several `set-cookie`). */
export type HeaderPair = readonly [name: string, value: string];

/** What the pipeline hands back to the edge adapter. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: readonly HeaderPair[];
  /** `null` = empty body. A Readable is piped (HTTP_PROXY). */
  readonly body: Buffer | string | Readable | null;
}

/** A matched route, with the path parameters it captured (raw, as AWS for the flavour wants them). */
export interface RouteMatch {
  readonly route: Route;
  /** Values keyed by the route's variable names (`proxy` for `{proxy+}`). */
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** Time marks for the access log and metrics; `process.hrtime.bigint()` values. */
export interface Timings {
  readonly start: bigint;
  integrationStart?: bigint;
  integrationEnd?: bigint;
}

/**
 * The state of one request as it passes the phases, common to every flavour. Phases read
 * what earlier ones set; a phase ends the request by setting `result` or throwing a GatewayError.
 */
export interface BaseContext {
  readonly requestId: string;
  /** Epoch ms when the request arrived (`requestTimeEpoch` / `timeEpoch`). */
  readonly requestTimeEpoch: number;
  readonly request: GatewayRequest;
  readonly timings: Timings;
  readonly log: Logger;
  /** Set by the integrate phase: what the integration answered, before response mapping. */
  integrationResponse?: GatewayResponse;
  /** The final response: set by map-response, or by any phase that short-circuits. */
  result?: GatewayResponse;
  /** The gateway error that produced `result`, if any (for logs and metrics). */
  error?: GatewayError;
  /** Set by the REST stage cache phase when the method is cached: whether the response came from the cache. */
  cacheResult?: 'hit' | 'miss';
  /** Set by a throttle or quota phase that let the request through because its store failed (`state.failMode: open`), for metrics. */
  stateFailedOpen?: true;
}

/** What an HTTP API authorizer established about the caller (set by the authorize phase). */
export interface HttpAuthorization {
  /** `requestContext.authorizer` of 2.0 events: `{jwt: {claims, scopes}}` or `{lambda: {...context}}`. */
  readonly v2: Readonly<Record<string, unknown>>;
  /** `requestContext.authorizer` of 1.0 events: `{claims, scopes}` or `{...context, principalId}`. */
  readonly v1: Readonly<Record<string, unknown>>;
  /** `$context.authorizer.*`, as strings: `claims.sub`, `principalId`, context keys. */
  readonly variables: Readonly<Record<string, string>>;
}

/** An HTTP API request's state. */
export interface GatewayContext extends BaseContext {
  readonly api: HttpApi;
  readonly stage: Stage;
  /** The path routing sees: the stage prefix removed (named stage), or the full path ($default). Not decoded. */
  readonly stagePath: string;
  /** Set by the route phase. */
  match?: RouteMatch;
  /** Set by the authorize phase of routes with an authorizer. */
  authorizer?: HttpAuthorization;
}

/** A matched REST resource and method, with the path parameters it captured (raw, not decoded). */
export interface RestMatch {
  readonly resource: Resource;
  readonly method: Method;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** What an authorizer or API key established about the caller (REST; filled by the authorize phase). */
export interface RestIdentity {
  /** `$context.authorizer.*` (principalId, context keys, claims). */
  authorizer?: Readonly<Record<string, unknown>>;
  /** `$context.identity.*` overrides (IAM caller, Cognito ids, apiKey, apiKeyId). */
  identity?: Readonly<Record<string, string | null>>;
}

/** Set by the API-key phase: the caller's key and the usage plan that meters it on this stage. */
export interface ApiKeyMatch {
  readonly keyId: string;
  /** The plan's index among the plans covering this stage (the usage-plan phase's tables follow that order). */
  readonly plan: number;
}

/** A REST API request's state. */
export interface RestContext extends BaseContext, RestIdentity {
  readonly api: RestApi;
  readonly stage: RestStage;
  /** `$context.extendedRequestId` / `x-amz-apigw-id`. */
  readonly extendedRequestId: string;
  /** The path after `/{stage}`, as received (not decoded); `/` when nothing follows. */
  readonly stagePath: string;
  /** The method routing uses: the request's, or `X-HTTP-Method-Override` (spec §1.2). */
  readonly httpMethod: string;
  /** Set by the route phase. */
  match?: RestMatch;
  /** Set by the API-key phase (methods with `apiKeyRequired`). */
  apiKey?: ApiKeyMatch;
}

/** A phase of the pipeline; see pipeline/index.ts for the order. */
export type Phase<C extends BaseContext = GatewayContext> = (ctx: C) => void | Promise<void>;
