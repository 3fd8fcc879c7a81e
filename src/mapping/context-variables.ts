/**
 * `$context.*` as HTTP API parameter mappings read it, taken from the request context.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
import type { GatewayContext } from '../pipeline/types.ts';
import { clfTime } from '../util/time.ts';

/** The account id when the project sets none (the documentation's example account, as in config). */
export const DEFAULT_ACCOUNT_ID = '123456789012';

/**
 * A lookup of `$context` variables for one request. `sourceIp` and `userAgent` are accepted as
 * short forms of `identity.*`. Unknown names, and values that only exist after the integration
 * (`integration.*`, `responseLatency`...), give `undefined`.
 */
export function contextVariables(ctx: GatewayContext, accountId = DEFAULT_ACCOUNT_ID): (name: string) => string | undefined {
  const req = ctx.request;
  // `domainName` is the Host without its port; IPv6 literals keep their brackets.
  const domainName = (): string => req.host.replace(/:\d+$/, '');
  const table: Readonly<Record<string, () => string | undefined>> = {
    accountId: () => accountId,
    apiId: () => ctx.api.apiId,
    awsEndpointRequestId: () => ctx.requestId,
    domainName,
    domainPrefix: () => domainName().split('.')[0],
    // HTTP APIs use the request id as extendedRequestId (spec §14.1).
    extendedRequestId: () => ctx.requestId,
    httpMethod: () => req.method,
    'identity.sourceIp': () => req.sourceIp,
    'identity.userAgent': () => req.headers['user-agent'],
    sourceIp: () => req.sourceIp,
    userAgent: () => req.headers['user-agent'],
    // HTTP APIs' `$context.path` is the full request path, a named stage's segment included.
    path: () => req.rawPath,
    protocol: () => req.protocol,
    requestId: () => ctx.requestId,
    requestTime: () => clfTime(ctx.requestTimeEpoch),
    requestTimeEpoch: () => String(ctx.requestTimeEpoch),
    routeKey: () => ctx.match?.route.routeKey,
    stage: () => ctx.stage.stageName,
  };
  return (name) => (Object.hasOwn(table, name) ? table[name]?.() : undefined);
}
