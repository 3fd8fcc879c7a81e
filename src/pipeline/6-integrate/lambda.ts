/**
 * AWS_PROXY integration with a local function: build the event for the payload format,
 * invoke the warm worker, turn its result into a response. Parameter mappings apply on both
 * sides, as HTTP APIs allow for Lambda integrations too.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomUUID } from 'node:crypto';
import type { LambdaProxyIntegration } from '../../model/index.ts';
import type { LambdaRuntime } from '../../lambda/types.ts';
import { buildHttpV1Event } from '../../lambda/events/http-v1.ts';
import { buildHttpV2Event } from '../../lambda/events/http-v2.ts';
import { parseHttpV1Result, parseHttpV2Result } from '../../lambda/events/http-response.ts';
import { GatewayError } from '../../errors/index.ts';
import {
  applyHeaderOperations,
  applyRequestMapping,
  compileRequestMapping,
  compileResponseMapping,
  contextVariables,
  type CompiledRequestMapping,
} from '../../mapping/http-parameter-mapping.ts';
import { substituteStageVariables } from '../../util/stage-variables.ts';
import type { GatewayContext, GatewayRequest, GatewayResponse, HeaderPair } from '../types.ts';
import { withAwsAddedHeaders } from './aws-added-headers.ts';
import { mappedQueryString, mappingInput, mapResponse } from './request-mapping.ts';
import { Abort } from '../../util/abort.ts';

export interface LambdaIntegrationDeps {
  readonly runtime: LambdaRuntime;
  readonly accountId: string;
}

/** An integration: the context in, the integration's response out (before response mapping). */
export type IntegrationFn = (ctx: GatewayContext) => Promise<GatewayResponse>;

/** Compiles the Lambda integration of one route. */
export function createLambdaIntegration(integration: LambdaProxyIntegration, deps: LambdaIntegrationDeps): IntegrationFn {
  const v2 = integration.payloadFormatVersion === '2.0';
  const build = v2 ? buildHttpV2Event : buildHttpV1Event;
  const parse = v2 ? parseHttpV2Result : parseHttpV1Result;
  const info = { accountId: deps.accountId };
  const requestMapping = integration.requestParameters && compileRequestMapping(integration.requestParameters, integration.source);
  const responseMapping = integration.responseParameters && compileResponseMapping(integration.responseParameters, integration.source);

  return async (ctx) => {
    const body = await ctx.request.body.read();
    const context = requestMapping || responseMapping ? contextVariables(ctx, deps.accountId) : undefined;
    let request: GatewayRequest = { ...ctx.request, rawHeaders: withAwsAddedHeaders(ctx.request, body.length) };
    if (requestMapping && context) request = mapRequest(requestMapping, ctx, request, body, context);
    // The authorizer's view for this payload format (spec §2.2, §6.4, §6.5).
    const authorizer = ctx.authorizer?.[v2 ? 'v2' : 'v1'];
    const event = build({ ...ctx, request }, body, authorizer ? { ...info, authorizer } : info);
    const functionName = substituteStageVariables(integration.functionName, ctx.stage.stageVariables);
    if (!deps.runtime.has(functionName)) {
      throw new GatewayError('INTEGRATION_FAILURE', { message: `function "${functionName}" (from the stage variables) is not defined` });
    }
    // The integration timeout answers the client; the function's own timeout ends the handler.
    const abort = new Abort();
    const timer = setTimeout(() => abort.abort(), integration.timeoutInMillis);
    ctx.timings.integrationStart = process.hrtime.bigint();
    let result;
    try {
      result = await deps.runtime.invoke(functionName, event, { awsRequestId: randomUUID(), signal: abort.signal });
    } finally {
      clearTimeout(timer);
      ctx.timings.integrationEnd = process.hrtime.bigint();
    }
    if (!result.ok) {
      if (result.kind === 'aborted') {
        throw new GatewayError('INTEGRATION_TIMEOUT', { message: `integration timed out after ${integration.timeoutInMillis} ms` });
      }
      ctx.log.error(
        { requestId: ctx.requestId, fn: functionName, kind: result.kind, errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace },
        `Lambda function ${functionName} failed: ${result.errorType}: ${result.errorMessage}`,
      );
      throw new GatewayError('INTEGRATION_FAILURE', { message: `${result.errorType}: ${result.errorMessage}` });
    }
    let response: GatewayResponse;
    try {
      response = parse(result.payload);
    } catch (err) {
      if (err instanceof GatewayError) {
        ctx.log.error({ requestId: ctx.requestId, fn: functionName, reason: err.message }, `Lambda function ${functionName} returned a malformed response: ${err.message}`);
      }
      throw err;
    }
    return responseMapping && context ? mapResponse(responseMapping, response, ctx, context) : response;
  };
}

/** The request the event is built from, after `requestParameters` (headers, query string, path). */
function mapRequest(
  mapping: CompiledRequestMapping,
  ctx: GatewayContext,
  request: GatewayRequest,
  body: Buffer,
  context: (name: string) => string | undefined,
): GatewayRequest {
  const mapped = applyRequestMapping(mapping, mappingInput(ctx, mapping.needsBody ? body : undefined, context));
  const pairs: HeaderPair[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) pairs.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string]);
  return {
    ...request,
    rawHeaders: applyHeaderOperations(pairs, mapped.headerOps).flat(),
    rawQuery: mapping.querystrings.length > 0 ? mappedQueryString(request.rawQuery, mapped.queryOps) : request.rawQuery,
    rawPath: mapped.path === undefined ? request.rawPath : mapped.path.startsWith('/') ? mapped.path : `/${mapped.path}`,
  };
}
