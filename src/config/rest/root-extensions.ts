/**
 * API-wide `x-amazon-apigateway-*` extensions of a REST API document: binary media types,
 * API key source, request validators, gateway responses, resource policy, minimum
 * compression size and the endpoint configuration.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
 */
import type { GatewayResponseKey, GatewayResponseSetting, RequestValidator } from '../../model/index.ts';
import type { JsonPath } from '../json-path.ts';
import { isRecord, stringMap, type RestDocContext } from './context.ts';
import { checkGatewayResponseSource, GATEWAY_RESPONSE_KEY, invalidExpression } from './mapping-expressions.ts';

/** The API-level settings read from the document root. */
export interface RootSettings {
  readonly binaryMediaTypes: readonly string[];
  readonly apiKeySource: 'HEADER' | 'AUTHORIZER';
  readonly minimumCompressionSize?: number;
  readonly policy?: Readonly<Record<string, unknown>>;
  readonly disableExecuteApiEndpoint: boolean;
  readonly requestValidators: Readonly<Record<string, RequestValidator>>;
  /** `x-amazon-apigateway-request-validator` at the root: the methods' default. */
  readonly defaultValidator?: string;
  readonly gatewayResponses: Readonly<Partial<Record<GatewayResponseKey, GatewayResponseSetting>>>;
}

/** PutGatewayResponse's enum (spec §10.1, from an AWS error message). */
export const GATEWAY_RESPONSE_TYPES: readonly GatewayResponseKey[] = [
  'REQUEST_TOO_LARGE', 'RESOURCE_NOT_FOUND', 'AUTHORIZER_CONFIGURATION_ERROR', 'MISSING_AUTHENTICATION_TOKEN', 'BAD_REQUEST_BODY',
  'INVALID_SIGNATURE', 'INVALID_API_KEY', 'BAD_REQUEST_PARAMETERS', 'AUTHORIZER_FAILURE', 'UNAUTHORIZED', 'INTEGRATION_TIMEOUT',
  'ACCESS_DENIED', 'DEFAULT_4XX', 'DEFAULT_5XX', 'WAF_FILTERED', 'QUOTA_EXCEEDED', 'THROTTLED', 'API_CONFIGURATION_ERROR',
  'UNSUPPORTED_MEDIA_TYPE', 'INTEGRATION_FAILURE', 'EXPIRED_TOKEN',
];

const X = 'x-amazon-apigateway-';

/** Reads the root extensions; problems go to ctx.fail / ctx.warn. */
export function loadRootSettings(ctx: RestDocContext): RootSettings {
  const { doc, src } = ctx;
  const binaryMediaTypes = stringList(ctx, doc[`${X}binary-media-types`], [`${X}binary-media-types`]);

  let apiKeySource: 'HEADER' | 'AUTHORIZER' = 'HEADER';
  const aks = doc[`${X}api-key-source`];
  if (aks !== undefined) {
    const v = typeof aks === 'string' ? aks.toUpperCase() : undefined;
    if (v === 'HEADER' || v === 'AUTHORIZER') apiKeySource = v;
    else ctx.fail(src.error([`${X}api-key-source`], `must be HEADER or AUTHORIZER, got ${JSON.stringify(aks)}`));
  }

  let minimumCompressionSize: number | undefined;
  const mcs = doc[`${X}minimum-compression-size`];
  if (mcs !== undefined) {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-openapi-minimum-compression-size.html
    if (typeof mcs === 'number' && Number.isInteger(mcs) && mcs >= 0 && mcs <= 10485760) minimumCompressionSize = mcs;
    else ctx.fail(src.error([`${X}minimum-compression-size`], `must be an integer from 0 to 10485760 (bytes), got ${JSON.stringify(mcs)}`));
  }

  let policy: Record<string, unknown> | undefined;
  const pol = doc[`${X}policy`];
  if (pol !== undefined) {
    if (isRecord(pol)) policy = pol;
    else ctx.fail(src.error([`${X}policy`], 'must be an IAM policy document (an object with Version and Statement)'));
  }

  // OpenAPI 3 puts the endpoint configuration in a server object; Swagger 2 at the root.
  const endpoint = endpointConfiguration(ctx);
  const disableExecuteApiEndpoint = endpoint?.config['disableExecuteApiEndpoint'];
  if (disableExecuteApiEndpoint !== undefined && typeof disableExecuteApiEndpoint !== 'boolean' && endpoint) {
    ctx.fail(src.error([...endpoint.path, 'disableExecuteApiEndpoint'], 'must be true or false'));
  }

  const requestValidators = loadValidators(ctx);
  const dv = doc[`${X}request-validator`];
  let defaultValidator: string | undefined;
  if (dv !== undefined) {
    if (typeof dv === 'string' && requestValidators[dv]) defaultValidator = dv;
    else ctx.fail(src.error([`${X}request-validator`], unknownValidator(dv, requestValidators)));
  }

  return {
    binaryMediaTypes,
    apiKeySource,
    ...(minimumCompressionSize !== undefined ? { minimumCompressionSize } : {}),
    ...(policy ? { policy } : {}),
    disableExecuteApiEndpoint: disableExecuteApiEndpoint === true,
    requestValidators,
    ...(defaultValidator !== undefined ? { defaultValidator } : {}),
    gatewayResponses: loadGatewayResponses(ctx),
  };
}

