/**
 * The integration response of non-proxy REST integrations: the response selected by the
 * Lambda error message or the backend status, its header mappings, its template chosen by the
 * request's Accept, `$context.responseOverride` writes, and binary content handling.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
 */
import { GatewayError } from '../../errors/index.ts';
import { remapResponseHeaders } from '../../lambda/events/rest-response.ts';
import { applyRestResponseParameters, compileRestResponseParameters, type CompiledRestResponseParameters } from '../../mapping/rest-parameter-mapping.ts';
import { compileTemplate, renderTemplate, type CompiledTemplate } from '../../mapping/vtl/index.ts';
import type { IntegrationResponse, RestIntegration } from '../../model/index.ts';
import { essence, firstAccept, isBinaryMediaType } from '../../util/media-types.ts';
import { convertToBinary, vtlInput } from '../6-integrate/rest/integration-request.ts';
import type { IntegrationOutput, RestScope } from '../6-integrate/rest/types.ts';
import type { GatewayResponse, HeaderPair } from '../types.ts';
import { compileIntegrationResponses, selectIntegrationResponse, selectResponseTemplate, type CompiledIntegrationResponses } from './selection.ts';

interface CompiledResponse {
  readonly status: number;
  /** Keyed by media type; each entry knows its key (it becomes the Content-Type). */
  readonly templates: ReadonlyMap<string, { readonly type: string; readonly template: CompiledTemplate }>;
  readonly parameters: CompiledRestResponseParameters;
}

/** An integration's responses, compiled once at load. */
export interface CompiledResponses {
  readonly selection: CompiledIntegrationResponses;
  readonly byResponse: ReadonlyMap<IntegrationResponse, CompiledResponse>;
}

/** Compiles selection patterns, templates and header mappings; throws an Error naming the source. */
export function compileResponses(integration: RestIntegration): CompiledResponses {
  const byResponse = new Map<IntegrationResponse, CompiledResponse>();
  integration.integrationResponses.forEach((response, i) => {
    const where = `${integration.source} responses[${i}]`;
    const status = Number(response.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`${where}: statusCode ${JSON.stringify(response.statusCode)} is not an HTTP status`);
    const templates = new Map<string, { type: string; template: CompiledTemplate }>();
    for (const [type, text] of Object.entries(response.responseTemplates)) {
      templates.set(type.toLowerCase(), { type, template: compileTemplate(text, `${where} responseTemplates['${type}']`) });
    }
    byResponse.set(response, { status, templates, parameters: compileRestResponseParameters(response.responseParameters, where) });
  });
  return { selection: compileIntegrationResponses(integration.integrationResponses, integration.source), byResponse };
}

/** The method response for an integration's output. No matching response → 500 (API_CONFIGURATION_ERROR). */
export function mapIntegrationOutput(compiled: CompiledResponses, output: IntegrationOutput, scope: RestScope): GatewayResponse {
  const { ctx } = scope;
  const chosen = selectIntegrationResponse(compiled.selection, output.selectionValue);
  const response = chosen && compiled.byResponse.get(chosen);
  if (!chosen || !response) {
    throw new GatewayError('API_CONFIGURATION_ERROR', { message: `no integration response matches ${JSON.stringify(output.selectionValue ?? '(success)')} and there is no default` });
  }
  let status = response.status;
  const mapped = applyRestResponseParameters(response.parameters, {
    headers: output.headers,
    body: () => output.body,
    context: () => scope.context(),
    stageVariables: ctx.stage.variables,
  });
  const binaryTypes = ctx.api.binaryMediaTypes;
  const accept = ctx.request.headers['accept'];
  const acceptsBinary = isBinaryMediaType(firstAccept(accept), binaryTypes);
  const backendType = output.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
  const outputBinary = isBinaryMediaType(essence(backendType), binaryTypes);
  const handling = chosen.contentHandling;

  let body: Buffer;
  let contentType = 'application/json';
  const overrideHeaders: HeaderPair[] = [];
  if (outputBinary) {
    // Binary payloads skip templates; they are base64-encoded unless the client accepts binary.
    body = handling === 'CONVERT_TO_TEXT' || (handling === undefined && !acceptsBinary) ? Buffer.from(output.body.toString('base64'), 'utf8') : output.body;
  } else {
    const template = selectResponseTemplate(response.templates, accept);
    let text: string;
    if (template) {
      const result = renderTemplate(template.template, vtlInput(scope, output.body.toString('utf8')));
      text = result.output;
      contentType = template.type;
      // `$context.responseOverride.*` wins over the mappings (integers 100–599 only).
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
      if (result.responseOverride.status !== undefined) status = result.responseOverride.status;
      for (const [k, v] of Object.entries(result.responseOverride.header)) overrideHeaders.push([k, v]);
    } else text = output.body.toString('utf8');
    // Text to a client accepting a binary type (or CONVERT_TO_BINARY) is base64-decoded.
    body = handling === 'CONVERT_TO_BINARY' || (handling === undefined && acceptsBinary) ? convertToBinary(text, 'response') : Buffer.from(text, 'utf8');
  }
  const headers = mergeHeaders([['Content-Type', contentType]], remapResponseHeaders(mapped, 'non-proxy'), overrideHeaders);
  return { statusCode: status, headers, body: body.length === 0 ? null : body };
}

/** Later lists replace earlier values of the same (case-insensitive) name. */
function mergeHeaders(...lists: (readonly HeaderPair[])[]): HeaderPair[] {
  const out = new Map<string, HeaderPair>();
  for (const list of lists) for (const pair of list) out.set(pair[0].toLowerCase(), pair);
  return [...out.values()];
}
