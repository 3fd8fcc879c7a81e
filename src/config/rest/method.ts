/**
 * One OpenAPI operation → a REST Method: request parameters, request models, method
 * responses, validator, authorization, and the integration.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api.html
 */
import type { Method, MethodResponse, RestHttpMethod } from '../../model/index.ts';
import type { JsonPath } from '../json-path.ts';
import { isRecord, unescapePointer, type RestDocContext } from './context.ts';
import { buildRestIntegration } from './integration.ts';
import type { ModelSet } from './models.ts';
import { unknownValidator, type RootSettings } from './root-extensions.ts';
import type { SecuritySchemes } from './security.ts';

/** What a method is built from besides its operation. */
export interface MethodInput {
  readonly ctx: RestDocContext;
  readonly models: ModelSet;
  readonly security: SecuritySchemes;
  readonly root: RootSettings;
  /** The path item's own `parameters` (they apply to every operation under it). */
  readonly pathParameters: unknown;
  readonly itemPath: JsonPath;
  readonly responseOrder: (path: JsonPath) => readonly string[] | undefined;
}

const LOCATIONS: Readonly<Record<string, string>> = { path: 'path', query: 'querystring', header: 'header' };

/** Builds the method; undefined (after reporting) when it cannot be served. */
export function buildMethod(input: MethodInput, httpMethod: RestHttpMethod, op: Record<string, unknown>, opPath: JsonPath): Method | undefined {
  const { ctx } = input;
  const requestParameters: Record<string, boolean> = {};
  const bodies: { schema: unknown; path: JsonPath; mimes: readonly string[] }[] = [];
  // Operation parameters override path-level ones with the same name and location (OpenAPI).
  for (const [list, listPath] of [[input.pathParameters, [...input.itemPath, 'parameters']], [op['parameters'], [...opPath, 'parameters']]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      ctx.fail(ctx.src.error(listPath, 'must be a list of parameters'));
      continue;
    }
    list.forEach((raw: unknown, i) => {
      const resolved = resolveRef(ctx, raw, [...listPath, i], ctx.flavour === 'oas3' ? ['components', 'parameters'] : ['parameters']);
      if (!resolved) return;
      const { value: p, path } = resolved;
      const name = p['name'];
      const where = p['in'];
      if (typeof name !== 'string' || typeof where !== 'string') return ctx.fail(ctx.src.error(path, 'a parameter needs a name and in (path, query or header)'));
      const location = LOCATIONS[where];
      if (location !== undefined) requestParameters[`method.request.${location}.${name}`] = p['required'] === true;
      else if (where === 'body' && ctx.flavour === 'swagger2') bodies.push({ schema: p['schema'], path: [...path, 'schema'], mimes: mimesOf(ctx, op, 'consumes') });
      else ctx.warn(path, `parameters in ${where} are not supported by API Gateway and are ignored`);
    });
  }
  if (ctx.flavour === 'oas3' && op['requestBody'] !== undefined) {
    const resolved = resolveRef(ctx, op['requestBody'], [...opPath, 'requestBody'], ['components', 'requestBodies']);
    const content = resolved && isRecord(resolved.value['content']) ? resolved.value['content'] : {};
    for (const [mime, media] of Object.entries(content)) {
      if (isRecord(media) && media['schema'] !== undefined) bodies.push({ schema: media['schema'], path: [...(resolved?.path ?? []), 'content', mime, 'schema'], mimes: [mime] });
    }
  }
  const requestModels: Record<string, string> = {};
  for (const b of bodies) {
    const model = input.models.modelFor(b.schema, b.path);
    if (model !== undefined) for (const mime of b.mimes) requestModels[mime] = model;
  }

  const methodResponses = responsesOf(input, op, opPath);
  const validatorRaw = op['x-amazon-apigateway-request-validator'];
  let requestValidatorId = input.root.defaultValidator;
  if (validatorRaw !== undefined) {
    if (typeof validatorRaw === 'string' && input.root.requestValidators[validatorRaw]) requestValidatorId = validatorRaw;
    else ctx.fail(ctx.src.error([...opPath, 'x-amazon-apigateway-request-validator'], unknownValidator(validatorRaw, input.root.requestValidators)));
  }
  let auth = input.security.methodAuth(op['security'], [...opPath, 'security']);
  // The older `x-amazon-apigateway-auth: {type: aws_iam}` also sets IAM authorization.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-auth.html
  const legacy = op['x-amazon-apigateway-auth'];
  if (isRecord(legacy) && typeof legacy['type'] === 'string' && legacy['type'].toLowerCase() === 'aws_iam' && auth.authorizationType === 'NONE') auth = { ...auth, authorizationType: 'AWS_IAM' };
  const intPath: JsonPath = [...opPath, 'x-amazon-apigateway-integration'];
  const methodIntegration = buildRestIntegration(ctx, op['x-amazon-apigateway-integration'], intPath, {
    requestParameters: new Set(Object.keys(requestParameters)),
    methodResponses,
    responseOrder: input.responseOrder,
  });
  if (!methodIntegration) return undefined;
  return {
    httpMethod,
    ...auth,
    ...(typeof op['operationId'] === 'string' ? { operationName: op['operationId'] } : {}),
    ...(requestValidatorId !== undefined ? { requestValidatorId } : {}),
    requestParameters,
    requestModels,
    methodResponses,
    methodIntegration,
    source: ctx.src.where(opPath),
  };
}

