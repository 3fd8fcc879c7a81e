/**
 * Turns an `x-amazon-apigateway-integration` object (or a native route's shorthand) into
 * the model's Integration, checking it against the functions of the project.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
 */
import type { Integration, ParameterMapping, PayloadFormatVersion, ResponseParameterMappings } from '../model/index.ts';
import { compileRequestMapping, compileResponseMapping } from '../mapping/http-parameter-mapping.ts';
import { hasStageVariables } from '../util/stage-variables.ts';
import { checkHttpUri, parseLambdaUri } from './integration-uri.ts';
import type { JsonPath } from './json-path.ts';
import type { SourceFile } from './source-file.ts';

/** HTTP API integration timeout bounds and default (ms). */
export const HTTP_TIMEOUT_DEFAULT = 30000;

/** What {@link buildHttpApiIntegration} needs besides the raw object: where it is and the project's functions. */
export interface IntegrationInput {
  readonly src: SourceFile;
  readonly path: JsonPath;
  readonly integrationId: string;
  readonly functionNames: ReadonlySet<string>;
  /**
   * Where an integration field was actually written, when the definition is a shorthand
   * (a native route's `function:` or `http:` stands for `uri`), so errors name that key.
   */
  readonly keys?: Readonly<Record<string, string>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Builds and checks one integration; throws a located ConfigError. */
export function buildHttpApiIntegration(raw: unknown, input: IntegrationInput): Integration {
  const { src, path } = input;
  if (!isRecord(raw)) throw src.error(path, 'an integration must be an object');
  const at = (key: string): JsonPath => [...path, input.keys?.[key] ?? key];
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw src.error(at(key), `must be a string, got ${typeof v}`);
    return v;
  };

  const typeText = str('type') ?? str('integrationType');
  if (!typeText) throw src.error(path, 'missing "type" (aws_proxy or http_proxy)');
  const type = typeText.toUpperCase();

  const timeoutRaw = raw['timeoutInMillis'] ?? HTTP_TIMEOUT_DEFAULT;
  const timeoutInMillis = typeof timeoutRaw === 'string' ? Number(timeoutRaw) : timeoutRaw;
  if (typeof timeoutInMillis !== 'number' || !Number.isInteger(timeoutInMillis) || timeoutInMillis < 50 || timeoutInMillis > 30000) {
    throw src.error(at('timeoutInMillis'), `must be an integer from 50 to 30000 (HTTP API limit), got ${JSON.stringify(timeoutRaw)}`);
  }

  const requestParameters = mappingOf(raw['requestParameters'], input, 'requestParameters');
  const responseParameters = responseMappingOf(raw['responseParameters'], input);
  const common = {
    integrationId: input.integrationId,
    timeoutInMillis,
    source: src.where(path),
    ...(requestParameters ? { requestParameters } : {}),
    ...(responseParameters ? { responseParameters } : {}),
  };

  const pfvRaw = raw['payloadFormatVersion'];
  // Unquoted in YAML, 1.0 is the number 1: say so rather than "must be a string".
  if (typeof pfvRaw === 'number') throw src.error(at('payloadFormatVersion'), `must be the string "1.0" or "2.0" (quote it in YAML), got the number ${pfvRaw}`);
  const pfv = str('payloadFormatVersion');
  if (pfv !== undefined && pfv !== '1.0' && pfv !== '2.0') throw src.error(at('payloadFormatVersion'), `must be "1.0" or "2.0", got "${pfv}"`);

  // Both would be silently ignored otherwise and the request sent somewhere else.
  const subtype = str('integrationSubtype');
  if (subtype !== undefined) throw src.error(at('integrationSubtype'), `AWS service integrations ("${subtype}") are not supported by portico; use aws_proxy or http_proxy`);
  const connectionType = str('connectionType');
  if (connectionType !== undefined && connectionType.toUpperCase() === 'VPC_LINK') {
    throw src.error(at('connectionType'), 'private integrations (VPC_LINK) are not supported by portico; use connectionType INTERNET with a URL portico can reach');
  }

