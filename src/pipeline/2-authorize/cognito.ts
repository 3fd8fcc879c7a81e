/**
 * REST `COGNITO_USER_POOLS` authorizers (spec §6.2): the token in the identity source header
 * (default `Authorization`) must be a JWT signed by one of the authorizer's user pools
 * (`providerARNs`). A method without `authorizationScopes` takes an ID token and exposes its
 * claims as `$context.authorizer.claims.*` (all strings); a method with scopes takes an access
 * token carrying at least one of them. Anything else is 401 `{"message":"Unauthorized"}`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 *
 * A pool's issuer is `https://cognito-idp.{region}.amazonaws.com/{poolId}` and its keys are at
 * `{issuer}/.well-known/jwks.json`; `issuers` (portico.yaml `cognito.issuers`) points a pool at
 * a local issuer instead, e.g. cognito-local or a test server.
 */
import type { Method, RestApi, RestAuthorizer } from '../../model/index.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Phase, RestContext } from '../types.ts';
import { JwksError, JwksRegistry, type JwksCache } from './jwks.ts';
import { bearerToken, checkTimes, JwtError, stringClaims, tokenScopes, verifyJwtSignature, type JwtClaims } from './jwt.ts';

/** What {@link createCognitoPhase} needs from the gateway. */
export interface CognitoDeps {
  /** Where a pool's tokens come from, by pool id (`us-east-1_ABC`): overrides the AWS issuer URL. */
  readonly issuers?: Readonly<Record<string, string>>;
  /** Key caches shared by the API's authorizers; default one of this phase's own. */
  readonly jwks?: JwksRegistry;
  readonly now?: () => number;
}

/** `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}` → region and pool id. */
export function parseUserPoolArn(arn: string): { region: string; poolId: string } {
  const m = /^arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):\d{12}:userpool\/([\w-]+_[0-9A-Za-z]+)$/.exec(arn);
  if (!m) throw new Error(`"${arn}" is not a Cognito user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId})`);
  return { region: m[1] as string, poolId: m[2] as string };
}

/** The issuer of a pool: the configured one, or AWS's. */
export function cognitoIssuer(arn: string, issuers: Readonly<Record<string, string>> = {}): string {
  const { region, poolId } = parseUserPoolArn(arn);
  return Object.hasOwn(issuers, poolId) ? (issuers[poolId] as string).replace(/\/+$/, '') : `https://cognito-idp.${region}.amazonaws.com/${poolId}`;
}

/**
 * The authorize phase of one method with a Cognito authorizer, compiled at load. Throws an
 * Error when the authorizer cannot be used (no pool ARN, a source other than a header, a bad
 * validation expression).
 */
export function createCognitoPhase(api: RestApi, method: Method, authorizer: RestAuthorizer, deps: CognitoDeps = {}): Phase<RestContext> {
  const where = `authorizer ${authorizer.name} of API ${api.name}`;
  const registry = deps.jwks ?? new JwksRegistry();
  const pools = new Map<string, JwksCache>();
  for (const arn of authorizer.providerARNs ?? []) {
    const issuer = cognitoIssuer(arn, deps.issuers);
    pools.set(issuer, registry.get({ jwksUri: `${issuer}/.well-known/jwks.json` }));
  }
  if (pools.size === 0) throw new Error(`${where}: a COGNITO_USER_POOLS authorizer needs providerARNs`);
  const source = authorizer.identitySource ?? 'method.request.header.Authorization';
  const header = /^method\.request\.header\.([^\s,]+)$/.exec(source.trim())?.[1]?.toLowerCase();
  if (header === undefined) throw new Error(`${where}: identitySource must be one method.request.header.X, got ${JSON.stringify(source)}`);
  // "API Gateway will match the aud field of the incoming token against the expression" (API_Authorizer).
  const audPattern = authorizer.identityValidationExpression === undefined ? undefined : new RegExp(`^(?:${authorizer.identityValidationExpression})$`);
  const scopes = method.authorizationScopes ?? [];
  const now = deps.now ?? Date.now;
  const keysFor = (iss: string): JwksCache | undefined => pools.get(iss);

  return async (ctx) => {
    let claims: JwtClaims;
    try {
      const value = ctx.request.headers[header];
      if (value === undefined || value.trim() === '') throw new JwtError('the token is missing');
      claims = await verifyJwtSignature(bearerToken(value), { keysFor });
      checkTimes(claims, Math.floor(now() / 1000));
      checkUse(claims, scopes, audPattern);
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      if (err.cause instanceof JwksError) ctx.log.warn({ requestId: ctx.requestId, code: err.cause.code, err: err.cause }, `Cognito ${where}: ${err.cause.message}`);
      throw new GatewayError('UNAUTHORIZED', { message: `Cognito ${where}: ${err.description}`, cause: err });
    }
    ctx.authorizer = { claims: stringClaims(claims) };
  };
}

/**
 * ID token (`token_use: id`) on methods without scopes, access token (`token_use: access`)
 * with one of the method's scopes otherwise; the audience (`aud`, for access tokens
 * `client_id`) matches `identityValidationExpression` when there is one.
 */
function checkUse(claims: JwtClaims, scopes: readonly string[], audPattern: RegExp | undefined): void {
  const use = claims['token_use'];
  if (scopes.length === 0) {
    if (use !== 'id') throw new JwtError('methods without authorization scopes take an ID token');
  } else {
    if (use !== 'access') throw new JwtError('methods with authorization scopes take an access token');
    const granted = tokenScopes(claims);
    if (!granted.some((s) => scopes.includes(s))) throw new JwtError('the token has none of the method\'s scopes');
  }
  if (audPattern) {
    const aud = claims['aud'] ?? claims['client_id'];
    if (typeof aud !== 'string' || !audPattern.test(aud)) throw new JwtError('the token audience does not match identityValidationExpression');
  }
}
