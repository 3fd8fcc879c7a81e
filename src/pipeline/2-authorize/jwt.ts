/**
 * JWT validation as HTTP API JWT authorizers do it (spec §6.5), and the authorize phase of
 * routes that use one. The order follows AWS's workflow: take the token from the identity
 * source (bare or `Bearer `), decode it, check algorithm and signature with the issuer's key
 * named by `kid` (RSA only), then `iss`, `aud`/`client_id`, `exp`, `nbf`, `iat`, and scopes.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { JwtAuthorizer } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import type { GatewayContext, Phase } from '../types.ts';
import { compileIdentitySource } from './http-identity-source.ts';
import { JwksError, RSA_ALGORITHMS, type JwksCache } from './jwks.ts';

/**
 * Leeway for `nbf` and `iat` (a token minted by an issuer whose clock runs slightly ahead).
 * AWS documents none ("must be before the current time"); `exp` gets no leeway at all, so an
 * expired token is never accepted. RFC 7519 §4.1.4 allows "some small leeway".
 */
export const CLOCK_SKEW_SECONDS = 5;

/** A token refused: 401 `invalid_token`, or 403 `insufficient_scope`. `description` goes in `www-authenticate`. */
export class JwtError extends Error {
  override readonly name = 'JwtError';
  readonly description: string;
  readonly status: 401 | 403;

  constructor(description: string, status: 401 | 403 = 401, options?: ErrorOptions) {
    super(description, options);
    this.description = description;
    this.status = status;
  }
}

/** A verified token's claims, as the issuer wrote them. */
export type JwtClaims = Readonly<Record<string, unknown>>;

/** What {@link verifyJwtSignature} needs: the key cache of an accepted issuer. */
export interface SignatureOptions {
  /** The key cache for a token's `iss`; `undefined` = an issuer this authorizer does not accept. */
  readonly keysFor: (iss: string) => JwksCache | undefined;
}

/**
 * Decodes the token and checks its signature, and that its issuer is accepted. Returns the
 * claims; throws JwtError. Only RSA algorithms are accepted, pinned to the JWK's `alg` when it
 * has one: `alg: none` and HS256 (with the public key used as an HMAC secret) are refused
 * before any key is used.
 */
export async function verifyJwtSignature(token: string, opts: SignatureOptions): Promise<JwtClaims> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('the token is malformed');
  let header;
  let unverified: unknown;
  try {
    header = decodeProtectedHeader(token);
    unverified = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('the token is malformed');
  }
  if (typeof header.alg !== 'string' || !RSA_ALGORITHMS.has(header.alg)) throw new JwtError(`the token's signing method ${String(header.alg)} is not supported`);
  if (typeof header.kid !== 'string') throw new JwtError('the token has no key id (kid)');
  const iss = isRecord(unverified) ? unverified['iss'] : undefined;
  const jwks = typeof iss === 'string' ? opts.keysFor(iss) : undefined;
  if (!jwks) throw new JwtError('the token does not have a valid issuer');
  let key;
  try {
    key = await jwks.key(header.kid);
  } catch (err) {
    if (err instanceof JwksError) throw new JwtError('the signing keys of the issuer could not be retrieved', 401, { cause: err });
    throw err;
  }
  if (!key) throw new JwtError('no signing key matches the token\'s key id');
  // A key that names its algorithm is used with that algorithm only (RFC 7517 §4.4).
  if (key.alg !== undefined && key.alg !== header.alg) throw new JwtError(`the token's signing method ${header.alg} does not match the key's`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, await jwks.cryptoKey(key, header.alg), { algorithms: [header.alg] }));
  } catch (err) {
    throw new JwtError('the token signature is invalid', 401, { cause: err });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new JwtError('the token is malformed');
  }
  if (!isRecord(claims)) throw new JwtError('the token is malformed');
  return claims;
}

/**
 * `exp` (required, strictly after now), `nbf` and `iat` (before now, with {@link CLOCK_SKEW_SECONDS}).
 * A token without `exp` is refused: it would be valid forever.
 */
export function checkTimes(claims: JwtClaims, nowSeconds: number): void {
  const exp = claims['exp'];
  if (typeof exp !== 'number') throw new JwtError('the token has no valid expiry (exp)');
  if (exp <= nowSeconds) throw new JwtError('the token has expired');
  for (const name of ['nbf', 'iat'] as const) {
    const v = claims[name];
    if (v === undefined) continue;
    if (typeof v !== 'number') throw new JwtError(`the token has an invalid ${name}`);
    if (v > nowSeconds + CLOCK_SKEW_SECONDS) throw new JwtError(name === 'nbf' ? 'the token is not valid yet' : 'the token was issued in the future');
  }
}

