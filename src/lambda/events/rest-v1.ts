/**
 * The Lambda proxy (`AWS_PROXY`) event of a REST API: payload format 1.0, without the
 * `version` key HTTP APIs add.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 *
 * Where AWS's hand-written sample and events recorded from real REST APIs disagree, the
 * recordings win (test/fixtures/aws-events/rest-api-v1-snapshots.json, AWS, August 2024):
 *  - `path` and `pathParameters` are not URL-decoded; query parameters are (spec §1.2);
 *  - a repeated query parameter or header keeps its LAST value in the single-value maps;
 *  - `requestContext.path` is `/{stage}` + the path as received; `path` drops the stage and
 *    the extra slashes right after it (`/stage//x` → `/x`) but keeps a trailing slash;
 *  - Content-Length and Connection never reach the function;
 *  - `identity` has no `cognitoAmr` (HTTP APIs' 1.0 events do).
 * Not produced: `identity.clientCert` (no mutual TLS), `isCanaryRequest` (no canaries).
 */
import type { RestContext } from '../../pipeline/types.ts';
import { clfTime } from '../../util/time.ts';
import { domainName, domainPrefix, parseQuery } from '../../util/http.ts';
import { essence, isBinaryMediaType } from '../../util/media-types.ts';
import { firstHeader, requestHeaders, type RequestHeader } from './common.ts';
import { multiValueMaps } from './http-v1.ts';

/** What the event needs besides the request context. */
export interface RestEventInfo {
  /** `requestContext.accountId`. */
  readonly accountId: string;
  /** `requestContext.deploymentId`. */
  readonly deploymentId: string;
}

/**
 * `requestContext.identity`: the twelve keys AWS always sends (null unless an IAM or Cognito
 * caller fills them), plus whatever the authorize / API-key phases set (`apiKey`, `apiKeyId`).
 */
export interface RestV1Identity {
  readonly [key: string]: string | null;
  readonly accessKey: string | null;
  readonly accountId: string | null;
  readonly caller: string | null;
  readonly cognitoAuthenticationProvider: string | null;
  readonly cognitoAuthenticationType: string | null;
  readonly cognitoIdentityId: string | null;
  readonly cognitoIdentityPoolId: string | null;
  readonly principalOrgId: string | null;
  readonly sourceIp: string;
  readonly user: string | null;
  /** The User-Agent header, or null without one. */
  readonly userAgent: string | null;
  readonly userArn: string | null;
}

/** `requestContext` of a REST proxy event. Keys in AWS's (alphabetical) order. */
export interface RestV1RequestContext {
  readonly accountId: string;
  readonly apiId: string;
  /** Only with an authorizer: `{principalId, ...context, integrationLatency}` or `{claims}`. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly deploymentId: string;
  /** The Host header's domain. */
  readonly domainName: string;
  /** Its first label (the API id on the default endpoint). */
  readonly domainPrefix: string;
  /** `$context.extendedRequestId`, also sent as `x-amz-apigw-id`. */
  readonly extendedRequestId: string;
  readonly httpMethod: string;
  readonly identity: RestV1Identity;
  /** `/{stage}` + the path as received (not decoded, slashes kept). */
  readonly path: string;
  readonly protocol: string;
  /** A UUID. */
  readonly requestId: string;
  /** `02/Aug/2024:23:34:43 +0000` */
  readonly requestTime: string;
  readonly requestTimeEpoch: number;
  readonly resourceId: string;
  /** The resource path template, e.g. `/{proxy+}`. */
  readonly resourcePath: string;
  readonly stage: string;
}

