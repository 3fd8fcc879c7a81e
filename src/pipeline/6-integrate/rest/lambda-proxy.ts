/**
 * `AWS_PROXY` (Lambda proxy) for REST APIs: the payload 1.0 event, the function's result checked
 * strictly (a malformed one is 502), no templates and no parameter mappings (AWS ignores the
 * integration's requestParameters for proxy integrations, spec §4.2).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
import { GatewayError } from '../../../errors/index.ts';
import { buildRestV1Event } from '../../../lambda/events/rest-v1.ts';
import { parseRestProxyResult } from '../../../lambda/events/rest-response.ts';
import { compileRestRequestParameters } from '../../../mapping/rest-parameter-mapping.ts';
import type { RestIntegration } from '../../../model/index.ts';
import type { GatewayResponse, RestContext } from '../../types.ts';
import { withAwsAddedHeaders } from '../aws-added-headers.ts';
import { invokeForRest } from './lambda-invoke.ts';
import type { RestIntegrationDeps } from './types.ts';

/** Compiles the AWS_PROXY integration of one method. */
export function createRestLambdaProxy(integration: RestIntegration, deps: RestIntegrationDeps): (ctx: RestContext) => Promise<GatewayResponse> {
  const functionName = integration.functionName;
  if (functionName === undefined) throw new Error(`${integration.source}: an AWS_PROXY integration needs a Lambda function URI`);
  // "The integration httpMethod must be POST; otherwise the client gets 500" (spec §4.2, AWS snapshot).
  const misconfigured = (integration.httpMethod ?? 'POST').toUpperCase() !== 'POST';
  const info = { accountId: deps.accountId, deploymentId: deps.deploymentId };
  // Checked (a forbidden header target is a load error) though AWS ignores them at run time.
  compileRestRequestParameters(integration.requestParameters, integration.source, integration.type);

  return async (ctx) => {
    if (misconfigured) throw new GatewayError('API_CONFIGURATION_ERROR', { message: `Lambda integrations are invoked with POST, not ${integration.httpMethod ?? ''}` });
    const body = await ctx.request.body.read();
    // withAwsAddedHeaders adds Content-Length; the REST event builder drops it, as AWS's events lack it.
    const event = buildRestV1Event({ ...ctx, request: { ...ctx.request, rawHeaders: withAwsAddedHeaders(ctx.request, body.length) } }, body, info);
    const result = await invokeForRest(deps, ctx, functionName, event, integration.timeoutInMillis);
    if (!result.ok) throw new GatewayError('INTEGRATION_FAILURE', { message: `${result.errorType}: ${result.errorMessage}` });
    try {
      return parseRestProxyResult(result.payload, { binaryMediaTypes: ctx.api.binaryMediaTypes, accept: ctx.request.headers['accept'] });
    } catch (err) {
      if (err instanceof GatewayError) ctx.log.error({ requestId: ctx.requestId, fn: functionName, reason: err.message }, `Lambda function ${functionName} returned a malformed response: ${err.message}`);
      throw err;
    }
  };
}
