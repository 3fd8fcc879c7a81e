/**
 * A REST API entry of portico.yaml → RestApi: reads its OpenAPI 3.0 / Swagger 2.0 file with
 * ImportRestApi's options (`import: { basepath, failOnWarnings }`) and loads its stages.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_ImportRestApi.html
 */
import { resolve } from 'node:path';
import type { RestApi } from '../../model/index.ts';
import { ConfigError, ConfigErrors } from '../../errors/index.ts';
import type { JsonPath } from '../json-path.ts';
import type { RawApi } from '../raw-types.ts';
import { SourceFile } from '../source-file.ts';
import type { ApiLoadInput } from '../stages.ts';
import { isRecord, type DocFlavour, type RestDocContext } from './context.ts';
import { loadOpenApiRest } from './openapi-rest.ts';
import { compileMethodValidator, compileModels, type CompiledModels } from '../../pipeline/4-validate/rest-validator.ts';
import { compileGatewayResponses } from '../../pipeline/7-map-response/gateway-response.ts';
import { createResourcePolicyPhase } from '../../pipeline/2-authorize/resource-policy.ts';
import { compileResponses } from '../../pipeline/7-map-response/integration-response.ts';
import { compileIntegrationRequest } from '../../pipeline/6-integrate/rest/integration-request.ts';
import { compileRestRequestParameters } from '../../mapping/rest-parameter-mapping.ts';
import { loadRestStages } from './stages.ts';

// Keys of an API entry that other flavours use and REST APIs do not have.
const NOT_REST = ['routes', 'cors', 'routeSelectionExpression', 'limits', 'authorizers'] as const;

/** Loads one REST API; problems go to `input.errors` (warnings to `input.warnings`). */
export function loadRestApi(raw: RawApi, input: ApiLoadInput): RestApi | undefined {
  const { src, path, errors } = input;
  const errorsBefore = errors.length;
  for (const key of NOT_REST) {
    if (raw[key] !== undefined) errors.push(src.error([...path, key], `"${key}" is not supported for REST APIs (define REST APIs in the openapi: file)`));
  }
  if (raw.openapi === undefined) {
    errors.push(src.error(path, 'a REST API needs "openapi": an OpenAPI 3.0 or Swagger 2.0 file with x-amazon-apigateway-* extensions'));
    return undefined;
  }
  const file = resolve(input.dir, raw.openapi);
  let oas: SourceFile;
  try {
    oas = SourceFile.read(file);
  } catch (e) {
    if (e instanceof ConfigErrors) errors.push(...e.errors);
    else if (e instanceof ConfigError) errors.push(src.error([...path, 'openapi'], `${raw.openapi}: ${e.reason} (${file})`));
    else throw e;
    return undefined;
  }
  const failOnWarnings = raw.import?.failOnWarnings === true;
  const warn = (at: JsonPath, reason: string): void => {
    // ImportRestApi with failonwarnings=true rolls the import back on any warning.
    if (failOnWarnings) errors.push(oas.error(at, `${reason} (an error because import.failOnWarnings is true)`));
    else input.warnings.push(oas.warning(at, reason));
  };
  const doc = oas.data;
  const flavour = flavourOf(doc, oas, errors);
  if (!isRecord(doc) || !flavour) return undefined;
  const ctx: RestDocContext = { src: oas, doc, flavour, apiId: input.apiId, functionNames: input.functionNames, warn, fail: (e) => errors.push(e) };
  const result = loadOpenApiRest(ctx, raw.import?.basepath ?? 'ignore');
  const stages = loadRestStages(raw, input, result.routeKeys);
  if (result.routeKeys.size === 0) warn([], `REST API "${raw.name}" has no methods; every request gets 403 Missing Authentication Token`);
  const { root } = result;
  const api: RestApi = {
    apiId: input.apiId,
    name: raw.name,
    protocolType: 'REST',
    ...(result.description !== undefined ? { description: result.description } : {}),
    binaryMediaTypes: root.binaryMediaTypes,
    apiKeySource: root.apiKeySource,
    ...(root.minimumCompressionSize !== undefined ? { minimumCompressionSize: root.minimumCompressionSize } : {}),
    ...(root.policy ? { policy: root.policy } : {}),
    disableExecuteApiEndpoint: root.disableExecuteApiEndpoint,
    resources: result.resources,
    models: result.models,
    requestValidators: root.requestValidators,
    gatewayResponses: root.gatewayResponses,
    authorizers: result.authorizers,
    stages,
    ...(raw.port !== undefined ? { port: raw.port } : {}),
    source: oas.file,
  };
  // Only a definition that loaded cleanly is compiled: a broken $ref would be reported twice.
  if (errors.length === errorsBefore) checkCompiles(api, oas, errors);
  return api;
}

/**
 * Compiles what the pipeline compiles at start (models, validators, gateway responses) so a
 * problem is a load error with its location rather than a failure when serving.
 */
function checkCompiles(api: RestApi, oas: SourceFile, errors: ConfigError[]): void {
  const attempt = (at: JsonPath, what: () => void): boolean => {
    try {
      what();
      return true;
    } catch (e) {
      errors.push(oas.error(at, (e as Error).message));
      return false;
    }
  };
  let models: CompiledModels | undefined;
  if (!attempt([], () => (models = compileModels(api))) || !models) return;
  const compiled = models;
  for (const resource of api.resources) {
    for (const method of Object.values(resource.resourceMethods)) {
      attempt([], () => compileMethodValidator(api, method, compiled));
      const integration = method.methodIntegration;
      if (integration.type === 'AWS_PROXY' || integration.type === 'HTTP_PROXY') {
        attempt([], () => compileRestRequestParameters(integration.requestParameters, integration.source, integration.type));
      } else {
        attempt([], () => compileIntegrationRequest(integration));
        attempt([], () => compileResponses(integration));
      }
    }
  }
  attempt([], () => compileGatewayResponses(api));
  // Region and account only shape ARNs here; the check is about the document's statements.
  if (api.policy !== undefined) attempt(['x-amazon-apigateway-policy'], () => createResourcePolicyPhase(api, { region: 'us-east-1', accountId: '123456789012' }));
}

/** OpenAPI 3.0.x or Swagger 2.0, or undefined after reporting what the document is instead. */
function flavourOf(doc: unknown, src: SourceFile, errors: ConfigError[]): DocFlavour | undefined {
  if (!isRecord(doc)) {
    errors.push(src.error([], 'an OpenAPI document must be an object'));
    return undefined;
  }
  const { openapi, swagger } = doc;
  if (typeof openapi === 'string' && openapi.startsWith('3.0')) return 'oas3';
  if (swagger === '2.0') return 'swagger2';
  // API Gateway's importer reads OpenAPI 3.0 and Swagger 2.0 (3.1 is not supported by AWS).
  if (openapi !== undefined) errors.push(src.error(['openapi'], `REST APIs import OpenAPI 3.0.x or Swagger 2.0, got openapi ${JSON.stringify(openapi)}`));
  else if (swagger !== undefined) errors.push(src.error(['swagger'], `REST APIs import Swagger "2.0" or OpenAPI 3.0.x, got swagger ${JSON.stringify(swagger)}`));
  else errors.push(src.error([], 'missing "openapi: 3.0.x" or "swagger: \'2.0\'"'));
  return undefined;
}