/** The AWS_PROXY event of a REST API. Empty maps are `null`, as on AWS. */
export interface RestV1Event {
  /** The resource path template (`/pets/{id}`). */
  readonly resource: string;
  /** The path without the stage, not decoded, trailing slash kept. */
  readonly path: string;
  readonly httpMethod: string;
  /** One value per header (the last); names sorted case-insensitively. */
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  /** Decoded; the last value of a repeated name. */
  readonly queryStringParameters: Readonly<Record<string, string>> | null;
  readonly multiValueQueryStringParameters: Readonly<Record<string, readonly string[]>> | null;
  /** Raw (not decoded); null when the resource has no variables. */
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly stageVariables: Readonly<Record<string, string>> | null;
  readonly requestContext: RestV1RequestContext;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

/**
 * Request headers that never reach any REST integration, proxies included (spec §2.1;
 * AWS's events show neither Content-Length nor Connection, even for a POST with a body).
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'content-length',
  'content-md5',
  'expect',
  'max-forwards',
  'proxy-authenticate',
  'server',
  'te',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'www-authenticate',
]);

/**
 * Header names REST events spell in title case whatever the client sent: `authorization` and
 * `aUThorization` arrive as `Authorization`, `user-Agent` as `User-Agent` (AWS snapshots in
 * LocalStack's test_apigateway_lambda.snapshot.json); an HTTP/2 client's `host` arrives as
 * `Host` while its `accept` stays lower case (a regional REST capture,
 * https://github.com/architect/architect/issues/698). The X-Forwarded-* and trace headers are
 * AWS's own. Every other name keeps the client's casing (`tEsT-HEADeR`).
 */
const TITLE_CASED: Readonly<Record<string, string>> = {
  authorization: 'Authorization',
  host: 'Host',
  'user-agent': 'User-Agent',
  'x-amzn-trace-id': 'X-Amzn-Trace-Id',
  'x-forwarded-for': 'X-Forwarded-For',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-proto': 'X-Forwarded-Proto',
};

/** The key a REST event uses for a request header name. */
export function restHeaderName(name: string): string {
  return TITLE_CASED[name.toLowerCase()] ?? name;
}

/**
 * A record with keys in case-insensitive order: real REST events list headers that way
 * (`Accept`, `cache-control`, `CloudFront-…`, `Host`, `origin`, `User-Agent`), as a Java
 * case-insensitive map would, which also explains why names differing only in case merge.
 */
function caseInsensitiveRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const entries = [...map].sort(([a], [b]) => {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  return Object.fromEntries(entries);
}

/** The headers the function sees: the integration's list minus the dropped ones, Host guaranteed. */
function eventHeaders(ctx: RestContext): RequestHeader[] {
  const pairs = requestHeaders(ctx.request.rawHeaders).filter(([name]) => !DROPPED_REQUEST_HEADERS.has(name.toLowerCase()));
  // HTTP/2 clients send `:authority` instead of Host; AWS's events always carry Host.
  if (firstHeader(pairs, 'host') === undefined && ctx.request.host !== '') pairs.push(['Host', ctx.request.host]);
  return pairs;
}

/**
 * Query parameters, decoded (`+` is a space, `%2B` a plus). A raw `;` splits values like `&`:
 * "The semicolon character (;) ... results in the data being split" (known issues,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html).
 * Names are case-sensitive, so this groups by exact name (unlike headers).
 */
function queryMaps(rawQuery: string): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  const multi = new Map<string, string[]>();
  for (const [name, value] of parseQuery(rawQuery.replace(/;/g, '&'))) {
    const values = multi.get(name);
    if (values) values.push(value);
    else multi.set(name, [value]);
  }
  if (multi.size === 0) return undefined;
  // "queryStringParameters" keeps the last value of a repeated name (AWS snapshot
  // `invocation-payload-with-params-encoding-multi`: price=10&price=20&price=30 → "30").
  const single = new Map([...multi].map(([name, values]) => [name, values[values.length - 1] as string]));
  return { single: Object.fromEntries(single), multi: Object.fromEntries(multi) };
}

/**
 * Path parameters as the router captured them (raw). A greedy `{name+}` value loses the
 * slashes around it: `/stage/proxy-value/` and `/stage//proxy-value` both give
 * `proxy: "proxy-value"`, while `a//b` inside is kept (AWS snapshots, spec §1.2).
 */
function pathParameters(ctx: RestContext): Record<string, string> | null {
  const match = ctx.match;
  if (!match || Object.keys(match.pathParameters).length === 0) return null;
  const greedy = /^\{(.+)\+\}$/.exec(match.resource.pathPart ?? '')?.[1];
  return Object.fromEntries(
    Object.entries(match.pathParameters).map(([name, value]) => [name, name === greedy ? value.replace(/^\/+/, '').replace(/\/$/, '') : value]),
  );
}

/** `identity`: AWS's null-filled keys merged with what the authorize / API-key phases set, sorted. */
function identity(ctx: RestContext, userAgent: string | null): RestV1Identity {
  const merged: Record<string, string | null> = {
    accessKey: null,
    accountId: null,
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: ctx.request.sourceIp,
    user: null,
    userAgent,
    userArn: null,
    ...ctx.identity,
  };
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as RestV1Identity;
}

/**
 * Builds the REST AWS_PROXY event. `body` is the whole request body. Requires `ctx.match`;
 * `ctx.request.rawHeaders` must already hold the headers AWS adds (X-Forwarded-*, trace id).
 */
export function buildRestV1Event(ctx: RestContext, body: Buffer, info: RestEventInfo): RestV1Event {
  const { request, match, stage } = ctx;
  if (!match) throw new Error('buildRestV1Event: ctx.match is not set; the route phase must run first');

  const pairs = eventHeaders(ctx);
  const headers = multiValueMaps(pairs, 'last', restHeaderName);
  const query = queryMaps(request.rawQuery);
  const domain = domainName(request.host);
  // isBase64Encoded is true only when the request's Content-Type is a binary media type.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
  const binary = isBinaryMediaType(essence(firstHeader(pairs, 'content-type')), ctx.api.binaryMediaTypes);
  const hasBody = body.length > 0;
  const variables = stage.variables;

  return {
    resource: match.resource.path,
    path: `/${ctx.stagePath.replace(/^\/+/, '')}`,
    httpMethod: ctx.httpMethod,
    headers: caseInsensitiveRecord(headers.single),
    multiValueHeaders: caseInsensitiveRecord(headers.multi),
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: pathParameters(ctx),
    stageVariables: Object.keys(variables).length > 0 ? { ...variables } : null,
    requestContext: {
      accountId: info.accountId,
      apiId: ctx.api.apiId,
      ...(ctx.authorizer ? { authorizer: ctx.authorizer } : {}),
      deploymentId: info.deploymentId,
      domainName: domain,
      domainPrefix: domainPrefix(domain),
      extendedRequestId: ctx.extendedRequestId,
      httpMethod: ctx.httpMethod,
      identity: identity(ctx, headers.single.get('User-Agent') ?? null),
      // The stage root gives `/{stage}/`, as in AWS's IAM example ("path": "/test/").
      path: `/${stage.stageName}${ctx.stagePath}`,
      protocol: request.protocol,
      requestId: ctx.requestId,
      requestTime: clfTime(ctx.requestTimeEpoch),
      requestTimeEpoch: ctx.requestTimeEpoch,
      resourceId: match.resource.id,
      resourcePath: match.resource.path,
      stage: stage.stageName,
    },
    body: hasBody ? body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && binary,
  };
}
