/**
 * `$context.*` as HTTP API parameter mappings read it, taken from the request context.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
import type { GatewayContext } from '../pipeline/types.ts';
import { domainName, domainPrefix } from '../util/http.ts';
import { clfTime } from '../util/time.ts';

/** The account id when the project sets none (the documentation's example account, as in config). */
export const DEFAULT_ACCOUNT_ID = '123456789012';

type Getter = (ctx: GatewayContext, accountId: string) => string | undefined;

/** Built once: a request only looks up the names its mappings use. */
const TABLE: ReadonlyMap<string, Getter> = new Map<string, Getter>([
  ['accountId', (_ctx, accountId) => accountId],
  ['apiId', (ctx) => ctx.api.apiId],
  ['awsEndpointRequestId', (ctx) => ctx.requestId],
  // The same values as the Lambda event's requestContext (util/http.ts owns both).
  ['domainName', (ctx) => domainName(ctx.request.host)],
  ['domainPrefix', (ctx) => domainPrefix(domainName(ctx.request.host))],
  // HTTP APIs use the request id as extendedRequestId (spec §14.1).
  ['extendedRequestId', (ctx) => ctx.requestId],
  ['httpMethod', (ctx) => ctx.request.method],
  ['identity.sourceIp', (ctx) => ctx.request.sourceIp],
  ['identity.userAgent', (ctx) => ctx.request.headers['user-agent']],
  ['sourceIp', (ctx) => ctx.request.sourceIp],
  ['userAgent', (ctx) => ctx.request.headers['user-agent']],
  // HTTP APIs' `$context.path` is the full request path, a named stage's segment included.
  ['path', (ctx) => ctx.request.rawPath],
  ['protocol', (ctx) => ctx.request.protocol],
  ['requestId', (ctx) => ctx.requestId],
  ['requestTime', (ctx) => clfTime(ctx.requestTimeEpoch)],
  ['requestTimeEpoch', (ctx) => String(ctx.requestTimeEpoch)],
  ['routeKey', (ctx) => ctx.match?.route.routeKey],
  ['stage', (ctx) => ctx.stage.stageName],
]);

/**
 * A lookup of `$context` variables for one request. `sourceIp` and `userAgent` are accepted as
 * short forms of `identity.*`. Unknown names, and values that only exist after the integration
 * (`integration.*`, `responseLatency`...), give `undefined`.
 */
export function contextVariables(ctx: GatewayContext, accountId = DEFAULT_ACCOUNT_ID): (name: string) => string | undefined {
  // `$context.authorizer.claims.x` (JWT), `$context.authorizer.x` / `.principalId` (Lambda).
  return (name) => (name.startsWith('authorizer.') ? authorizerVariable(ctx, name.slice(11)) : TABLE.get(name)?.(ctx, accountId));
}

function authorizerVariable(ctx: GatewayContext, key: string): string | undefined {
  const vars = ctx.authorizer?.variables;
  return vars && Object.hasOwn(vars, key) ? vars[key] : undefined;
}
