/**
 * The `$connect` Lambda REQUEST authorizer of a WebSocket API: run during the upgrade, before
 * the `$connect` integration. "If authorization fails on $connect, the connection will not be
 * established, and the client will receive a 401 or 403 response."
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 *
 *   identity source missing or empty ─────────────→ 401 (the function is not invoked)
 *   the function fails with exactly "Unauthorized" → 401
 *   any other failure, an invalid output or one over 8 KB ──→ 500
 *   the policy denies `…/{stage}/$connect` ───────→ 403
 *   allowed → `requestContext.authorizer` = {...context, principalId} on every event of the
 *             connection, plus `integrationLatency` on CONNECT (as real captures show)
 *
 * The same engine as REST authorizers (pipeline/2-authorize/), with two differences AWS
 * documents: the identity sources are always required ("These parameters are used to perform
 * runtime validation ... Otherwise, it returns a 401 Unauthorized response without calling
 * the Lambda function", apigatewayv2 CreateAuthorizer identitySource) and nothing is cached.
 * The response bodies are REST's (unverified for WebSocket handshakes, which browsers cannot read).
 */
import type { Logger } from 'pino';
import { buildWebSocketAuthorizerEvent } from '../lambda/events/authorizer.ts';
import type { LambdaRuntime } from '../lambda/types.ts';
import { lookupContext } from '../mapping/rest-context.ts';
import type { WebSocketAuthorizer } from '../model/index.ts';
import { GatewayError } from '../errors/index.ts';
import { authorizerContext } from '../pipeline/2-authorize/authorizer-result.ts';
import { compileIdentitySources, identityValues } from '../pipeline/2-authorize/identity-sources.ts';
import { checkPolicy, invokeAuthorizer } from '../pipeline/2-authorize/lambda-authorizer.ts';
import { parseQuery } from '../util/http.ts';
import { substituteStageVariables } from '../util/stage-variables.ts';
import type { ConnectAuthorization, ConnectAuthorizer } from './types.ts';

/** "Lambda authorizer response size: 8 KB" (WebSocket API quotas; spec §11.3). */
const MAX_RESULT_BYTES = 8 * 1024;

const UNAUTHORIZED: ConnectAuthorization = { allow: false, status: 401, body: '{"message":"Unauthorized"}' };
const FAILED: ConnectAuthorization = { allow: false, status: 500, body: '{"message": null}' };

/** What the authorizer needs from the API. */
export interface ConnectAuthorizerDeps {
  readonly runtime: LambdaRuntime;
  readonly accountId: string;
  readonly region: string;
  readonly log: Logger;
}

/** Compiles the `$connect` authorizer. Throws an Error naming it on an identity source portico cannot read. */
export function createConnectAuthorizer(authorizer: WebSocketAuthorizer, deps: ConnectAuthorizerDeps): ConnectAuthorizer {
  const sources = compileIdentitySources(authorizer.identitySource, 'WEBSOCKET');
  return async (request) => {
    const { meta, stage } = request;
    // "In the case of $connect, methodArn ends with "$connect"": no HTTP method.
    const arn = `arn:aws:execute-api:${deps.region}:${deps.accountId}:${meta.apiId}/${stage.stageName}/$connect`;
    const event = buildWebSocketAuthorizerEvent(meta, { requestId: request.requestId, requestTimeEpoch: request.requestTimeEpoch }, request, arn);
    const values = identityValues(sources, {
      headers: request.headers,
      query: sources.some((s) => s.kind === 'querystring') ? parseQuery(request.rawQuery) : [],
      stageVariables: stage.stageVariables,
      context: (path) => {
        const value = lookupContext(event.requestContext as unknown as Record<string, unknown>, path);
        return value === null || value === undefined || typeof value === 'object' ? undefined : String(value);
      },
    });
    const log = deps.log.child({ connectionId: meta.connectionId, authorizer: authorizer.name });
    if (values === undefined) {
      log.debug('identity source missing or empty: 401');
      return UNAUTHORIZED;
    }
    const name = substituteStageVariables(authorizer.functionName, stage.stageVariables);
    const { verdict, latencyMs } = await invokeAuthorizer(deps.runtime, name, event, { maxResultBytes: MAX_RESULT_BYTES });
    if (verdict.kind === 'unauthorized') return UNAUTHORIZED;
    if (verdict.kind === 'invalid') {
      log.error({ code: 'PORTICO_ERR_AUTHORIZER', fn: name }, `authorizer ${authorizer.name}: ${verdict.reason}`);
      return FAILED;
    }
    try {
      checkPolicy(verdict.output, arn, meta.sourceIp);
    } catch (err) {
      // The REST body for the same decision: `Message`, explicit or implicit deny.
      const message = err instanceof GatewayError && err.bodyMessage !== undefined ? err.bodyMessage : 'User is not authorized to access this resource with an explicit deny';
      log.debug(`authorizer ${authorizer.name} denied ${arn}`);
      return { allow: false, status: 403, body: JSON.stringify({ Message: message }) };
    }
    return { allow: true, context: authorizerContext(verdict.output), integrationLatency: latencyMs };
  };
}
