/**
 * The Lambda proxy event of an HTTP API with payload format 2.0.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 *
 * Fields are written in the order of AWS's sample event, so a JSON dump reads the same.
 * Not produced: `requestContext.authentication` (mutual TLS is not supported).
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

/** `requestContext.http`. */
export interface HttpV2Http {
  readonly method: string;
  /** Same as `rawPath`. */
  readonly path: string;
  readonly protocol: string;
  readonly sourceIp: string;
  /** The User-Agent header; `''` when the client sent none. */
  readonly userAgent: string;
}

/** `requestContext` of a 2.0 event. */
export interface HttpV2RequestContext {
  readonly accountId: string;
  readonly apiId: string;
  /** Only with an authorizer. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly domainName: string;
  readonly domainPrefix: string;
  readonly http: HttpV2Http;
  readonly requestId: string;
  readonly routeKey: string;
  /** `$default` or the stage name. */
  readonly stage: string;
  /** `12/Mar/2020:19:03:58 +0000` */
  readonly time: string;
  readonly timeEpoch: number;
}

/** A payload format 2.0 event. Optional fields are absent (not null) when empty, as on AWS. */
export interface HttpV2Event {
  readonly version: '2.0';
  readonly routeKey: string;
  /** The request path, URL-decoded, including a named stage's segment. */
  readonly rawPath: string;
  /** As sent, without `?`; `''` when there is none. */
  readonly rawQueryString: string;
  /** Every cookie of every Cookie header; absent without cookies. */
  readonly cookies?: readonly string[];
  /** Lower-cased names, repeats joined with `,`; no `cookie`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded; repeats joined with `,`; absent without a query. */
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly requestContext: HttpV2RequestContext;
  /** Absent when the body is empty. */
  readonly body?: string;
  /** Absent when the route has no path variables. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly isBase64Encoded: boolean;
  /** Absent when the stage has none. */
  readonly stageVariables?: Readonly<Record<string, string>>;
}

/**
 * Builds the 2.0 event for a routed request. `body` is the whole request body.
 * Requires `ctx.match` (the route phase ran).
 */
export function buildHttpV2Event(ctx: GatewayContext, body: Buffer, info: EventInfo): HttpV2Event {
  const { request, match, stage } = ctx;
  if (!match) throw new Error('buildHttpV2Event: ctx.match is not set; the route phase must run first');

  const headers = new Map<string, string>();
  const cookies: string[] = [];
  const pairs = requestHeaders(request.rawHeaders);
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    // "All cookie headers in the request are combined ... and added to the cookies field";
    // the cookie header itself is not forwarded.
    if (lower === 'cookie') {
      for (const cookie of value.split(';')) {
        const trimmed = cookie.trim();
        if (trimmed !== '') cookies.push(trimmed);
      }
      continue;
    }
    // "Duplicate headers are combined with commas and included in the headers field."
    const prev = headers.get(lower);
    headers.set(lower, prev === undefined ? value : `${prev},${value}`);
  }

  // "Duplicate query strings are combined with commas and included in the queryStringParameters field."
  const query = new Map<string, string>();
  for (const [name, value] of parseQuery(request.rawQuery)) {
    const prev = query.get(name);
    query.set(name, prev === undefined ? value : `${prev},${value}`);
  }

  // HTTP APIs decode the path; it keeps a named stage's segment (spec §1.3, §2.2).
  const rawPath = decodeLenient(request.rawPath);
  const encoded = encodeEventBody(body, firstHeader(pairs, 'content-type'));
  const domain = domainName(request.host);
  const routeKey = match.route.routeKey;

  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: request.rawQuery,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers: sortedRecord(headers),
    ...(query.size > 0 ? { queryStringParameters: Object.fromEntries(query) } : {}),
    requestContext: {
      accountId: info.accountId,
      apiId: ctx.api.apiId,
      ...(info.authorizer ? { authorizer: info.authorizer } : {}),
      domainName: domain,
      domainPrefix: domainPrefix(domain),
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers.get('user-agent') ?? '',
      },
      requestId: ctx.requestId,
      routeKey,
      stage: stage.stageName,
      time: clfTime(ctx.requestTimeEpoch),
      timeEpoch: ctx.requestTimeEpoch,
    },
    ...(encoded ? { body: encoded.body } : {}),
    ...(hasEntries(match.pathParameters) ? { pathParameters: decodePathParameters(match.pathParameters) } : {}),
    isBase64Encoded: encoded?.isBase64Encoded ?? false,
    ...(hasEntries(stage.stageVariables) ? { stageVariables: { ...stage.stageVariables } } : {}),
  };
}
