/**
 * `HTTP_PROXY` for HTTP APIs: the request is streamed to a URL and the answer streamed back.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
 *
 * Failures before the response headers arrive become gateway responses (HTTP API table):
 * the integration timeout → INTEGRATION_TIMEOUT (503 {"message":"Service Unavailable"});
 * refused / reset / DNS / TLS → INTEGRATION_FAILURE (500 {"message":"Internal Server Error"}).
 * After the headers, a failing body can only abort the client's response.
 */
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { GatewayError } from '../../errors/index.ts';
import {
  applyHeaderOperations,
  applyRequestMapping,
  compileRequestMapping,
  compileResponseMapping,
  contextVariables,
  DEFAULT_ACCOUNT_ID,
} from '../../mapping/http-parameter-mapping.ts';
import type { HttpProxyIntegration } from '../../model/index.ts';
import { connectionTokens, HOP_BY_HOP } from '../../util/http.ts';
import { hasStageVariables, substituteStageVariables } from '../../util/stage-variables.ts';
import type { GatewayContext, GatewayResponse, HeaderPair } from '../types.ts';
import { forwardedHeaders } from './aws-added-headers.ts';
import { encodeForUri, fillTemplate, hasDotSegment, PATH_SAFE, QUERY_SAFE, splitUri, stageTargets, type Target } from './http-proxy-url.ts';
import { mappedQueryString, mappingInput, mapResponse } from './request-mapping.ts';
import { Abort, type AbortLike } from '../../util/abort.ts';

/** Injection points, for tests and for a future per-integration TLS or proxy setup. */
export interface HttpProxyDeps {
  /** The connection pool for an upstream origin (`https://host:port`). Default: one shared keep-alive Agent. */
  readonly dispatcherFor?: (origin: string) => Dispatcher;
  /** `$context.accountId` for mappings (the project's `accountId`); default {@link DEFAULT_ACCOUNT_ID}. */
  readonly accountId?: string;
}

/** AWS HTTP API integration timeout: default and maximum 30 s (spec §12). */
const MAX_TIMEOUT_MS = 30_000;

let sharedAgent: Agent | undefined;

/** The shared Agent: keep-alive pools per origin, created on first use (REST integrations use it too). */
export function sharedDispatcher(): Dispatcher {
  sharedAgent ??= new Agent({
    // Per origin; more requests queue (their integration timeout keeps running).
    connections: 128,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: MAX_TIMEOUT_MS },
    headersTimeout: MAX_TIMEOUT_MS,
    bodyTimeout: MAX_TIMEOUT_MS,
  });
  return sharedAgent;
}

/** Closes the shared upstream connections (graceful shutdown); a later request opens new ones. */
export async function closeHttpProxyAgents(): Promise<void> {
  const agent = sharedAgent;
  sharedAgent = undefined;
  await agent?.close();
}

// Hop-by-hop fields (and `proxy-*`), plus `host` (undici sets the upstream's) and
// `content-length` (re-sent only when it still describes the body). `expect` never reaches
// integrations (spec §2.1), and undici refuses it.
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect']);
const notForwarded = (lower: string): boolean => NOT_FORWARDED.has(lower) || lower.startsWith('proxy-');

/**
 * Refuses a client-supplied path value with a `.` / `..` segment (decoded): a backend that
 * normalises paths would let `/pub/../../admin` leave the URI's `/public/` prefix. Answered as
 * a path no route matches (404). AWS documents no such check; portico is stricter (docs/http-api.md).
 */
function refuseDotSegments(value: string): void {
  if (hasDotSegment(value)) throw new GatewayError('RESOURCE_NOT_FOUND', { message: `dot-segment in a path value sent to the integration: ${JSON.stringify(value)}` });
}

/**
 * Creates the integration function. The mappings and (stage-variable-free) URI are checked now;
 * errors are plain Errors naming `integration.source`, for the loader to wrap in a ConfigError.
 */
