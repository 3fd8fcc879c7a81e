/**
 * A WebSocket route's integration, run for one event: AWS_PROXY (a local Lambda function),
 * HTTP_PROXY (the message POSTed to a URL) or MOCK. Each is a plain function; the 29 s
 * integration timeout is a wrapper composed around it (style.md #8).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-integrations.html
 *
 * Failures are thrown as {@link WsIntegrationError}: a message route turns them into the
 * `{"message": "Internal server error", ...}` frame, `$connect` into the handshake's status.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import type { Integration } from '../model/index.ts';
import type { LambdaRuntime } from '../lambda/types.ts';
import type { WebSocketEvent } from '../lambda/events/websocket.ts';
import type { RequestHeader } from '../lambda/events/common.ts';
import { HOP_BY_HOP } from '../util/http.ts';
import { substituteStageVariables } from '../util/stage-variables.ts';
import { Abort, type AbortLike } from '../util/abort.ts';

/** WebSocket integrations time out after 29 s (spec §12; limits page, "Integration timeout"). */
export const WS_INTEGRATION_TIMEOUT_MS = 29_000;

/** What an integration answered: the two-way reply is `body` (a Buffer is sent as a binary frame). */
export interface WsIntegrationResult {
  /** `$connect`: a non-2xx status rejects the handshake with it. Absent = 200. */
  readonly statusCode?: number;
  readonly body?: string | Buffer;
  /** `$connect`: `Sec-WebSocket-Protocol` is echoed in the 101. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What went wrong; decides the status of a failed `$connect` (see {@link WsIntegrationError}). */
export type WsIntegrationFailure = 'function-error' | 'malformed-response' | 'timeout' | 'unreachable' | 'configuration';

/**
 * Why an integration gave no answer. `status` is what a `$connect` handshake is rejected with:
 * 504 on a timeout, 502 otherwise. AWS's WebSocket front end answers with REST's codes for
 * these (its error frame says REST's "Internal server error"), and a failing $connect function
 * was reported as `Unexpected server response: 502`
 * (https://github.com/serverless/serverless-websockets-plugin/issues/13).
 */
export class WsIntegrationError extends Error {
  readonly code = 'PORTICO_ERR_WS_INTEGRATION';
  readonly kind: WsIntegrationFailure;
  readonly status: number;
  constructor(kind: WsIntegrationFailure, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WsIntegrationError';
    this.kind = kind;
    this.status = kind === 'timeout' ? 504 : 502;
  }
}

/** One run of an integration. */
export interface WsInvocation {
  /** The Lambda event (the HTTP integration reads the raw pieces below instead). */
  readonly event: WebSocketEvent;
  /** MESSAGE: the message as received; the HTTP integration's request body. */
  readonly data?: Buffer;
  /** CONNECT: the upgrade request's headers (AWS forwards them to HTTP backends, Sec-WebSocket-* included). */
  readonly headers?: readonly RequestHeader[];
  readonly stageVariables: Readonly<Record<string, string>>;
  /** Logger with the connection's fields. */
  readonly log: Logger;
}

/** A compiled integration: one event in, the answer out; throws {@link WsIntegrationError}. */
export type WsIntegration = (invocation: WsInvocation) => Promise<WsIntegrationResult>;

/** An integration that takes the timeout's signal. */
type Inner = (invocation: WsInvocation, signal: AbortLike) => Promise<WsIntegrationResult>;

/** What the integrations need from the API. */
export interface WsIntegrateDeps {
  readonly runtime: LambdaRuntime;
  /** Connection pool for HTTP integrations (owned by the API, closed with it). */
  readonly dispatcher: () => Dispatcher;
}

/** Compiles one integration, with the timeout wrapped around it. */
export function createWsIntegration(integration: Integration, deps: WsIntegrateDeps): WsIntegration {
  const timeoutMs = Math.min(integration.timeoutInMillis || WS_INTEGRATION_TIMEOUT_MS, WS_INTEGRATION_TIMEOUT_MS);
  switch (integration.integrationType) {
    case 'AWS_PROXY':
      return withTimeout(timeoutMs, lambdaIntegration(integration.functionName, deps.runtime));
    case 'HTTP_PROXY':
      return withTimeout(timeoutMs, httpIntegration(integration.integrationUri, integration.integrationMethod, deps.dispatcher));
    case 'MOCK': {
      // The body AWS renders from the integration response template; the loader gives it as text.
      const result: WsIntegrationResult = integration.responseBody === undefined ? { statusCode: 200 } : { statusCode: 200, body: integration.responseBody };
      return () => Promise.resolve(result);
    }
  }
}

/** The integration timeout: past it the caller gets a 'timeout' failure and the inner call is aborted. */
export function withTimeout(ms: number, inner: Inner): WsIntegration {
  return async (invocation) => {
    const abort = new Abort();
    const timer = setTimeout(() => abort.abort(), ms);
    try {
      return await inner(invocation, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) throw new WsIntegrationError('timeout', `integration timed out after ${ms} ms`, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** AWS_PROXY: invoke the function; `{statusCode, headers, body}` of its result is the answer. */
function lambdaIntegration(functionNameTemplate: string, runtime: LambdaRuntime): Inner {
  return async (invocation, signal) => {
    const functionName = substituteStageVariables(functionNameTemplate, invocation.stageVariables);
    if (!runtime.has(functionName)) throw new WsIntegrationError('configuration', `function "${functionName}" is not defined`);
    const result = await runtime.invoke(functionName, invocation.event, { awsRequestId: randomUUID(), signal });
    if (!result.ok) {
      if (result.kind === 'aborted' && signal.aborted) throw new WsIntegrationError('timeout', 'aborted');
      invocation.log.error(
        { code: 'PORTICO_ERR_WS_INTEGRATION', fn: functionName, kind: result.kind, errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace },
        `Lambda function ${functionName} failed: ${result.errorType}: ${result.errorMessage}`,
      );
      throw new WsIntegrationError('function-error', `${result.errorType}: ${result.errorMessage}`);
    }
    return parseLambdaResult(result.payload);
  };
}

/**
 * A function's result as a route response. Only `body` is sent back (spec §3.3); `statusCode`
 * and `headers` matter on `$connect`. A numeric string status is accepted, as REST accepts it.
 * Not documented by AWS, so lenient: a result that is not an object (or `null`) answers 200
 * with nothing to send; a non-string `body` is sent as its JSON text; `isBase64Encoded: true`
 * sends the decoded bytes as a binary frame.
 */
export function parseLambdaResult(payload: unknown): WsIntegrationResult {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return {};
  const { statusCode, body, headers, isBase64Encoded } = payload as Record<string, unknown>;
  let status: number | undefined;
  if (statusCode !== undefined && statusCode !== null) {
    status = typeof statusCode === 'number' ? statusCode : typeof statusCode === 'string' && /^\d{3}$/.test(statusCode) ? Number(statusCode) : NaN;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new WsIntegrationError('malformed-response', `statusCode ${JSON.stringify(statusCode)} is not an HTTP status`);
    }
  }
  let out: string | Buffer | undefined;
  if (typeof body === 'string') out = isBase64Encoded === true ? Buffer.from(body, 'base64') : body;
  else if (body !== undefined && body !== null) out = JSON.stringify(body);
  const headerMap: Record<string, string> = {};
  if (headers !== null && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') headerMap[k] = String(v);
  }
  return { ...(status !== undefined ? { statusCode: status } : {}), ...(out !== undefined ? { body: out } : {}), headers: headerMap };
}

/**
 * HTTP_PROXY: the message is the request body; the response body is the two-way reply and
 * its status decides `$connect`. `ANY` is sent as POST.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-integration-requests.html
 */
function httpIntegration(uriTemplate: string, method: string, dispatcher: () => Dispatcher): Inner {
  const verb = (method.toUpperCase() === 'ANY' ? 'POST' : method.toUpperCase()) as Dispatcher.HttpMethod;
  return async (invocation, signal) => {
    let url: URL;
    try {
      url = new URL(substituteStageVariables(uriTemplate, invocation.stageVariables));
    } catch (err) {
      throw new WsIntegrationError('configuration', `integration URI "${uriTemplate}" is not a URL`, err);
    }
    const headers: string[] = [];
    for (const [name, value] of invocation.headers ?? []) {
      const lower = name.toLowerCase();
      if (!HOP_BY_HOP.has(lower) && lower !== 'host' && lower !== 'content-length') headers.push(name, value);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: verb, headers, body: invocation.data ?? null, signal, dispatcher: dispatcher() });
    } catch (err) {
      if (signal.aborted) throw err;
      invocation.log.error({ code: 'PORTICO_ERR_WS_INTEGRATION', url: url.href, err }, `HTTP integration ${url.href} failed: ${(err as Error).message}`);
      throw new WsIntegrationError('unreachable', (err as Error).message, err);
    }
    const text = await res.body.text();
    const replyHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) replyHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    return { statusCode: res.statusCode, body: text, headers: replyHeaders };
  };
}