/** The reason a validator name is refused. */
export function unknownValidator(name: unknown, validators: Readonly<Record<string, RequestValidator>>): string {
  const known = Object.keys(validators).join(', ') || 'none';
  return `request validator ${JSON.stringify(name)} is not defined in x-amazon-apigateway-request-validators (defined: ${known})`;
}

function endpointConfiguration(ctx: RestDocContext): { config: Record<string, unknown>; path: JsonPath } | undefined {
  const key = `${X}endpoint-configuration`;
  if (ctx.flavour === 'swagger2') {
    const c = ctx.doc[key];
    return isRecord(c) ? { config: c, path: [key] } : undefined;
  }
  const servers = Array.isArray(ctx.doc['servers']) ? (ctx.doc['servers'] as unknown[]) : [];
  for (const [i, s] of servers.entries()) {
    if (isRecord(s) && isRecord(s[key])) return { config: s[key], path: ['servers', i, key] };
  }
  if (ctx.doc[key] !== undefined) ctx.warn([key], `in OpenAPI 3 documents AWS reads ${key} from a servers[] entry; this one is ignored`);
  return undefined;
}

function loadValidators(ctx: RestDocContext): Record<string, RequestValidator> {
  const key = `${X}request-validators`;
  const raw = ctx.doc[key];
  const out: Record<string, RequestValidator> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    ctx.fail(ctx.src.error([key], 'must be an object of validators by name'));
    return out;
  }
  for (const [name, v] of Object.entries(raw)) {
    if (!isRecord(v)) {
      ctx.fail(ctx.src.error([key, name], 'must be an object with validateRequestBody and validateRequestParameters'));
      continue;
    }
    for (const f of ['validateRequestBody', 'validateRequestParameters']) {
      if (v[f] !== undefined && typeof v[f] !== 'boolean') ctx.fail(ctx.src.error([key, name, f], 'must be true or false'));
    }
    // The name is the id: stable, and it is how operations refer to a validator.
    out[name] = { id: name, name, validateRequestBody: v['validateRequestBody'] === true, validateRequestParameters: v['validateRequestParameters'] === true };
  }
  return out;
}

function loadGatewayResponses(ctx: RestDocContext): Partial<Record<GatewayResponseKey, GatewayResponseSetting>> {
  const key = `${X}gateway-responses`;
  const raw = ctx.doc[key];
  const out: Partial<Record<GatewayResponseKey, GatewayResponseSetting>> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    ctx.fail(ctx.src.error([key], 'must be an object keyed by response type'));
    return out;
  }
  for (const [type, r] of Object.entries(raw)) {
    const path: JsonPath = [key, type];
    const responseType = GATEWAY_RESPONSE_TYPES.find((t) => t === type);
    if (!responseType) {
      ctx.fail(ctx.src.error(path, `unknown gateway response type "${type}"; Member must satisfy enum value set: [${GATEWAY_RESPONSE_TYPES.join(', ')}]`));
      continue;
    }
    if (!isRecord(r)) {
      ctx.fail(ctx.src.error(path, 'must be an object with statusCode, responseParameters, responseTemplates'));
      continue;
    }
    const sc = r['statusCode'];
    const statusCode = typeof sc === 'number' ? String(sc) : sc;
    if (statusCode !== undefined && (typeof statusCode !== 'string' || !/^[1-5]\d\d$/.test(statusCode))) {
      ctx.fail(ctx.src.error([...path, 'statusCode'], `must be a status code of 3 digits such as "404", got ${JSON.stringify(sc)}`));
    }
    const params = stringMap(ctx, r['responseParameters'], [...path, 'responseParameters']);
    for (const [k, v] of Object.entries(params)) {
      const at: JsonPath = [...path, 'responseParameters', k];
      if (!GATEWAY_RESPONSE_KEY.test(k)) ctx.fail(ctx.src.error(at, `${invalidExpression(k)}; keys are gatewayresponse.header.NAME`));
      else {
        const reason = checkGatewayResponseSource(v);
        if (reason) ctx.fail(ctx.src.error(at, reason));
      }
    }
    for (const k of Object.keys(r)) {
      if (!['statusCode', 'responseParameters', 'responseTemplates'].includes(k)) ctx.warn([...path, k], `unknown gateway response key "${k}" is ignored`);
    }
    out[responseType] = {
      responseType,
      ...(typeof statusCode === 'string' && /^[1-5]\d\d$/.test(statusCode) ? { statusCode } : {}),
      responseParameters: params,
      responseTemplates: stringMap(ctx, r['responseTemplates'], [...path, 'responseTemplates']),
    };
  }
  return out;
}

function stringList(ctx: RestDocContext, raw: unknown, path: JsonPath): string[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw as string[];
  ctx.fail(ctx.src.error(path, 'must be a list of strings'));
  return [];
}
