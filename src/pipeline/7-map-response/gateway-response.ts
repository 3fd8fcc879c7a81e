/**
 * REST gateway responses: every GatewayError of a REST API becomes its type's response here,
 * default or customised (`x-amazon-apigateway-gateway-responses`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 *
 * Which setting applies (resolved once per type at load): the type's own, else DEFAULT_4XX /
 * DEFAULT_5XX by the class of the type's default status ("If the response type is unspecified,
 * this response defaults to the DEFAULT_4XX type"), else AWS's default. REQUEST_TOO_LARGE is
 * never customised: "customization of the 413 REQUEST_TOO_LARGE default gateway response is not
 * currently supported" (AWS accepts the setting and ignores it).
 */
import { REST_GATEWAY_RESPONSES, type GatewayError, type GatewayResponseType } from '../../errors/index.ts';
import { errorTree, lookupContext } from '../../mapping/rest-context.ts';
import type { GatewayResponseKey, GatewayResponseSetting, RestApi } from '../../model/index.ts';
import { TOKEN } from '../../util/http.ts';
import type { GatewayResponse, HeaderPair } from '../types.ts';

/** What a gateway response can read besides the error. */
export interface GatewayResponseInput {
  readonly error: GatewayError;
  /** `restContextTree` without `error` (added here); called at most once, only if a setting reads it. */
  readonly context: () => Record<string, unknown>;
  readonly request: {
    readonly headers: readonly (readonly [string, string])[];
    readonly query: readonly (readonly [string, string])[];
    readonly pathParameters: Readonly<Record<string, string>>;
  };
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The request's Accept header, if any. */
  readonly accept: string | undefined;
  readonly requestId: string;
  readonly extendedRequestId: string;
}

/** A template or parameter value part: text, or a variable to substitute. */
type Part = string | { readonly scope: 'context' | 'stageVariables'; readonly path: string };

/** `gatewayresponse.header.X` ← one of these. */
type ParameterSource =
  | { readonly kind: 'static'; readonly value: string }
  | { readonly kind: 'header' | 'querystring' | 'path' | 'stageVariables' | 'context'; readonly name: string };

interface Resolved {
  readonly status: number;
  /** The setting names a status: it wins over an error's own (GatewayError `status`). */
  readonly customStatus: boolean;
  readonly headers: readonly (readonly [string, ParameterSource])[];
  /** Media type → template parts, in definition order (the first is the last fallback). */
  readonly templates: ReadonlyMap<string, readonly Part[]>;
}

// "A GatewayResponse mapping template isn't processed by the VTL engine": only simple
// `$context.x.y` / `$stageVariables.x` substitution.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html
const VARIABLE = /\$(context|stageVariables)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g;
const PARAMETER_KEY = /^gatewayresponse\.header\.(.+)$/;
const PARAMETER_VALUE = /^(?:method\.request\.(header|querystring|path)|(stageVariables|context))\.([A-Za-z0-9._$-]+)$/;
const KEYS = new Set<string>(['DEFAULT_4XX', 'DEFAULT_5XX', ...Object.keys(REST_GATEWAY_RESPONSES)]);

/** Splits a template into text and variables. */
function compileTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(VARIABLE)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push({ scope: m[1] as 'context' | 'stageVariables', path: m[2] as string });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/**
 * Integration failures come out of AWS with a space after the colon — `{"message": "Internal
 * server error"}`, `{"message": "Endpoint request timed out"}` — as every capture of a 502/504
 * shows, unlike the gateway's own refusals (`{"message":"Forbidden"}`).
 */
const SPACED: ReadonlySet<GatewayResponseType> = new Set(['INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT', 'API_CONFIGURATION_ERROR']);

/** AWS's default body for a type: `{"message":$context.error.messageString}` (`Message` for ACCESS_DENIED). */
function defaultTemplates(type: GatewayResponseType): ReadonlyMap<string, readonly Part[]> {
  const key = REST_GATEWAY_RESPONSES[type].key ?? 'message';
  return new Map([['application/json', compileTemplate(`{"${key}":${SPACED.has(type) ? ' ' : ''}$context.error.messageString}`)]]);
}

/** Validates and parses one setting; throws naming the type. */
function compileSetting(key: string, setting: GatewayResponseSetting): { status: number | undefined; headers: [string, ParameterSource][]; templates: Map<string, Part[]> } {
  const fail = (why: string): never => {
    throw new Error(`gateway response ${key}: ${why}`);
  };
  if (!KEYS.has(key)) fail('unknown response type');
  if (setting.responseType !== key) fail(`responseType "${setting.responseType}" does not match its key`);
  let status: number | undefined;
  if (setting.statusCode !== undefined) {
    if (!/^[1-5]\d\d$/.test(setting.statusCode)) fail(`statusCode "${setting.statusCode}" is not an HTTP status`);
    status = Number(setting.statusCode);
  }
  const headers: [string, ParameterSource][] = [];
  for (const [param, value] of Object.entries(setting.responseParameters)) {
    const name = PARAMETER_KEY.exec(param)?.[1];
    if (name === undefined || !TOKEN.test(name)) fail(`"${param}": keys must be gatewayresponse.header.NAME`);
    if (typeof value !== 'string') fail(`"${param}": the value must be a string`);
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      headers.push([name as string, { kind: 'static', value: value.slice(1, -1) }]);
      continue;
    }
    const m = PARAMETER_VALUE.exec(value);
    if (!m) fail(`"${param}": "${value}" is not 'static', method.request.{header|querystring|path}.x, stageVariables.x or context.x`);
    const kind = (m?.[1] ?? m?.[2]) as 'header' | 'context';
    headers.push([name as string, { kind, name: m?.[3] as string }]);
  }
  const templates = new Map<string, Part[]>();
  for (const [mediaType, template] of Object.entries(setting.responseTemplates)) {
    if (typeof template !== 'string') fail(`template "${mediaType}" must be a string`);
    templates.set(mediaType.toLowerCase(), compileTemplate(template));
  }
  return { status, headers, templates };
}

