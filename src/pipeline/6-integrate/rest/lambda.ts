/**
 * `AWS` (non-proxy) Lambda integrations: the function receives what the request template
 * rendered (or the passed-through body), and its result or error goes to the integration
 * responses: an error's `errorMessage` is what selection patterns match (spec §4.5).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html
 */
import { GatewayError } from '../../../errors/index.ts';
import type { RestIntegration } from '../../../model/index.ts';
import type { RestContext } from '../../types.ts';
import { buildIntegrationRequest, compileIntegrationRequest } from './integration-request.ts';
import { invokeForRest } from './lambda-invoke.ts';
import type { IntegrationOutput, RestIntegrationDeps, RestScope } from './types.ts';

/** Compiles the AWS Lambda integration of one method. */
export function createRestLambda(integration: RestIntegration, deps: RestIntegrationDeps): (scope: RestScope) => Promise<IntegrationOutput> {
  const functionName = integration.functionName;
  if (functionName === undefined) throw new Error(`${integration.source}: only Lambda AWS integrations are supported`);
  const request = compileIntegrationRequest(integration);
  const misconfigured = (integration.httpMethod ?? 'POST').toUpperCase() !== 'POST';

  return async (scope) => {
    const ctx: RestContext = scope.ctx;
    if (misconfigured) throw new GatewayError('API_CONFIGURATION_ERROR', { message: `Lambda integrations are invoked with POST, not ${integration.httpMethod ?? ''}` });
    const req = await buildIntegrationRequest(request, scope);
    // Lambda takes a JSON document; an empty passthrough body arrives as `{}`.
    let event: unknown = {};
    const text = req.body.toString('utf8');
    if (text.trim() !== '') {
      try {
        event = JSON.parse(text);
      } catch (err) {
        // Lambda refuses the invocation (InvalidRequestContentException); AWS answers 500.
        throw new GatewayError('API_CONFIGURATION_ERROR', { message: 'the integration request is not JSON, which Lambda requires', cause: err });
      }
    }
    const result = await invokeForRest(deps, ctx, functionName, event, integration.timeoutInMillis);
    if (result.ok) return { statusCode: 200, headers: [], body: Buffer.from(JSON.stringify(result.payload ?? null), 'utf8'), selectionValue: undefined };
    // A throttled invocation is a Lambda service error, not a function error: no selection.
    if (result.kind === 'throttled') throw new GatewayError('INTEGRATION_FAILURE', { message: `${result.errorType}: ${result.errorMessage}` });
    // The Node.js runtime's error document (errorType, errorMessage, trace), as the template sees it.
    const error = { errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace };
    return { statusCode: 200, headers: [], body: Buffer.from(JSON.stringify(error), 'utf8'), selectionValue: result.errorMessage };
  };
}
