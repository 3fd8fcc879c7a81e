/**
 * The Lambda proxy event of an HTTP API with payload format 1.0: REST's shape plus
 * `"version": "1.0"`, with HTTP API values.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 *
 * Where AWS's hand-written sample and events captured from real HTTP APIs disagree, the
 * captures win (test/fixtures/aws-events/http-api-v1-capture.json, 2021):
 *  - `requestContext.resourceId` is the route key (`POST /users/{userId}/inventories`,
 *    `$default`), not the sample's `null`;
 *  - `identity` has `cognitoAmr: null` (absent from the sample);
 *  - `extendedRequestId` equals `requestId`;
 *  - for the `$default` route, `resource` and `resourcePath` are `$default`;
 *  - `path` and `requestContext.path` both include a named stage's segment.
 * Not produced: `identity.clientCert` (mutual TLS is not supported).
 */
import type { GatewayContext } from '../../pipeline/types.ts';
import { clfTime } from '../../util/time.ts';
import { decodeLenient, domainName, domainPrefix, parseQuery } from '../../util/http.ts';
import {
  decodePathParameters,
  encodeEventBody,
  firstHeader,
  hasEntries,
  requestHeaders,
  sortedRecord,
  type EventInfo,
} from './common.ts';

/** `requestContext.identity`: all null except the caller's address and agent (no IAM/Cognito identity). */
export interface V1Identity {
  readonly accessKey: null;
  readonly accountId: null;
  readonly caller: null;
  readonly cognitoAmr: null;
  readonly cognitoAuthenticationProvider: null;
  readonly cognitoAuthenticationType: null;
  readonly cognitoIdentityId: null;
  readonly cognitoIdentityPoolId: null;
  readonly principalOrgId: null;
  readonly sourceIp: string;
  readonly user: null;
  /** The User-Agent header, or null without one. */
  readonly userAgent: string | null;
  readonly userArn: null;
}

/** `requestContext` of a 1.0 event on an HTTP API. */
export interface HttpV1RequestContext {
  readonly accountId: string;
  readonly apiId: string;
  /** Only with an authorizer. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly domainName: string;
  readonly domainPrefix: string;
  /** Equals `requestId` on HTTP APIs. */
  readonly extendedRequestId: string;
  readonly httpMethod: string;
  readonly identity: V1Identity;
  /** The full request path, decoded (with a named stage's segment). */
  readonly path: string;
  readonly protocol: string;
  readonly requestId: string;
  /** `04/Mar/2020:19:15:17 +0000` */
  readonly requestTime: string;
  readonly requestTimeEpoch: number;
  /** The route key on HTTP APIs. */
  readonly resourceId: string;
  /** The route path (`/pets/{id}`), or `$default`. */
  readonly resourcePath: string;
  readonly stage: string;
}

