/**
 * Runs a compiled chain: each phase in turn until one sets `ctx.result` or throws.
 * A GatewayError becomes the flavour's gateway response; anything else is a bug or an
 * unexpected failure, logged with its stack and answered as one 500.
 */
import { GatewayError, type GatewayResponseDefault, type GatewayResponseType } from '../errors/index.ts';
import type { BaseContext, GatewayResponse, Phase } from './types.ts';

/** Runs `phases` on `ctx`; never rejects. */
export async function runChain<C extends BaseContext>(ctx: C, phases: readonly Phase<C>[], table: Readonly<Record<GatewayResponseType, GatewayResponseDefault>>): Promise<void> {
  try {
    for (const phase of phases) {
      await phase(ctx);
      if (ctx.result) return;
    }
  } catch (err) {
    const gatewayError = err instanceof GatewayError ? err : new GatewayError('INTEGRATION_FAILURE', { message: 'unexpected error', cause: err });
    if (!(err instanceof GatewayError)) ctx.log.error({ err, requestId: ctx.requestId }, 'PORTICO_ERR_INTERNAL: unexpected error in the pipeline');
    ctx.error = gatewayError;
    ctx.result = errorResponse(gatewayError, table);
  }
}

/** The JSON body and headers AWS sends for a gateway error. */
export function errorResponse(error: GatewayError, table: Readonly<Record<GatewayResponseType, GatewayResponseDefault>>): GatewayResponse {
  const def = table[error.type];
  // `message` carries detail for logs only; `bodyMessage` is what AWS puts in the body.
  const message = error.bodyMessage ?? def.message;
  const body = JSON.stringify({ [def.key ?? 'message']: message });
  return {
    statusCode: error.status ?? def.status,
    headers: [['content-type', 'application/json'], ...error.headers],
    body,
  };
}
