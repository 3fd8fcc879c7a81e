/**
 * `HTTP` (non-proxy) and `HTTP_PROXY` for REST APIs.
 *
 * HTTP sends only what the integration request maps — headers, query string and path
 * variables from `requestParameters`, the body from the request template or passthrough — plus
 * AWS's default headers, buffers the answer and hands it to the integration responses, which
 * select by status code. HTTP_PROXY forwards the client's request (headers, query, body
 * streamed) with the mappings merged in, and streams the answer back (spec §4.2).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../../errors/index.ts';
import { remapResponseHeaders } from '../../../lambda/events/rest-response.ts';
import { applyRestRequestParameters, compileRestRequestParameters, type MappedRestRequest } from '../../../mapping/rest-parameter-mapping.ts';
import type { RestIntegration } from '../../../model/index.ts';
import { connectionTokens, decodeLenient, HOP_BY_HOP } from '../../../util/http.ts';
import { substituteStageVariables } from '../../../util/stage-variables.ts';
import type { GatewayResponse, HeaderPair, RestContext } from '../../types.ts';
import { forwardedHeaders, traceId } from '../aws-added-headers.ts';
import { fromUndiciHeaders, readBodyIfSmall, sharedDispatcher, upstreamError } from '../http-proxy.ts';
import { encodeForUri, fillTemplate, hasDotSegment, PATH_SAFE, QUERY_SAFE, stageTargets, type Target } from '../http-proxy-url.ts';
import { buildIntegrationRequest, compileIntegrationRequest } from './integration-request.ts';
import type { IntegrationOutput, RestScope } from './types.ts';
import { Abort } from '../../../util/abort.ts';

/** AWS's ceiling for an integration response (10 MB, spec §12). */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The integration URI per stage (stage variables substituted), split once per stage. */
function targets(integration: RestIntegration): (ctx: RestContext) => Target {
  const forStage = stageTargets(integration.uri ?? '', substituteStageVariables);
  return (ctx) => forStage(ctx.stage.variables);
}

/**
 * Refuses a mapped path value with a `.`/`..` segment, which a normalising backend would resolve
 * out of the URI's prefix. AWS documents no such check; portico answers 500 (docs/rest-api.md).
 */
function refuseDotSegments(value: string): void {
  if (hasDotSegment(value)) throw new GatewayError('API_CONFIGURATION_ERROR', { message: `dot-segment in a path value sent to the integration: ${JSON.stringify(value)}` });
}

/** `?a=1&b=2` from the URI's own query and the mapped parameters (a mapped name replaces the URI's). */
function buildQuery(uriQuery: string, mapped: ReadonlyMap<string, string | readonly string[]>): string {
  const parts: string[] = [];
  if (uriQuery !== '') parts.push(uriQuery);
  for (const [name, value] of mapped) {
    const n = encodeForUri(name, QUERY_SAFE, false);
    for (const v of typeof value === 'string' ? [value] : value) parts.push(`${n}=${encodeForUri(v, QUERY_SAFE, false)}`);
  }
  return parts.join('&');
}

/** Calls the backend; failures before the headers become INTEGRATION_TIMEOUT / INTEGRATION_FAILURE. */
async function call(ctx: RestContext, target: Target, options: { path: string; method: string; headers: string[]; body: Buffer | Readable | null; timeout: number }): Promise<Dispatcher.ResponseData> {
  const controller = new Abort();
  const timer = setTimeout(() => controller.abort(new Error(`no response headers within ${options.timeout} ms`)), options.timeout);
  let bodyError: unknown;
  if (options.body && !Buffer.isBuffer(options.body)) options.body.once('error', (err) => (bodyError = err));
  ctx.timings.integrationStart = process.hrtime.bigint();
  try {
    return await sharedDispatcher().request({
      origin: target.origin,
      path: options.path,
      method: options.method,
      headers: options.headers,
      body: options.body,
      signal: controller.signal,
      headersTimeout: options.timeout,
      bodyTimeout: options.timeout,
    });
  } catch (err) {
    if (options.body && !Buffer.isBuffer(options.body)) options.body.destroy();
    const error = upstreamError(err, bodyError, controller.signal);
    // A backend that cannot be reached is AWS's "Execution failed due to configuration error:
    // Invalid endpoint address" — API_CONFIGURATION_ERROR, 500 (LocalStack's AWS-validated engine agrees).
    if (error.type === 'INTEGRATION_FAILURE') throw new GatewayError('API_CONFIGURATION_ERROR', { message: `the backend cannot be reached: ${(err as Error).message}`, cause: err });
    throw error;
  } finally {
    clearTimeout(timer);
    ctx.timings.integrationEnd = process.hrtime.bigint();
  }
}

