/**
 * Reads the SigV4 authentication a request carries, in either place AWS accepts it: the
 * `Authorization` header or a presigned query string. Only syntax is checked here (with AWS's
 * IncompleteSignatureException wording); dates, scope, keys and the signature are sigv4.ts's.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-authentication-methods.html
 *
 *   Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/execute-api/aws4_request,
 *                  SignedHeaders=host;x-amz-date, Signature=<64 hex>
 *   ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…
 *    &X-Amz-SignedHeaders=host&X-Amz-Signature=…[&X-Amz-Security-Token=…]
 */
import type { GatewayRequest } from '../types.ts';
import { SigV4Error } from './sigv4-error.ts';
import { parseQuery } from '../../util/http.ts';

/** The one algorithm AWS accepts for SigV4 (SigV4a is not used by execute-api). */
export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** What the client claims, before anything is checked against it. */
export interface SignatureClaim {
  readonly placement: 'header' | 'query';
  readonly algorithm: string;
  /** `AKID/date/region/service/terminator`, as sent. */
  readonly credential: string;
  /** Lower-cased by the client (`host;x-amz-date`), as sent. */
  readonly signedHeaders: string;
  readonly signature: string;
  /** The request date as sent (`X-Amz-Date` header or query, else the `Date` header). */
  readonly date: string;
  /** Where `date` came from: `Date` headers use RFC 7231 format, the others ISO-8601 basic. */
  readonly dateSource: 'x-amz-date' | 'date';
  /** Presigned URLs only: seconds the signature stays valid. */
  readonly expires?: string;
  /** `X-Amz-Security-Token` (header or query), if sent. */
  readonly securityToken?: string;
  /** The decoded query pairs in order, minus nothing (the canonical query drops X-Amz-Signature itself). */
  readonly query: readonly (readonly [string, string])[];
}

/** Query parameter names of a presigned request (matched case-sensitively, as AWS documents them). */
const Q = {
  algorithm: 'X-Amz-Algorithm',
  credential: 'X-Amz-Credential',
  date: 'X-Amz-Date',
  signedHeaders: 'X-Amz-SignedHeaders',
  signature: 'X-Amz-Signature',
  expires: 'X-Amz-Expires',
  token: 'X-Amz-Security-Token',
} as const;

/**
 * The request's claim, or `undefined` when it carries no authentication at all (AWS's
 * "Missing Authentication Token"). Throws {@link SigV4Error} for a malformed one.
 */
export function parseSignature(request: GatewayRequest): SignatureClaim | undefined {
  const authorizations = headerValues(request, 'authorization');
  // SigV4 canonicalisation: each side percent-decoded, `+` kept literally (SDKs send `%20`).
  const query = parseQuery(request.rawQuery, false);
  const presigned = query.some(([k]) => k === Q.algorithm);
  if (authorizations.length === 0 && !presigned) return undefined;
  // Two places (or two headers) would let each layer read a different one: refuse.
  if (authorizations.length > 0 && presigned) {
    throw new SigV4Error('IncompleteSignatureException', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified');
  }
  if (authorizations.length > 1) throw new SigV4Error('IncompleteSignatureException', 'Only one Authorization header is allowed');
  return presigned ? fromQuery(query) : fromHeader(request, authorizations[0] as string, query);
}

/**
 * `Authorization: <algorithm> k=v, k=v, k=v`. AWS's messages (IncompleteSignatureException),
 * as recorded against real AWS by dynalite and in reports against execute-api (spec §1.2):
 * a component without `=` → `'<c>' not a valid key=value pair (missing equal-sign) in
 * Authorization header: '<header>'.`; missing parts → one sentence per part, then
 * `Authorization=<header>`.
 */
function fromHeader(request: GatewayRequest, header: string, query: readonly (readonly [string, string])[]): SignatureClaim {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? '' : trimmed.slice(space + 1);
  const params = new Map<string, string>();
  for (const part of rest.split(',')) {
    const component = part.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    if (eq < 0) throw new SigV4Error('IncompleteSignatureException', `'${component}' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'.`);
    const key = component.slice(0, eq).trim();
    // A repeated parameter is ambiguous: refuse rather than pick one.
    if (params.has(key)) throw new SigV4Error('IncompleteSignatureException', `Authorization header has a repeated '${key}' parameter. Authorization=${header}`);
    params.set(key, component.slice(eq + 1).trim());
  }
  const amzDate = single(request, 'x-amz-date');
  const httpDate = single(request, 'date');
  let missing = '';
  for (const name of ['Credential', 'Signature', 'SignedHeaders'] as const) {
    if (!params.get(name)) missing += `Authorization header requires '${name}' parameter. `;
  }
  if (amzDate === undefined && httpDate === undefined) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (missing) throw new SigV4Error('IncompleteSignatureException', `${missing}Authorization=${header}`);
  const token = single(request, 'x-amz-security-token');
  return {
    placement: 'header',
    algorithm,
    credential: params.get('Credential') as string,
    signedHeaders: params.get('SignedHeaders') as string,
    signature: params.get('Signature') as string,
    date: amzDate ?? (httpDate as string),
    dateSource: amzDate !== undefined ? 'x-amz-date' : 'date',
    ...(token !== undefined ? { securityToken: token } : {}),
    query,
  };
}

/** Presigned: every `X-Amz-*` parameter once; AWS's wording for a missing one (S3's; unverified for execute-api). */
function fromQuery(query: readonly (readonly [string, string])[]): SignatureClaim {
  const get = (name: string): string | undefined => {
    const found = query.filter(([k]) => k === name);
    if (found.length > 1) throw new SigV4Error('IncompleteSignatureException', `AWS query-string parameters must include '${name}' once. Re-examine the query-string parameters.`);
    return found[0]?.[1];
  };
  const required = (name: string): string => {
    const value = get(name);
    if (!value) throw new SigV4Error('IncompleteSignatureException', `AWS query-string parameters must include '${name}'. Re-examine the query-string parameters.`);
    return value;
  };
  const algorithm = required(Q.algorithm);
  const credential = required(Q.credential);
  const signedHeaders = required(Q.signedHeaders);
  const signature = required(Q.signature);
  const date = required(Q.date);
  const expires = get(Q.expires);
  // A token in the query is part of the signed query; a header token is not looked at here.
  const token = get(Q.token);
  return {
    placement: 'query',
    algorithm,
    credential,
    signedHeaders,
    signature,
    date,
    dateSource: 'x-amz-date',
    ...(expires !== undefined ? { expires } : {}),
    ...(token !== undefined ? { securityToken: token } : {}),
    query,
  };
}

/** Every value of a header, from the raw list (repeats kept apart). */
export function headerValues(request: GatewayRequest, lowerName: string): string[] {
  const out: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === lowerName) out.push(raw[i + 1] as string);
  }
  return out;
}

/** A header sent once; several copies of a date or token header are refused (ambiguous). */
function single(request: GatewayRequest, lowerName: string): string | undefined {
  const values = headerValues(request, lowerName);
  if (values.length > 1) throw new SigV4Error('IncompleteSignatureException', `Only one '${lowerName}' header is allowed`);
  return values[0];
}
