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
  applyResponseMapping,
  compileRequestMapping,
  compileResponseMapping,
  contextVariables,
  DEFAULT_ACCOUNT_ID,
} from '../../mapping/http-parameter-mapping.ts';
import type { HttpProxyIntegration } from '../../model/index.ts';
import { hasStageVariables, substituteStageVariables } from '../../util/stage-variables.ts';
import type { GatewayContext, GatewayResponse, HeaderPair } from '../types.ts';
import { encodeForUri, PATH_SAFE, PATH_VARIABLE, QUERY_SAFE, splitUri, type Target } from './http-proxy-url.ts';
import { traceId } from './aws-added-headers.ts';
import { mappedQueryString, mappingInput } from './request-mapping.ts';

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

/** The shared Agent: keep-alive pools per origin, created on first use. */
function sharedDispatcher(): Dispatcher {
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

// RFC 9110 §7.6.1 hop-by-hop fields, plus `host` (undici sets the upstream's) and `content-length`
// (re-sent only when it still describes the body). `expect` never reaches integrations (spec §2.1),
// and undici refuses it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect']);
// Set by the gateway itself (spec §2.1: AWS adds X-Forwarded-For/Port/Proto).
const REPLACED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port']);

/** Header names a `Connection` header lists are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
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
  if (!hasStageVariables(integration.integrationUri)) {
    try {
      splitUri(integration.integrationUri);
    } catch (err) {
      throw new Error(`${integration.source}: ${(err as Error).message}`, { cause: err });
    }
  }
  const timeout = Math.min(integration.timeoutInMillis || MAX_TIMEOUT_MS, MAX_TIMEOUT_MS);
  const fixedMethod = integration.integrationMethod.toUpperCase() === 'ANY' ? undefined : integration.integrationMethod.toUpperCase();

  return async function httpProxy(ctx: GatewayContext): Promise<GatewayResponse> {
    const req = ctx.request;
    const stageVariables = ctx.stage.stageVariables;
    const params = ctx.match?.pathParameters ?? {};
    const context = contextVariables(ctx, deps.accountId ?? DEFAULT_ACCOUNT_ID);

    let target: Target;
    try {
      target = splitUri(substituteStageVariables(integration.integrationUri, stageVariables));
    } catch (err) {
      throw new GatewayError('API_CONFIGURATION_ERROR', { cause: err });
    }
    // Route path variables are sent where the URI names them: /pets/{petID} → …/extendedpath/{petID}.
    // `/` is kept: a greedy value (`{proxy}` for a `{proxy+}` route) spans segments, and a one-segment
    // value cannot hold a bare `/` (an encoded `%2F` stays encoded).
    const fill = (text: string, safe: RegExp, keepSlash: boolean): string =>
      text.replace(PATH_VARIABLE, (_m, name: string) => encodeForUri(params[name] ?? '', safe, keepSlash));
    let path = fill(target.path, PATH_SAFE, true);
    // "When the $default route receives a request, API Gateway sends the full request path to the
    // integration" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
    // Full means as received, a named stage's segment included (reported on re:Post); other routes
    // send the URI's path only, so `ANY /{proxy+}` needs `{proxy}` in the URI.
    if (ctx.match?.route.routeKey === '$default') path = path.replace(/\/+$/, '') + req.rawPath;

    // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 §6.3).
    const declared = req.body.declaredLength;
    const hasBody = declared !== undefined ? declared > 0 : req.headers['transfer-encoding'] !== undefined;
    // `$request.body` mappings need the body in hand; otherwise it is streamed, never buffered.
    const buffered = requestMapping?.needsBody && hasBody ? await req.body.read() : undefined;

    let clientQuery = req.rawQuery;
    let headers = forwardedHeaders(ctx, buffered === undefined && hasBody ? declared : undefined);
    if (requestMapping) {
      const input = mappingInput(ctx, buffered, context);
      const mapped = applyRequestMapping(requestMapping, input);
      headers = applyHeaderOperations(headers, mapped.headerOps);
      if (requestMapping.querystrings.length > 0) clientQuery = mappedQueryString(req.rawQuery, mapped.queryOps);
      if (mapped.path !== undefined) path = encodeForUri(mapped.path.startsWith('/') ? mapped.path : `/${mapped.path}`, PATH_SAFE, true);
    }
    // "By default, API Gateway sends query string parameters to your backend integration" (routes page),
    // after the URI's own.
    const query = [fill(target.query, QUERY_SAFE, false), clientQuery].filter((q) => q !== '').join('&');

    const controller = new AbortController();
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
        method: fixedMethod ?? req.method,
        headers: headers.flat(),
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
    // After this point errors can only end the stream; the writer sees them through its pipeline.
    upstream.on('error', (err) => ctx.log.debug({ err }, 'http proxy: upstream body failed'));
    let statusCode = res.statusCode;
    let responseHeaders = fromUndiciHeaders(res.headers);
    let body: Buffer | Readable | null = upstream;
    const rule = responseMapping?.get(statusCode);
    if (responseMapping && rule) {
      let buf: Buffer | undefined;
      if (rule.needsBody) {
        try {
          buf = Buffer.from(await upstream.arrayBuffer());
        } catch (err) {
          throw upstreamError(err, undefined, controller.signal);
        }
        body = buf;
      }
      ({ statusCode, headers: responseHeaders } = applyResponseMapping(responseMapping, {
        statusCode,
        headers: responseHeaders,
        body: buf,
        context,
        stageVariable: (name) => stageVariables[name],
      }));
    }
    return { statusCode, headers: responseHeaders, body };
  };
}

/** The client's headers as the upstream gets them, plus X-Forwarded-* and a trace id. */
function forwardedHeaders(ctx: GatewayContext, contentLength: number | undefined): HeaderPair[] {
  const req = ctx.request;
  const listed = connectionTokens(req.headers.connection);
  const out: HeaderPair[] = [];
  const forwardedFor: string[] = [];
  let traced = false;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower) || lower.startsWith('proxy-') || listed.has(lower)) continue;
    if (REPLACED.has(lower)) {
      if (lower === 'x-forwarded-for') forwardedFor.push(value);
      continue;
    }
    if (lower === 'x-amzn-trace-id') traced = true;
    out.push([name, value]);
  }
  if (contentLength !== undefined) out.push(['content-length', String(contentLength)]);
  // The client's address is appended to any chain it sent, as a proxy does.
  out.push(['x-forwarded-for', [...forwardedFor, req.sourceIp].join(', ')]);
  out.push(['x-forwarded-proto', req.scheme], ['x-forwarded-port', String(req.localPort)]);
  if (!traced) out.push(['x-amzn-trace-id', traceId()]);
  return out;
}

/** undici's header object → pairs (repeats such as `set-cookie` kept), hop-by-hop fields dropped. */
function fromUndiciHeaders(headers: Record<string, string | string[] | undefined>): HeaderPair[] {
  const listed = connectionTokens(typeof headers.connection === 'string' ? headers.connection : undefined);
  const out: HeaderPair[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps an upstream failure to the gateway response AWS gives for it. */
function upstreamError(err: unknown, bodyError: unknown, signal: AbortSignal): GatewayError {
  if (bodyError instanceof GatewayError) return bodyError;
  if (err instanceof GatewayError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // Our own timer aborts with its Error as the reason; undici rejects with that same object.
  if ((signal.aborted && err === signal.reason) || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new GatewayError('INTEGRATION_TIMEOUT', { cause: err });
  }
  return new GatewayError('INTEGRATION_FAILURE', { cause: err });
}
