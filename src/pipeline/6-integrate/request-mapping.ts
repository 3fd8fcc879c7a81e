/**
 * Applying HTTP API parameter mappings to a request and to an integration's answer — one
 * place for both integrations that take them (AWS_PROXY Lambda and HTTP_PROXY).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */
import { Readable } from 'node:stream';
import { GatewayError } from '../../errors/index.ts';
import {
  applyQueryOperations,
  applyResponseMapping,
  type CompiledResponseMapping,
  type MappingInput,
  type ResolvedOperation,
} from '../../mapping/http-parameter-mapping.ts';
import { parseQuery } from '../../util/http.ts';
import type { GatewayContext, GatewayResponse, HeaderPair } from '../types.ts';
import { encodeForUri, QUERY_SAFE } from './http-proxy-url.ts';

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

/**
 * The most a `$response.body` mapping buffers: AWS's payload limit, "Payload size 10 MB"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 */
export const MAPPED_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * Applies `responseParameters` to an integration's answer, for both integrations: a Lambda
 * result (body in memory) and an HTTP_PROXY response (body streamed). A streamed body is read
 * only when the rule for its status reads `$response.body`; it is then sent as the Buffer it
 * became, without the upstream's Content-Length (the writer sends a Buffer's own).
 *
 * Rejects with GatewayError INTEGRATION_FAILURE when that body is over {@link MAPPED_BODY_LIMIT}
 * (the stream is destroyed), and with the stream's own error when it fails.
 */
export async function mapResponse(
  compiled: CompiledResponseMapping,
  response: GatewayResponse,
  ctx: GatewayContext,
  context: (name: string) => string | undefined,
): Promise<GatewayResponse> {
  const rule = compiled.get(response.statusCode);
  if (rule === undefined) return response;
  let { body, headers } = response;
  let bytes: Buffer | undefined;
  if (rule.needsBody) {
    if (body instanceof Readable) {
      bytes = await readCapped(body, headers, MAPPED_BODY_LIMIT);
      body = bytes;
      headers = headers.filter(([name]) => name.toLowerCase() !== 'content-length');
    } else if (body !== null) {
      bytes = typeof body === 'string' ? Buffer.from(body) : body;
    }
  }
  const mapped = applyResponseMapping(compiled, {
    statusCode: response.statusCode,
    headers,
    body: bytes,
    context,
    stageVariable: (name) => ctx.stage.stageVariables[name],
  });
  return { statusCode: mapped.statusCode, headers: mapped.headers, body };
}

/** Reads a stream whole, refusing (and destroying it) past `limit` bytes, declared or received. */
async function readCapped(stream: Readable, headers: readonly HeaderPair[], limit: number): Promise<Buffer> {
  const tooLarge = (size: number): GatewayError => {
    stream.destroy();
    return new GatewayError('INTEGRATION_FAILURE', { message: `integration response body of ${size} bytes is over the ${limit}-byte limit for $response.body mappings` });
  };
  const declared = Number(headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1]);
  if (declared > limit) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw tooLarge(size);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