export function createHttpProxyIntegration(
  integration: HttpProxyIntegration,
  deps: HttpProxyDeps = {},
): (ctx: GatewayContext) => Promise<GatewayResponse> {
  const requestMapping = integration.requestParameters && compileRequestMapping(integration.requestParameters, integration.source);
  const responseMapping = integration.responseParameters && compileResponseMapping(integration.responseParameters, integration.source);
  const accountId = deps.accountId ?? DEFAULT_ACCOUNT_ID;
  // The URI is split once: now when it is literal, else once per stage (keyed by the stage's
  // variables object, fixed for a loaded project; a reload brings new objects).
  let fixedTarget: Target | undefined;
  if (!hasStageVariables(integration.integrationUri)) {
    try {
      fixedTarget = splitUri(integration.integrationUri);
    } catch (err) {
      throw new Error(`${integration.source}: ${(err as Error).message}`, { cause: err });
    }
  }
  const targetFor = stageTargets(integration.integrationUri, substituteStageVariables);
  const timeout = Math.min(integration.timeoutInMillis || MAX_TIMEOUT_MS, MAX_TIMEOUT_MS);
  const fixedMethod = integration.integrationMethod.toUpperCase() === 'ANY' ? undefined : integration.integrationMethod.toUpperCase();

  return async function httpProxy(ctx: GatewayContext): Promise<GatewayResponse> {
    const req = ctx.request;
    const params = ctx.match?.pathParameters ?? {};
    const target = fixedTarget ?? targetFor(ctx.stage.stageVariables);
    // Route path variables are sent where the URI names them: /pets/{petID} → …/extendedpath/{petID}.
    // `/` is kept: a greedy value (`{proxy}` for a `{proxy+}` route) spans segments, and a one-segment
    // value cannot hold a bare `/` (an encoded `%2F` stays encoded).
    let path = fillTemplate(target.path, params, PATH_SAFE, true, refuseDotSegments);
    // "When the $default route receives a request, API Gateway sends the full request path to the
    // integration" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
    // Full means as received, a named stage's segment included (reported on re:Post); other routes
    // send the URI's path only, so `ANY /{proxy+}` needs `{proxy}` in the URI.
    if (ctx.match?.route.routeKey === '$default') {
      refuseDotSegments(req.rawPath);
      path = path.replace(/\/+$/, '') + req.rawPath;
    }

    // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 §6.3).
    const declared = req.body.declaredLength;
    const hasBody = declared !== undefined ? declared > 0 : req.headers['transfer-encoding'] !== undefined;
    // `$request.body` mappings need the body in hand; otherwise it is streamed, never buffered.
    const buffered = requestMapping?.needsBody && hasBody ? await req.body.read() : undefined;

    // Header names a `Connection` header lists are hop-by-hop too (RFC 9110 §7.6.1).
    const listed = connectionTokens(req.headers.connection);
    const drop = listed === undefined ? notForwarded : (lower: string) => notForwarded(lower) || listed.has(lower);
    // A streamed body keeps its declared length; a buffered one gets its own from undici.
    let headers = forwardedHeaders(req, buffered === undefined && hasBody && declared !== undefined ? String(declared) : undefined, drop);
    let clientQuery = req.rawQuery;
    let context: ((name: string) => string | undefined) | undefined;
    if (requestMapping) {
      context = contextVariables(ctx, accountId);
      const mapped = applyRequestMapping(requestMapping, mappingInput(ctx, buffered, context));
      if (mapped.headerOps.length > 0) headers = applyHeaderOperations(toPairs(headers), mapped.headerOps).flat();
      if (requestMapping.querystrings.length > 0) clientQuery = mappedQueryString(req.rawQuery, mapped.queryOps);
      if (mapped.path !== undefined) {
        refuseDotSegments(mapped.path);
        path = encodeForUri(mapped.path.startsWith('/') ? mapped.path : `/${mapped.path}`, PATH_SAFE, true);
      }
    }
    // "By default, API Gateway sends query string parameters to your backend integration" (routes page),
    // after the URI's own.
    const uriQuery = fillTemplate(target.query, params, QUERY_SAFE, false);
    const query = uriQuery === '' ? clientQuery : clientQuery === '' ? uriQuery : `${uriQuery}&${clientQuery}`;

    const method = fixedMethod ?? req.method;
    const controller = new Abort();
    // The integration timeout runs until the response headers arrive (connect and upload included).
    const timer = setTimeout(() => controller.abort(new Error(`no response headers within ${timeout} ms`)), timeout);
    let bodyStream: Readable | undefined;
    let bodyError: unknown;
    if (buffered === undefined && hasBody) {
      bodyStream = req.body.stream();
      // REQUEST_TOO_LARGE arrives here; remembered so it wins over undici's own report of it.
      bodyStream.once('error', (err) => (bodyError = err));
    }
    ctx.timings.integrationStart = process.hrtime.bigint();
    let res: Dispatcher.ResponseData;
    try {
      res = await (deps.dispatcherFor?.(target.origin) ?? sharedDispatcher()).request({
        origin: target.origin,
        path: query === '' ? path : `${path}?${query}`,
        method,
        headers,
        body: buffered ?? bodyStream ?? null,
        signal: controller.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      bodyStream?.destroy();
      throw upstreamError(err, bodyError, controller.signal);
    } finally {
      clearTimeout(timer);
    }
    ctx.timings.integrationEnd = process.hrtime.bigint();

    const upstream = res.body;
    let headersOut = fromUndiciHeaders(res.headers);
    let body: GatewayResponse['body'] = upstream;
    const whole = await readBodyIfSmall(res, method);
    if (whole === undefined) {
      // After this point errors can only end the stream; the writer sees them through its pipeline.
      upstream.on('error', (err) => ctx.log.debug({ err }, 'http proxy: upstream body failed'));
    } else {
      body = whole;
      // The writer sets Content-Length for a body in hand.
      headersOut = headersOut.filter(([name]) => name !== 'content-length');
    }
    const response: GatewayResponse = { statusCode: res.statusCode, headers: headersOut, body };
    if (responseMapping === undefined || !responseMapping.has(res.statusCode)) return response;
    try {
      return await mapResponse(responseMapping, response, ctx, context ?? contextVariables(ctx, accountId));
    } catch (err) {
      upstream.destroy();
      throw upstreamError(err, undefined, controller.signal);
    }
  };
}

/** Upstream bodies up to this size (declared by Content-Length) are read whole before answering. */
const SMALL_BODY_BYTES = 65_536;

/**
 * A small upstream body (Content-Length ≤ 64 KiB) read whole, so it is written with the head in
 * one write: cheaper than piping a stream (docs/performance.md), and a body that fails midway is
 * still a gateway response, as on AWS, which buffers integration responses. Undefined (stream
 * it) for larger or unsized bodies, and for HEAD, 204 and 304, whose Content-Length describes a
 * body that is not sent. A failure while reading is the integration's failure (our own timer
 * stops at the headers, so only undici's body timeout makes it a timeout).
 */
export async function readBodyIfSmall(res: Dispatcher.ResponseData, method: string): Promise<Buffer | undefined> {
  const length = res.headers['content-length'];
  if (typeof length !== 'string' || length.length > 5 || !(Number(length) <= SMALL_BODY_BYTES)) return undefined;
  if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return undefined;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.body.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      res.body.once('error', reject);
    });
  } catch (err) {
    throw upstreamError(err, undefined);
  }
}

/** A flat `[name, value, …]` list as pairs. */
function toPairs(flat: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

/** undici's header object → pairs (repeats such as `set-cookie` kept), hop-by-hop fields dropped. */
export function fromUndiciHeaders(headers: Record<string, string | string[] | undefined>): HeaderPair[] {
  const listed = connectionTokens(typeof headers.connection === 'string' ? headers.connection : undefined);
  const out: HeaderPair[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    if (typeof value === 'string') out.push([name, value]);
    else for (const v of value) out.push([name, v]);
  }
  return out;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps an upstream failure to the gateway response AWS gives for it; `signal`: our own integration timer's, while it runs. */
export function upstreamError(err: unknown, bodyError: unknown, signal?: AbortLike): GatewayError {
  if (bodyError instanceof GatewayError) return bodyError;
  if (err instanceof GatewayError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // Our own timer aborts with its Error as the reason; undici rejects with that same object.
  if ((signal?.aborted === true && err === signal.reason) || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new GatewayError('INTEGRATION_TIMEOUT', { cause: err });
  }
  return new GatewayError('INTEGRATION_FAILURE', { cause: err });
}
