/**
 * The REST API flavour assembled from the phases: one compiled object per API, built once
 * at load. Work in progress: filled in by the REST issue.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-rest-api.html
 */
import type { RestApi } from '../model/index.ts';
import { GatewayError, REST_GATEWAY_RESPONSES } from '../errors/index.ts';
import type { ApiDeps } from './compiled-api.ts';
import { errorResponse } from './run.ts';
import type { GatewayRequest, GatewayResponse } from './types.ts';

export class CompiledRestApi {
  readonly api: RestApi;
  readonly #deps: ApiDeps;

  constructor(api: RestApi, deps: ApiDeps) {
    this.api = api;
    this.#deps = deps;
  }

  handle(_request: GatewayRequest): Promise<{ response: GatewayResponse }> {
    void this.#deps;
    return Promise.resolve({ response: errorResponse(new GatewayError('MISSING_AUTHENTICATION_TOKEN'), REST_GATEWAY_RESPONSES) });
  }
}
