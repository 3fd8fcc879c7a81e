/**
 * A WebSocket API entry of portico.yaml → WebSocketApi: routes (`$connect`, `$disconnect`,
 * `$default`, custom keys), their integrations (Lambda, HTTP, MOCK), two-way routes, the route
 * selection expression, stages and limits.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api.html
 */
import { AWS_WEBSOCKET_LIMITS, type Integration, type WebSocketApi, type WebSocketAuthorizer, type WebSocketLimits, type WebSocketRoute } from '../model/index.ts';
import { compileIdentitySources } from '../pipeline/2-authorize/identity-sources.ts';
import { hasStageVariables } from '../util/stage-variables.ts';
import { compileRouteSelection } from '../websocket/route-selection.ts';
import { checkHttpUri } from './integration-uri.ts';
import type { JsonPath } from './json-path.ts';
import type { RawApi, RawRoute } from './raw-types.ts';
import { loadStages, type ApiLoadInput } from './stages.ts';

/** WebSocket integration timeout: 50 ms to 29 s, default 29 s (spec §12). */
const WS_TIMEOUT_MAX = 29_000;
const PREDEFINED = new Set(['$connect', '$disconnect', '$default']);
// Keys that only mean something for HTTP APIs.
const HTTP_ONLY = ['openapi', 'cors', 'throttling', 'authorizers'] as const;

/** Loads one WebSocket API; problems go to `input.errors`. */
export function loadWebSocketApi(raw: RawApi, input: ApiLoadInput): WebSocketApi | undefined {
  const { src, path, errors } = input;
  for (const key of HTTP_ONLY) {
    if (raw[key] !== undefined) errors.push(src.error([...path, key], `"${key}" is not supported for WebSocket APIs`));
  }
  const routes: WebSocketRoute[] = [];
  for (const [routeKey, r] of Object.entries(raw.routes ?? {})) {
    const rpath: JsonPath = [...path, 'routes', routeKey];
    const httpOnly = (['authorizationType', 'authorizationScopes'] as const).find((k) => r[k] !== undefined);
    if (httpOnly !== undefined) {
      errors.push(src.error([...rpath, httpOnly], `"${httpOnly}" is only for HTTP API routes (WebSocket APIs authorize $connect with an authorizer object)`));
      continue;
    }
    // "Custom route keys can't start with $" — only the three predefined ones do.
    if (routeKey.startsWith('$') && !PREDEFINED.has(routeKey)) {
      errors.push(src.error(rpath, `"${routeKey}": only $connect, $disconnect and $default start with "$"; custom route keys can't`));
      continue;
    }
    if (routeKey === '') {
      errors.push(src.error(rpath, 'a route key can not be empty'));
      continue;
    }
    const integration = wsIntegration(r, rpath, routeKey, input);
    if (integration === null) continue;
    if (r.routeResponse && (routeKey === '$disconnect' || routeKey === '$connect')) {
      // $connect answers with the handshake; $disconnect runs after the socket closed.
      errors.push(src.error([...rpath, 'routeResponse'], `${routeKey} can not be a two-way route`));
      continue;
    }
    const authorizer = r.authorizer === undefined ? undefined : wsAuthorizer(raw, r, rpath, routeKey, input);
    if (authorizer === null) continue;
    routes.push({ routeId: routeKey, routeKey, ...(integration ? { integration } : {}), twoWay: r.routeResponse === true, ...(authorizer ? { authorizer } : {}), source: src.where(rpath) });
  }
  if (routes.length === 0 && errors.length === 0) input.warnings.push(src.warning(path, `WebSocket API "${raw.name}" has no routes; every message gets the Forbidden error frame`));
  if (raw.routeSelectionExpression !== undefined) {
    try {
      compileRouteSelection(raw.routeSelectionExpression);
    } catch (e) {
      errors.push(src.error([...path, 'routeSelectionExpression'], (e as Error).message));
    }
  }
  const stages = loadStages(raw, input, undefined, 'dev');
  stages.forEach((s, i) => {
    // WebSocket invoke URLs always name a stage: wss://{api}/{stage}.
    if (s.stageName === '$default') errors.push(src.error(raw.stages ? [...path, 'stages', i, 'name'] : [...path, 'stage'], 'WebSocket APIs have no $default stage; name the stage (e.g. dev)'));
  });
  return {
    apiId: input.apiId,
    name: raw.name,
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: raw.routeSelectionExpression ?? '$request.body.action',
    routes,
    stages,
    limits: limitsOf(raw),
    ...(raw.port !== undefined ? { port: raw.port } : {}),
    source: src.where(path),
  };
}