/** A payload format 1.0 event as HTTP APIs send it. Empty maps are `null`, as on AWS. */
export interface HttpV1Event {
  readonly version: '1.0';
  /** The route path (`/pets/{id}`), or `$default`. */
  readonly resource: string;
  /** The request path, decoded, including a named stage's segment. */
  readonly path: string;
  readonly httpMethod: string;
  /** One value per header: the last one. */
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  readonly queryStringParameters: Readonly<Record<string, string>> | null;
  readonly multiValueQueryStringParameters: Readonly<Record<string, readonly string[]>> | null;
  readonly requestContext: HttpV1RequestContext;
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly stageVariables: Readonly<Record<string, string>> | null;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

/** Which value a single-value map keeps when a name repeats. */
export type SingleValuePick = 'first' | 'last';

/** Knobs for what is ambiguous, so a later REST builder can reuse the helpers with its own rules. */
export interface HttpV1Options {
  /**
   * The value `queryStringParameters` keeps for a repeated name. Default `'first'`: AWS's
   * HTTP API 1.0 sample shows `parameter1=value1&parameter1=value2` as `"parameter1": "value1"`
   * (while its headers keep the last value). REST APIs keep the last value (spec §1.2).
   */
  readonly queryValue?: SingleValuePick;
}

/**
 * How HTTP APIs spell 1.0 header names, as seen in captured events: names in HTTP/2's static
 * table (RFC 7541 Appendix A) arrive lower-cased even from HTTP/1.1 clients (`Accept` →
 * `accept`), a few are title-cased (`Host`, `Content-Type`, the ones AWS adds), and any other
 * name keeps the client's casing (`Postman-Token`, `X-Razorpay-Signature`).
 */
const TITLE_CASED: Readonly<Record<string, string>> = {
  'content-length': 'Content-Length',
  'content-type': 'Content-Type',
  host: 'Host',
  'user-agent': 'User-Agent',
  'x-amzn-trace-id': 'X-Amzn-Trace-Id',
  'x-forwarded-for': 'X-Forwarded-For',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-proto': 'X-Forwarded-Proto',
};
const LOWER_CASED = new Set(
  ('accept-charset accept-encoding accept-language accept-ranges accept access-control-allow-origin age allow authorization ' +
    'cache-control content-disposition content-encoding content-language content-location content-range cookie date etag ' +
    'expect expires from if-match if-modified-since if-none-match if-range if-unmodified-since last-modified link location ' +
    'max-forwards proxy-authenticate proxy-authorization range referer refresh retry-after server set-cookie ' +
    'strict-transport-security transfer-encoding vary via www-authenticate').split(' '),
);

/** The 1.0 `headers` key HTTP APIs use for a request header name. */
export function httpV1HeaderName(name: string): string {
  const lower = name.toLowerCase();
  return TITLE_CASED[lower] ?? (LOWER_CASED.has(lower) ? lower : name);
}

/** A single-value and a multi-value map built from repeated `[name, value]` pairs. */
export interface MultiValueMaps {
  readonly single: Map<string, string>;
  readonly multi: Map<string, string[]>;
}

/**
 * Groups pairs by name for the 1.0 maps. `keyOf` maps a name to its key (names that share a
 * key merge; the first spelling is kept). `pick` chooses the single-value map's value.
 */
export function multiValueMaps(
  pairs: Iterable<readonly [string, string]>,
  pick: SingleValuePick,
  keyOf: (name: string) => string = (name) => name,
): MultiValueMaps {
  const multi = new Map<string, string[]>();
  const keys = new Map<string, string>();
  for (const [name, value] of pairs) {
    const key = keyOf(name);
    const folded = key.toLowerCase();
    const existing = keys.get(folded) ?? key;
    keys.set(folded, existing);
    const values = multi.get(existing);
    if (values) values.push(value);
    else multi.set(existing, [value]);
  }
  const single = new Map<string, string>();
  for (const [key, values] of multi) single.set(key, (pick === 'first' ? values[0] : values[values.length - 1]) as string);
  return { single, multi };
}

/** The 1.0 `identity` block of an unauthenticated caller. */
export function v1Identity(sourceIp: string, userAgent: string | null): V1Identity {
  return {
    accessKey: null,
    accountId: null,
    caller: null,
    cognitoAmr: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

/** The route's path (`GET /pets/{id}` → `/pets/{id}`); `$default` stays `$default`. */
export function routePath(routeKey: string): string {
  const space = routeKey.indexOf(' ');
  return space < 0 ? routeKey : routeKey.slice(space + 1);
}

/**
 * Builds the 1.0 event for a routed request on an HTTP API. `body` is the whole request body.
 * Requires `ctx.match` (the route phase ran).
 */
export function buildHttpV1Event(ctx: GatewayContext, body: Buffer, info: EventInfo, options: HttpV1Options = {}): HttpV1Event {
  const { request, match, stage } = ctx;
  if (!match) throw new Error('buildHttpV1Event: ctx.match is not set; the route phase must run first');

  const pairs = requestHeaders(request.rawHeaders);
  // The sample keeps the last value of a repeated header ("header2": "value2").
  const headers = multiValueMaps(pairs, 'last', httpV1HeaderName);
  const query = multiValueMaps(parseQuery(request.rawQuery), options.queryValue ?? 'first');
  const path = decodeLenient(request.rawPath);
  const encoded = encodeEventBody(body, firstHeader(pairs, 'content-type'));
  const domain = domainName(request.host);
  const routeKey = match.route.routeKey;
  const resource = routePath(routeKey);
  const hasQuery = query.multi.size > 0;

  return {
    version: '1.0',
    resource,
    path,
    httpMethod: request.method,
    headers: sortedRecord(headers.single),
    multiValueHeaders: sortedRecord(headers.multi),
    queryStringParameters: hasQuery ? Object.fromEntries(query.single) : null,
    multiValueQueryStringParameters: hasQuery ? Object.fromEntries(query.multi) : null,
    requestContext: {
      accountId: info.accountId,
      apiId: ctx.api.apiId,
      ...(info.authorizer ? { authorizer: info.authorizer } : {}),
      domainName: domain,
      domainPrefix: domainPrefix(domain),
      extendedRequestId: ctx.requestId,
      httpMethod: request.method,
      identity: v1Identity(request.sourceIp, headers.single.get('User-Agent') ?? null),
      path,
      protocol: request.protocol,
      requestId: ctx.requestId,
      requestTime: clfTime(ctx.requestTimeEpoch),
      requestTimeEpoch: ctx.requestTimeEpoch,
      resourceId: routeKey,
      resourcePath: resource,
      stage: stage.stageName,
    },
    pathParameters: hasEntries(match.pathParameters) ? decodePathParameters(match.pathParameters) : null,
    stageVariables: hasEntries(stage.stageVariables) ? { ...stage.stageVariables } : null,
    body: encoded?.body ?? null,
    isBase64Encoded: encoded?.isBase64Encoded ?? false,
  };
}
