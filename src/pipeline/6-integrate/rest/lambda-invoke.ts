/**
 * Invoking a local function for a REST integration, with the integration timeout (504 past it)
 * and the stage-variable function name resolved. Shared by AWS_PROXY and AWS (non-proxy).
 */
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../../errors/index.ts';
import type { InvokeResult } from '../../../lambda/types.ts';
import { substituteStageVariables } from '../../../util/stage-variables.ts';
import type { RestContext } from '../../types.ts';
import type { RestIntegrationDeps } from './types.ts';
import { Abort } from '../../../util/abort.ts';

/** Invokes `functionName` (may hold `${stageVariables.x}`); resolves with the runtime's result, never `aborted`. */
export async function invokeForRest(deps: RestIntegrationDeps, ctx: RestContext, functionName: string, event: unknown, timeoutInMillis: number): Promise<InvokeResult> {
  const name = substituteStageVariables(functionName, ctx.stage.variables);
  if (!deps.runtime.has(name)) {
    throw new GatewayError('INTEGRATION_FAILURE', { message: `function "${name}" (from the stage variables) is not defined` });
  }
  // The integration timeout answers the client; the function's own timeout ends the handler.
  const abort = new Abort();
  const timer = setTimeout(() => abort.abort(), timeoutInMillis);
  ctx.timings.integrationStart = process.hrtime.bigint();
  let result: InvokeResult;
  try {
    result = await deps.runtime.invoke(name, event, { awsRequestId: randomUUID(), signal: abort.signal });
  } finally {
    clearTimeout(timer);
    ctx.timings.integrationEnd = process.hrtime.bigint();
  }
  if (!result.ok) {
    if (result.kind === 'aborted') throw new GatewayError('INTEGRATION_TIMEOUT', { message: `integration timed out after ${timeoutInMillis} ms` });
    ctx.log.error(
      { requestId: ctx.requestId, fn: name, kind: result.kind, errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace },
      `Lambda function ${name} failed: ${result.errorType}: ${result.errorMessage}`,
    );
  }
  return result;
}