  switch (type) {
    case 'AWS_PROXY': {
      const uri = str('uri') ?? str('integrationUri');
      if (!uri) throw src.error(at('uri'), 'missing the Lambda function ARN');
      let functionName: string;
      try {
        functionName = parseLambdaUri(uri).functionName;
      } catch (e) {
        throw src.error(at('uri'), (e as Error).message);
      }
      if (!hasStageVariables(functionName) && !input.functionNames.has(functionName)) {
        const known = [...input.functionNames].join(', ') || 'none';
        throw src.error(at('uri'), `function "${functionName}" is not defined under functions: in portico.yaml (defined: ${known})`);
      }
      // AWS's console and exports default Lambda integrations of HTTP APIs to 2.0.
      const payloadFormatVersion: PayloadFormatVersion = pfv === '1.0' ? '1.0' : '2.0';
      return { ...common, integrationType: 'AWS_PROXY', integrationUri: uri, functionName, payloadFormatVersion };
    }
    case 'HTTP_PROXY': {
      const uri = str('uri') ?? str('integrationUri');
      if (!uri) throw src.error(at('uri'), 'missing the backend URL');
      try {
        checkHttpUri(uri);
      } catch (e) {
        throw src.error(at('uri'), (e as Error).message);
      }
      if (pfv === '2.0') throw src.error(at('payloadFormatVersion'), 'HTTP_PROXY integrations only support payload format 1.0 (AWS rule)');
      const method = (str('httpMethod') ?? str('integrationMethod') ?? 'ANY').toUpperCase();
      return { ...common, integrationType: 'HTTP_PROXY', integrationUri: uri, integrationMethod: method, payloadFormatVersion: '1.0' };
    }
    case 'MOCK':
      throw src.error(at('type'), 'MOCK integrations are not supported by HTTP APIs (AWS supports them for REST and WebSocket APIs)');
    case 'AWS':
    case 'HTTP':
      throw src.error(at('type'), `"${typeText}" (non-proxy) integrations are not supported by HTTP APIs; use aws_proxy or http_proxy`);
    default:
      throw src.error(at('type'), `unknown integration type "${typeText}" (expected aws_proxy, http_proxy, aws, http or mock)`);
  }
}

function mappingOf(raw: unknown, input: IntegrationInput, key: string): ParameterMapping | undefined {
  if (raw === undefined || raw === null) return undefined;
  const path = [...input.path, key];
  if (!isRecord(raw)) throw input.src.error(path, 'must be an object of "action:target": "source" entries');
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw input.src.error([...path, k], 'must be a string');
    // One entry at a time, so the error points at the entry's own key and line.
    compileOrThrow(() => compileRequestMapping({ [k]: v }, ''), input, [...path, k]);
  }
  const mapping = raw as Record<string, string>;
  compileOrThrow(() => compileRequestMapping(mapping, ''), input, path);
  return mapping;
}

function responseMappingOf(raw: unknown, input: IntegrationInput): ResponseParameterMappings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const path = [...input.path, 'responseParameters'];
  if (!isRecord(raw)) throw input.src.error(path, 'must be an object keyed by status code');
  for (const [status, m] of Object.entries(raw)) {
    if (!/^[1-5][0-9][0-9]$/.test(status)) throw input.src.error([...path, status], `"${status}" is not a status code; keys must be status codes such as "500"`);
    if (!isRecord(m)) throw input.src.error([...path, status], 'must be an object of "action:target": "source" entries');
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string') throw input.src.error([...path, status, k], 'must be a string');
      compileOrThrow(() => compileResponseMapping({ [status]: { [k]: v } }, ''), input, [...path, status, k]);
    }
  }
  const mappings = raw as Record<string, Record<string, string>>;
  compileOrThrow(() => compileResponseMapping(mappings, ''), input, path);
  return mappings;
}

/**
 * Runs a mapping compiler and turns its Error into a ConfigError at `path`. The compilers
 * prefix their message with a location and the mapping's name; the path says both already,
 * so the original message (the cause) is used.
 */
function compileOrThrow(compile: () => unknown, input: IntegrationInput, path: JsonPath): void {
  try {
    compile();
  } catch (e) {
    const inner = (e as Error).cause instanceof Error ? ((e as Error).cause as Error) : (e as Error);
    throw input.src.error(path, inner.message);
  }
}
