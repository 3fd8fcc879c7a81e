/**
 * The integration request of non-proxy REST integrations (AWS Lambda, HTTP, MOCK): parameter
 * mappings, the request template chosen by Content-Type with the passthrough behaviour, the
 * template's `$context.requestOverride` writes, and the content handling of binary payloads.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-data-transformations.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
 */
import { GatewayError } from '../../../errors/index.ts';
import type { RestIntegration } from '../../../model/index.ts';
import { applyRestRequestParameters, compileRestRequestParameters, type CompiledRestRequestParameters } from '../../../mapping/rest-parameter-mapping.ts';
import { compileTemplate, renderTemplate, type CompiledTemplate, type VtlInput } from '../../../mapping/vtl/index.ts';
import { decodeBase64Strict } from '../../../util/base64.ts';
import { essence, isBinaryMediaType } from '../../../util/media-types.ts';
import { selectRequestTemplate } from '../../7-map-response/selection.ts';
import type { RestScope } from './types.ts';

/** An integration's request side, compiled once at load. */
export interface CompiledIntegrationRequest {
  readonly integration: RestIntegration;
  readonly parameters: CompiledRestRequestParameters;
  readonly templates: ReadonlyMap<string, CompiledTemplate>;
}

/** What the integration sends: the mapped parameters (overrides applied) and the payload. */
export interface IntegrationRequest {
  readonly header: ReadonlyMap<string, string>;
  readonly querystring: ReadonlyMap<string, string | readonly string[]>;
  readonly path: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** True when a request template produced the body. */
  readonly templated: boolean;
}

/** Compiles mappings and templates; throws an Error naming `integration.source` when one is invalid. */
export function compileIntegrationRequest(integration: RestIntegration): CompiledIntegrationRequest {
  const templates = new Map<string, CompiledTemplate>();
  for (const [type, text] of Object.entries(integration.requestTemplates)) {
    templates.set(type.toLowerCase(), compileTemplate(text, `${integration.source} requestTemplates['${type}']`));
  }
  return { integration, parameters: compileRestRequestParameters(integration.requestParameters, integration.source, integration.type), templates };
}

/** Builds the integration request of one call. Throws UNSUPPORTED_MEDIA_TYPE per the passthrough behaviour. */
export async function buildIntegrationRequest(compiled: CompiledIntegrationRequest, scope: RestScope): Promise<IntegrationRequest> {
  const { ctx } = scope;
  const { integration } = compiled;
  const contentType = ctx.request.headers['content-type'];
  const choice = selectRequestTemplate(compiled.templates, contentType, integration.passthroughBehavior);
  if (choice.kind === 'unsupported') {
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', { message: `no request template for Content-Type ${JSON.stringify(contentType ?? '')} and passthroughBehavior ${integration.passthroughBehavior}` });
  }
  const raw = await ctx.request.body.read();
  const binary = isBinaryMediaType(essence(contentType), ctx.api.binaryMediaTypes);
  const mapped = applyRestRequestParameters(compiled.parameters, {
    pathParameters: ctx.match?.pathParameters ?? {},
    query: scope.query(),
    headers: scope.headers(),
    body: () => raw,
    context: () => scope.context(),
    stageVariables: ctx.stage.variables,
  });
  if (choice.kind === 'passthrough') {
    return { header: mapped.header, querystring: mapped.querystring, path: mapped.path, body: convertPassthrough(raw, binary, integration.contentHandling), templated: false };
  }
  // A binary payload reaches a template as base64 text (CONVERT_TO_TEXT is implied: a template is text).
  const text = binary ? raw.toString('base64') : raw.toString('utf8');
  const result = renderTemplate(choice.template, vtlInput(scope, text));
  const header = new Map(mapped.header);
  const querystring = new Map(mapped.querystring);
  const path = new Map(mapped.path);
  // `$context.requestOverride.*` wins over the parameter mappings.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
  for (const [k, v] of Object.entries(result.requestOverride.header)) header.set(k, v);
  for (const [k, v] of Object.entries(result.requestOverride.querystring)) querystring.set(k, v);
  for (const [k, v] of Object.entries(result.requestOverride.path)) path.set(k, v);
  let body: Buffer = Buffer.from(result.output, 'utf8');
  if (integration.contentHandling === 'CONVERT_TO_BINARY') body = convertToBinary(result.output, 'request');
  return { header, querystring, path, body, templated: true };
}

/** The request payload table of the payload-encodings page, for a payload no template touches. */
function convertPassthrough(raw: Buffer, binary: boolean, handling: RestIntegration['contentHandling']): Buffer {
  if (handling === 'CONVERT_TO_TEXT' && binary) return Buffer.from(raw.toString('base64'), 'utf8');
  if (handling === 'CONVERT_TO_BINARY' && !binary) return convertToBinary(raw.toString('utf8'), 'request');
  return raw;
}

/** Base64 text to bytes for CONVERT_TO_BINARY; AWS fails the request (500) on text that is not base64. */
export function convertToBinary(text: string, side: 'request' | 'response'): Buffer {
  const bytes = decodeBase64Strict(text);
  if (bytes === undefined) throw new GatewayError('API_CONFIGURATION_ERROR', { message: `CONVERT_TO_BINARY: the ${side} is not base64` });
  return bytes;
}

/** The VTL input of a request or response template. */
export function vtlInput(scope: RestScope, body: string): VtlInput {
  const { ctx } = scope;
  const header: Record<string, string> = {};
  for (const [name, value] of scope.headers()) header[name] = value;
  const querystring: Record<string, string> = {};
  for (const [name, value] of scope.query()) querystring[name] = value;
  return {
    body,
    params: { path: ctx.match?.pathParameters ?? {}, querystring, header },
    context: scope.context(),
    stageVariables: ctx.stage.variables,
  };
}
