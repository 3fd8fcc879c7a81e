/**
 * Applying HTTP API parameter mappings to a request and to an integration's answer — one
 * place for both integrations that take them (AWS_PROXY Lambda and HTTP_PROXY).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */
import {
  applyQueryOperations,
  applyResponseMapping,
  type CompiledResponseMapping,
  type MappingInput,
  type ResolvedOperation,
} from '../../mapping/http-parameter-mapping.ts';
import type { GatewayContext, GatewayResponse, HeaderPair } from '../types.ts';
import { encodeForUri, parseQuery, QUERY_SAFE } from './http-proxy-url.ts';

/** The request as mappings read it. `body` only when the mapping needs it. */
export function mappingInput(ctx: GatewayContext, body: Buffer | undefined, context: (name: string) => string | undefined): MappingInput {
  const req = ctx.request;
  const params = ctx.match?.pathParameters ?? {};
  let query: HeaderPair[] | undefined;
  return {
    header: (name) => req.headers[name.toLowerCase()],
    querystring: (name) => {
      query ??= parseQuery(req.rawQuery);
      const values = query.filter(([n]) => n === name).map(([, v]) => v);
      return values.length === 0 ? undefined : values.join(',');
    },
    path: ctx.stagePath,
    pathParameter: (name) => params[name],
    body,
    context,
    stageVariable: (name) => ctx.stage.stageVariables[name],
  };
}

/** The raw query string after `append|overwrite|remove:querystring.*` operations. */
export function mappedQueryString(rawQuery: string, ops: readonly ResolvedOperation[]): string {
  return applyQueryOperations(parseQuery(rawQuery), ops)
    .map(([k, v]) => `${encodeForUri(k, QUERY_SAFE, false)}=${encodeForUri(v, QUERY_SAFE, false)}`)
    .join('&');
}

/** Applies response mappings to an answer whose body is in memory (Lambda results). */
export function mapBufferedResponse(
  compiled: CompiledResponseMapping,
  response: GatewayResponse,
  ctx: GatewayContext,
  context: (name: string) => string | undefined,
): GatewayResponse {
  if (!compiled.has(response.statusCode)) return response;
  const body = response.body === null ? undefined : typeof response.body === 'string' ? Buffer.from(response.body) : Buffer.isBuffer(response.body) ? response.body : undefined;
  const { statusCode, headers } = applyResponseMapping(compiled, {
    statusCode: response.statusCode,
    headers: response.headers,
    body,
    context,
    stageVariable: (name) => ctx.stage.stageVariables[name],
  });
  return { statusCode, headers, body: response.body };
}