/** The route's integration; undefined = none (allowed on $connect/$disconnect); null = an error was reported. */
function wsIntegration(r: RawRoute, rpath: JsonPath, routeKey: string, input: ApiLoadInput): Integration | undefined | null {
  const { src, errors } = input;
  const kinds = (['function', 'http', 'mock'] as const).filter((k) => r[k] !== undefined);
  if (r.integration !== undefined || r.payloadFormatVersion !== undefined || r.requestParameters !== undefined || r.responseParameters !== undefined || r.method !== undefined) {
    const key = (['integration', 'payloadFormatVersion', 'requestParameters', 'responseParameters', 'method'] as const).find((k) => r[k] !== undefined) as string;
    errors.push(src.error([...rpath, key], `"${key}" is not supported on WebSocket routes; use function, http or mock`));
    return null;
  }
  if (kinds.length > 1) {
    errors.push(src.error(rpath, `a route takes one of "function", "http" or "mock", got ${kinds.map((k) => `"${k}"`).join(' and ')}`));
    return null;
  }
  if (kinds.length === 0) {
    if (routeKey === '$connect' || routeKey === '$disconnect') return undefined;
    errors.push(src.error(rpath, 'a route needs one of "function", "http" or "mock"'));
    return null;
  }
  const timeoutInMillis = r.timeoutInMillis ?? WS_TIMEOUT_MAX;
  if (timeoutInMillis > WS_TIMEOUT_MAX) {
    errors.push(src.error([...rpath, 'timeoutInMillis'], `must be at most ${WS_TIMEOUT_MAX} (WebSocket API limit), got ${timeoutInMillis}`));
    return null;
  }
  const common = { integrationId: routeKey, timeoutInMillis, source: src.where(rpath) };
  if (r.function !== undefined) {
    if (!hasStageVariables(r.function) && !input.functionNames.has(r.function)) {
      errors.push(src.error([...rpath, 'function'], `function "${r.function}" is not defined under functions: (defined: ${[...input.functionNames].join(', ') || 'none'})`));
      return null;
    }
    const uri = `arn:aws:lambda:${input.region}:${input.accountId}:function:${r.function}`;
    return { ...common, integrationType: 'AWS_PROXY', integrationUri: uri, functionName: r.function, payloadFormatVersion: '1.0' };
  }
  if (r.http !== undefined) {
    try {
      checkHttpUri(r.http);
    } catch (e) {
      errors.push(src.error([...rpath, 'http'], (e as Error).message));
      return null;
    }
    return { ...common, integrationType: 'HTTP_PROXY', integrationUri: r.http, integrationMethod: 'POST', payloadFormatVersion: '1.0' };
  }
  return { ...common, integrationType: 'MOCK', responseBody: r.mock as string };
}

/**
 * The `$connect` route's Lambda authorizer; null = an error was reported.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
function wsAuthorizer(raw: RawApi, r: RawRoute, rpath: JsonPath, routeKey: string, input: ApiLoadInput): WebSocketAuthorizer | null {
  const { src, errors } = input;
  const a = r.authorizer as NonNullable<RawRoute['authorizer']>;
  const apath: JsonPath = [...rpath, 'authorizer'];
  // The schema also allows a string: the name of an HTTP API authorizer.
  if (typeof (r.authorizer as unknown) !== 'object') {
    errors.push(src.error(apath, 'a WebSocket authorizer is an object { function, identitySource, name }; naming one of authorizers: is for HTTP API routes'));
    return null;
  }
  // "You can only use a Lambda authorizer function for the $connect route."
  if (routeKey !== '$connect') {
    errors.push(src.error(apath, `only $connect can have an authorizer (WebSocket APIs authorize the connection, not each message); "${routeKey}" can not`));
    return null;
  }
  // apigatewayv2 authorizerResultTtlInSeconds: "Supported only for HTTP API Lambda authorizers."
  if (a.resultTtlInSeconds !== undefined && a.resultTtlInSeconds !== 0) {
    errors.push(src.error([...apath, 'resultTtlInSeconds'], 'AWS does not cache WebSocket authorizer results (authorizerResultTtlInSeconds is supported only for HTTP API Lambda authorizers); remove it or set 0'));
    return null;
  }
  if (!hasStageVariables(a.function) && !input.functionNames.has(a.function)) {
    errors.push(src.error([...apath, 'function'], `function "${a.function}" is not defined under functions: (defined: ${[...input.functionNames].join(', ') || 'none'})`));
    return null;
  }
  const identitySource = a.identitySource ?? [];
  try {
    compileIdentitySources(identitySource, 'WEBSOCKET');
  } catch (e) {
    errors.push(src.error([...apath, 'identitySource'], (e as Error).message));
    return null;
  }
  const name = a.name ?? `${raw.name}-authorizer`;
  const fnArn = `arn:aws:lambda:${input.region}:${input.accountId}:function:${a.function}`;
  return {
    authorizerId: name,
    name,
    functionName: a.function,
    authorizerUri: `arn:aws:apigateway:${input.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
    identitySource,
    source: src.where(apath),
  };
}

function limitsOf(raw: RawApi): WebSocketLimits {
  const l = raw.limits ?? {};
  const d = AWS_WEBSOCKET_LIMITS;
  return {
    idleTimeoutMs: l.idleTimeoutSeconds !== undefined ? Math.round(l.idleTimeoutSeconds * 1000) : d.idleTimeoutMs,
    maxConnectionMs: l.maxConnectionSeconds !== undefined ? Math.round(l.maxConnectionSeconds * 1000) : d.maxConnectionMs,
    maxFrameBytes: l.maxFrameBytes ?? d.maxFrameBytes,
    maxMessageBytes: l.maxMessageBytes ?? d.maxMessageBytes,
    pingResetsIdle: l.pingResetsIdle ?? d.pingResetsIdle,
    ...(l.acceptBinaryMessages !== undefined ? { acceptBinaryMessages: l.acceptBinaryMessages } : {}),
  };
}