/** First media type of Accept, without parameters; AWS honours only the first (spec §4.4). */
function acceptedType(accept: string | undefined): string {
  const first = (accept ?? '').split(',', 1)[0]?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return first === '' ? 'application/json' : first;
}

/** Compiles api.gatewayResponses once (templates are NOT VTL: only $context.* / $stageVariables.* substitution). Throws Error naming the type on a bad setting. */
export function compileGatewayResponses(api: RestApi): (input: GatewayResponseInput) => GatewayResponse {
  const settings = new Map<string, ReturnType<typeof compileSetting>>();
  for (const [key, setting] of Object.entries(api.gatewayResponses)) if (setting) settings.set(key, compileSetting(key, setting));

  const resolved = new Map<GatewayResponseType, Resolved>();
  for (const type of Object.keys(REST_GATEWAY_RESPONSES) as GatewayResponseType[]) {
    const def = REST_GATEWAY_RESPONSES[type];
    const fallback: GatewayResponseKey = def.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
    const setting = type === 'REQUEST_TOO_LARGE' ? undefined : (settings.get(type) ?? settings.get(fallback));
    resolved.set(type, {
      status: setting?.status ?? def.status,
      customStatus: setting?.status !== undefined,
      headers: setting?.headers ?? [],
      // A setting with headers only keeps the default body (the usual CORS-on-DEFAULT_4XX case).
      templates: setting && setting.templates.size > 0 ? setting.templates : defaultTemplates(type),
    });
  }

  return (input) => render(input, resolved.get(input.error.type) as Resolved);
}

/** Builds one response. */
function render(input: GatewayResponseInput, setting: Resolved): GatewayResponse {
  const { error } = input;
  const def = REST_GATEWAY_RESPONSES[error.type];
  // The type's message, unless the error carries what AWS puts in the body
  // (`Missing required request parameters: [a]`, `Invalid JSON in request body`).
  const message = error.bodyMessage ?? def.message;
  const errorVars = errorTree({
    message,
    responseType: error.type,
    ...(error.validationErrorString === undefined ? {} : { validationErrorString: error.validationErrorString }),
  });
  let tree: Record<string, unknown> | undefined;
  const context = (path: string): unknown => {
    if (path.startsWith('error.')) return lookupContext(errorVars, path.slice('error.'.length));
    tree ??= input.context();
    return lookupContext(tree, path);
  };
  const stageVariable = (name: string): string | undefined => (Object.hasOwn(input.stageVariables, name) ? input.stageVariables[name] : undefined);

  const wanted = acceptedType(input.accept);
  const [mediaType, parts] = selectTemplate(setting.templates, wanted);
  let body = '';
  for (const part of parts) {
    if (typeof part === 'string') body += part;
    else body += text(part.scope === 'context' ? context(part.path) : stageVariable(part.path)) ?? '';
  }

  const headers: HeaderPair[] = [
    ['Content-Type', mediaType],
    ['x-amzn-RequestId', input.requestId],
    ['x-amzn-ErrorType', error.errorType ?? def.errorType],
    ['x-amz-apigw-id', input.extendedRequestId],
    ...error.headers,
  ];
  for (const [name, source] of setting.headers) {
    const value = parameter(source, input, context, stageVariable);
    if (value === undefined || value === '') continue;
    const lower = name.toLowerCase();
    const at = headers.findIndex(([n]) => n.toLowerCase() === lower);
    if (at >= 0) headers.splice(at, 1);
    headers.push([name, value]);
  }
  return { statusCode: setting.customStatus ? setting.status : (error.status ?? setting.status), headers, body };
}

/** The template for the wanted media type, else `application/json`, else the first (spec §4.4). */
function selectTemplate(templates: ReadonlyMap<string, readonly Part[]>, wanted: string): [string, readonly Part[]] {
  const exact = templates.get(wanted) ?? templates.get('application/json');
  if (exact) return [templates.has(wanted) ? wanted : 'application/json', exact];
  const first = templates.entries().next().value;
  return first ? [first[0], first[1]] : ['application/json', []];
}

/** Substituted text: strings as they are, missing and null as nothing, other values as JSON. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A `gatewayresponse.header.X` value for this request; request headers match case-sensitively (as in parameter mappings). */
function parameter(
  source: ParameterSource,
  input: GatewayResponseInput,
  context: (path: string) => unknown,
  stageVariable: (name: string) => string | undefined,
): string | undefined {
  const last = (pairs: readonly (readonly [string, string])[], name: string): string | undefined => {
    let found: string | undefined;
    for (const [k, v] of pairs) if (k === name) found = v;
    return found;
  };
  switch (source.kind) {
    case 'static':
      return source.value;
    case 'header':
      return last(input.request.headers, source.name);
    case 'querystring':
      return last(input.request.query, source.name);
    case 'path':
      return Object.hasOwn(input.request.pathParameters, source.name) ? input.request.pathParameters[source.name] : undefined;
    case 'stageVariables':
      return stageVariable(source.name);
    case 'context':
      return text(context(source.name));
  }
}
