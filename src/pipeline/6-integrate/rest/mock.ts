/**
 * `MOCK`: no backend. The status is the `statusCode` of the rendered request template
 * (`{"statusCode": 200}`); integration responses are then selected by that status (spec §4.2).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
 */
import { GatewayError } from '../../../errors/index.ts';
import type { RestIntegration } from '../../../model/index.ts';
import { buildIntegrationRequest, compileIntegrationRequest } from './integration-request.ts';
import type { IntegrationOutput, RestScope } from './types.ts';

/** Compiles the MOCK integration of one method. */
export function createRestMock(integration: RestIntegration): (scope: RestScope) => Promise<IntegrationOutput> {
  const request = compileIntegrationRequest(integration);
  return async (scope) => {
    const req = await buildIntegrationRequest(request, scope);
    const statusCode = req.templated ? mockStatus(req.body.toString('utf8')) : 200;
    return { statusCode, headers: [], body: Buffer.alloc(0), selectionValue: String(statusCode) };
  };
}

/**
 * The `statusCode` of a rendered MOCK template. JSON first; AWS also tolerates loose forms
 * such as `{statusCode: 200}`, so a plain `statusCode` … number scan is the fallback. No
 * status at all is 200; one that is not an integer fails with 500 (spec §4.2).
 */
export function mockStatus(rendered: string): number {
  let value: unknown;
  try {
    const doc: unknown = JSON.parse(rendered);
    value = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['statusCode'] : undefined;
  } catch {
    const m = /["']?statusCode["']?\s*:\s*["']?([^,}\s"']+)/.exec(rendered);
    value = m?.[1];
  }
  if (value === undefined) return 200;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new GatewayError('API_CONFIGURATION_ERROR', { message: `MOCK statusCode ${JSON.stringify(value)} is not an HTTP status` });
  return n;
}