/** `responses` → method responses keyed by status code. */
function responsesOf(input: MethodInput, op: Record<string, unknown>, opPath: JsonPath): Record<string, MethodResponse> {
  const { ctx } = input;
  const out: Record<string, MethodResponse> = {};
  const raw = op['responses'];
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    ctx.fail(ctx.src.error([...opPath, 'responses'], 'must be an object keyed by status code'));
    return out;
  }
  for (const [status, r] of Object.entries(raw)) {
    const rpath: JsonPath = [...opPath, 'responses', status];
    if (!/^[1-5]\d\d$/.test(status)) {
      // REST method responses are per status code; `default` has no equivalent.
      ctx.warn(rpath, `"${status}" is not a status code; API Gateway method responses are keyed by status code and this one is ignored`);
      continue;
    }
    const resolved = resolveRef(ctx, r, rpath, ctx.flavour === 'oas3' ? ['components', 'responses'] : ['responses']);
    if (!resolved) continue;
    const resp = resolved.value;
    const responseParameters: Record<string, boolean> = {};
    if (isRecord(resp['headers'])) for (const h of Object.keys(resp['headers'])) responseParameters[`method.response.header.${h}`] = false;
    const responseModels: Record<string, string> = {};
    if (ctx.flavour === 'oas3' && isRecord(resp['content'])) {
      for (const [mime, media] of Object.entries(resp['content'])) {
        if (!isRecord(media) || media['schema'] === undefined) continue;
        const model = input.models.modelFor(media['schema'], [...resolved.path, 'content', mime, 'schema']);
        if (model !== undefined) responseModels[mime] = model;
      }
    } else if (ctx.flavour === 'swagger2' && resp['schema'] !== undefined) {
      const model = input.models.modelFor(resp['schema'], [...resolved.path, 'schema']);
      if (model !== undefined) for (const mime of mimesOf(ctx, op, 'produces')) responseModels[mime] = model;
    }
    out[status] = { statusCode: status, responseParameters, responseModels };
  }
  return out;
}

/** Swagger 2's `consumes` / `produces` of the operation, else of the document, else JSON. */
function mimesOf(ctx: RestDocContext, op: Record<string, unknown>, key: 'consumes' | 'produces'): readonly string[] {
  const list = op[key] ?? ctx.doc[key];
  return Array.isArray(list) && list.length > 0 && list.every((m) => typeof m === 'string') ? (list as string[]) : ['application/json'];
}

/** Follows a local `$ref` into `section` (`#/components/parameters/X`); reports what cannot be followed. */
function resolveRef(ctx: RestDocContext, raw: unknown, path: JsonPath, section: readonly string[]): { value: Record<string, unknown>; path: JsonPath } | undefined {
  if (!isRecord(raw)) {
    ctx.fail(ctx.src.error(path, 'must be an object'));
    return undefined;
  }
  const ref = raw['$ref'];
  if (ref === undefined) return { value: raw, path };
  const prefix = `#/${section.join('/')}/`;
  const name = typeof ref === 'string' && ref.startsWith(prefix) ? unescapePointer(ref.slice(prefix.length)) : undefined;
  let target: unknown = ctx.doc;
  for (const k of section) target = isRecord(target) ? target[k] : undefined;
  const value = name !== undefined && isRecord(target) ? target[name] : undefined;
  if (name === undefined || !isRecord(value)) {
    ctx.fail(ctx.src.error([...path, '$ref'], `unresolvable $ref ${JSON.stringify(ref)}: expected ${prefix}{name} naming an entry of ${section.join('.')}`));
    return undefined;
  }
  return { value, path: [...section, name] };
}