/**
 * `aud` or, only when there is no `aud`, `client_id` must be one of `audience`
 * ("When both aud and client_id are present, API Gateway evaluates aud").
 */
export function checkAudience(claims: JwtClaims, audience: readonly string[]): void {
  const aud = claims['aud'];
  const values = aud !== undefined ? (Array.isArray(aud) ? aud : [aud]) : claims['client_id'] !== undefined ? [claims['client_id']] : [];
  if (!values.some((v) => typeof v === 'string' && audience.includes(v))) throw new JwtError('the token does not have a valid audience');
}

/** The token's scopes: `scope` (space-separated) or `scp` (a list or a string). */
export function tokenScopes(claims: JwtClaims): string[] {
  const raw = claims['scope'] ?? claims['scp'];
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s !== '');
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * A claim value as the integration sees it: every value is a string; lists print Go-style
 * (`[a b c]`), as reported for HTTP APIs (aws/aws-lambda-go#591).
 */
export function claimString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimString).join(' ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** All claims as strings. */
export function stringClaims(claims: JwtClaims): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) define(out, k, claimString(v));
  return out;
}

/** Sets a key as plain data, so that a claim named `__proto__` stays a claim. */
export function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The token of an identity value: bare, or after `Bearer ` (the scheme name is case-insensitive, RFC 7235 §2.1). */
export function bearerToken(value: string): string {
  const m = /^bearer +(.*)$/i.exec(value.trim());
  return (m ? (m[1] as string) : value).trim();
}

/** What the JWT phase of one route needs. */
export interface JwtPhaseOptions {
  readonly authorizer: JwtAuthorizer;
  /** The route's `authorizationScopes` (empty: no scope check, `scopes: null`). */
  readonly scopes: readonly string[];
  /** The keys of the authorizer's issuer. */
  readonly jwks: JwksCache;
  readonly accountId: string;
  readonly now?: () => number;
}

/**
 * The authorize phase of a route with a JWT authorizer. Failures are 401 `{"message":"Unauthorized"}`
 * with AWS's `www-authenticate` header; a valid token without the route's scopes is 403
 * `insufficient_scope` (RFC 6750 §3.1). On success the claims, all strings, go to
 * `requestContext.authorizer.jwt` (2.0), `requestContext.authorizer` (1.0) and `$context.authorizer.claims.*`.
 */
export function createJwtPhase(opts: JwtPhaseOptions): Phase<GatewayContext> {
  const { authorizer, scopes, jwks } = opts;
  const source = authorizer.identitySource[0] ?? '$request.header.Authorization';
  const read = compileIdentitySource(source, opts.accountId);
  const { issuer, audience } = authorizer.jwtConfiguration;
  const now = opts.now ?? Date.now;
  const keysFor = (iss: string): JwksCache | undefined => (iss === issuer ? jwks : undefined);
  return async (ctx) => {
    try {
      const value = read(ctx);
      if (value === undefined) throw new JwtError('the token is missing');
      const claims = await verifyJwtSignature(bearerToken(value), { keysFor });
      checkAudience(claims, audience);
      checkTimes(claims, Math.floor(now() / 1000));
      const granted = tokenScopes(claims);
      if (scopes.length > 0 && !granted.some((s) => scopes.includes(s))) throw new JwtError('the token does not have the required scope', 403);
      const strings = stringClaims(claims);
      const eventScopes = scopes.length > 0 ? granted : null;
      const variables: Record<string, string> = {};
      for (const [k, v] of Object.entries(strings)) define(variables, `claims.${k}`, v);
      ctx.authorizer = { v2: { jwt: { claims: strings, scopes: eventScopes } }, v1: { claims: strings, scopes: eventScopes }, variables };
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      if (err.cause instanceof JwksError) ctx.log.warn({ requestId: ctx.requestId, code: err.cause.code, issuer, err: err.cause }, `JWT authorizer ${authorizer.name}: ${err.cause.message}`);
      throw jwtGatewayError(err, scopes);
    }
  };
}

/** The gateway error of a refused token, with `www-authenticate` as AWS writes it. */
export function jwtGatewayError(err: JwtError, scopes: readonly string[]): GatewayError {
  const insufficient = err.status === 403;
  const scope = insufficient ? scopes.join(' ') : '';
  const header = `Bearer scope="${scope}" error="${insufficient ? 'insufficient_scope' : 'invalid_token'}" error_description="${err.description.replace(/["\\]/g, '')}"`;
  return new GatewayError(insufficient ? 'ACCESS_DENIED' : 'UNAUTHORIZED', { message: `JWT authorizer: ${err.description}`, cause: err, headers: [['www-authenticate', header]] });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