/** Compiles an HTTP (non-proxy) integration. */
export function createRestHttp(integration: RestIntegration): (scope: RestScope) => Promise<IntegrationOutput> {
  const request = compileIntegrationRequest(integration);
  const targetFor = targets(integration);
  const fixedMethod = (integration.httpMethod ?? 'ANY').toUpperCase();
  return async (scope) => {
    const { ctx } = scope;
    const target = targetFor(ctx);
    const req = await buildIntegrationRequest(request, scope);
    const path = fillTemplate(target.path, Object.fromEntries(req.path), PATH_SAFE, true, refuseDotSegments);
    const query = buildQuery(fillTemplate(target.query, Object.fromEntries(req.path), QUERY_SAFE, false), req.querystring);
    const method = fixedMethod === 'ANY' ? ctx.httpMethod : fixedMethod;
    const headers: string[] = [];
    for (const [name, value] of req.header) headers.push(name, value);
    const mappedNames = new Set([...req.header.keys()].map((k) => k.toLowerCase()));
    const has = (lower: string): boolean => mappedNames.has(lower);
    // Headers AWS adds to integration requests when the mappings don't set them (spec §4.2).
    if (!has('accept')) headers.push('Accept', 'application/json');
    if (!has('user-agent')) headers.push('User-Agent', `AmazonAPIGateway_${ctx.api.apiId}`);
    const contentType = ctx.request.headers['content-type'];
    if (!has('content-type') && contentType !== undefined && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.httpMethod)) headers.push('Content-Type', contentType);
    headers.push('X-Amzn-Trace-Id', traceId(), 'X-Amzn-Apigateway-Api-Id', ctx.api.apiId);
    const body = req.body.length > 0 || !['GET', 'HEAD'].includes(method) ? req.body : null;
    const res = await call(ctx, target, { path: query === '' ? path : `${path}?${query}`, method, headers, body, timeout: integration.timeoutInMillis });
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_RESPONSE_BYTES) throw new GatewayError('INTEGRATION_FAILURE', { message: 'integration response over 10 MB' });
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      res.body.destroy();
      throw err instanceof GatewayError ? err : new GatewayError('INTEGRATION_FAILURE', { message: 'the backend response body failed', cause: err });
    }
    return { statusCode: res.statusCode, headers: fromUndiciHeaders(res.headers), body: Buffer.concat(chunks), selectionValue: String(res.statusCode) };
  };
}

// Never forwarded by HTTP_PROXY: hop-by-hop fields, Host (undici sets the backend's), the
// length (re-sent only for a body that keeps it), `expect`, and Content-Encoding (spec §4.2).
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect', 'content-encoding']);

/** What an integration without `requestParameters` maps: nothing (read only). */
const NO_MAPPING: MappedRestRequest = { header: new Map(), querystring: new Map(), path: new Map() };

/** Compiles an HTTP_PROXY integration. */
export function createRestHttpProxy(integration: RestIntegration): (scope: RestScope) => Promise<GatewayResponse> {
  const parameters = compileRestRequestParameters(integration.requestParameters, integration.source, integration.type);
  const targetFor = targets(integration);
  const fixedMethod = (integration.httpMethod ?? 'ANY').toUpperCase();
  return async (scope) => {
    const { ctx } = scope;
    const req = ctx.request;
    const target = targetFor(ctx);
    const declared = req.body.declaredLength;
    const hasBody = declared !== undefined ? declared > 0 : req.headers['transfer-encoding'] !== undefined;
    // Most proxies map nothing: then the request's query and header lists are never built.
    const mapped =
      parameters.entries.length === 0
        ? NO_MAPPING
        : applyRestRequestParameters(parameters, {
            pathParameters: ctx.match?.pathParameters ?? {},
            query: scope.query(),
            headers: scope.headers(),
            body: () => undefined,
            context: () => scope.context(),
            stageVariables: ctx.stage.variables,
          });
    const pathValues = Object.fromEntries(mapped.path);
    const path = fillTemplate(target.path, pathValues, PATH_SAFE, true, refuseDotSegments);
    // The client's query string goes through; a mapped name replaces the client's values.
    const clientQuery = req.rawQuery === '' || mapped.querystring.size === 0 ? req.rawQuery : req.rawQuery.split('&').filter((piece) => !mapped.querystring.has(decodeLenient((piece.split('=')[0] ?? '').replace(/\+/g, ' ')))).join('&');
    const uriQuery = fillTemplate(target.query, pathValues, QUERY_SAFE, false);
    const query = buildQuery([uriQuery, clientQuery].filter((q) => q !== '').join('&'), mapped.querystring);
    const listed = connectionTokens(req.headers.connection);
    const mappedNames = new Set([...mapped.header.keys()].map((k) => k.toLowerCase()));
    const drop = (lower: string): boolean => NOT_FORWARDED.has(lower) || lower.startsWith('proxy-') || listed?.has(lower) === true || mappedNames.has(lower);
    const headers = forwardedHeaders(req, hasBody && declared !== undefined ? String(declared) : undefined, drop);
    for (const [name, value] of mapped.header) headers.push(name, value);
    headers.push('X-Amzn-Apigateway-Api-Id', ctx.api.apiId);
    const method = fixedMethod === 'ANY' ? ctx.httpMethod : fixedMethod;
    const res = await call(ctx, target, {
      path: query === '' ? path : `${path}?${query}`,
      method,
      headers,
      body: hasBody ? req.body.stream() : null,
      timeout: integration.timeoutInMillis,
    });
    // Read whole when small (as the HTTP API proxy does); else streamed.
    const whole = await readBodyIfSmall(res, method);
    if (whole === undefined) res.body.on('error', (err) => ctx.log.debug({ err }, 'http proxy: upstream body failed'));
    const upstream = fromUndiciHeaders(res.headers);
    const length = upstream.find(([n]) => n === 'content-length');
    const headersOut: HeaderPair[] = [];
    // The backend's own request id would clash with the gateway's: AWS renames it.
    for (const pair of remapResponseHeaders(upstream, 'proxy')) headersOut.push(pair[0].toLowerCase() === 'x-amzn-requestid' ? ['x-amzn-Remapped-x-amzn-RequestId', pair[1]] : pair);
    // Hop-by-hop for portico's own connection, but AWS reports the backend's (spec §3.1).
    const connection = res.headers['connection'];
    if (typeof connection === 'string') headersOut.push(['x-amzn-Remapped-Connection', connection]);
    // The remapped copy tells the client what the backend said; the framing length stays (the
    // writer sets it for a body in hand).
    if (length && whole === undefined) headersOut.push(['content-length', length[1]]);
    return { statusCode: res.statusCode, headers: headersOut, body: whole ?? res.body };
  };
}
