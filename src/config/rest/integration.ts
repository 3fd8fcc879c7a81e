/**
 * `x-amazon-apigateway-integration` of a REST method → RestIntegration, checked as
 * PutIntegration and PutIntegrationResponse check it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
 */
import type { ContentHandling, IntegrationResponse, MethodResponse, PassthroughBehavior, RestIntegration, RestIntegrationType } from '../../model/index.ts';
import { compileTemplate } from '../../mapping/vtl/index.ts';
import { compileJavaRegex } from '../../pipeline/7-map-response/selection.ts';
import { hasStageVariables } from '../../util/stage-variables.ts';
import { checkHttpUri, parseLambdaUri } from '../integration-uri.ts';
import type { JsonPath } from '../json-path.ts';
import { isRecord, stringMap, type RestDocContext } from './context.ts';
import { checkRequestSource, checkResponseSource, INTEGRATION_REQUEST_KEY, invalidExpression, invalidParameter, METHOD_RESPONSE_KEY } from './mapping-expressions.ts';
import { undefinedFunction } from './security.ts';

const TYPES: readonly RestIntegrationType[] = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'];
const PASSTHROUGH: readonly PassthroughBehavior[] = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'];
const KNOWN = new Set([
  'type', 'uri', 'httpMethod', 'requestParameters', 'requestTemplates', 'passthroughBehavior', 'contentHandling', 'timeoutInMillis',
  'cacheNamespace', 'cacheKeyParameters', 'connectionType', 'connectionId', 'credentials', 'responses', 'tlsConfig',
]);
const APIGW_ARN = /^arn:aws[a-z-]*:apigateway:[^:]*:([^:]+):/;
/** REST integration timeout: 50–29000 ms by default; up to 300000 with a quota increase (spec §4.2). */
export const REST_TIMEOUT_DEFAULT = 29000;
const REST_TIMEOUT_QUOTA_MAX = 300000;

/** What the integration is checked against: the method it belongs to. */
export interface MethodFacts {
  /** The method's `method.request.*` keys (mapping sources must be declared). */
  readonly requestParameters: ReadonlySet<string>;
  readonly methodResponses: Readonly<Record<string, MethodResponse>>;
  /** The keys of `responses` in document order (JS objects put integer-like keys first). */
  readonly responseOrder: (path: JsonPath) => readonly string[] | undefined;
}

/** Builds the integration; returns undefined after reporting when it cannot be used. */
export function buildRestIntegration(ctx: RestDocContext, raw: unknown, path: JsonPath, method: MethodFacts): RestIntegration | undefined {
  const { src } = ctx;
  if (!isRecord(raw)) {
    ctx.fail(src.error(path, 'an integration must be an object'));
    return undefined;
  }
  const errorsBefore = countingFail(ctx);
  const fail = (at: JsonPath, reason: string): void => errorsBefore.fail(src.error(at, reason));
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    fail([...path, k], `must be a string, got ${typeof v}`);
    return undefined;
  };
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) ctx.warn([...path, k], `"${k}" is not an x-amazon-apigateway-integration field of REST APIs and is ignored`);

  const typeText = str('type');
  const type = TYPES.find((t) => t === typeText?.toUpperCase());
  if (!type) {
    fail([...path, 'type'], typeText === undefined ? 'missing "type" (aws, aws_proxy, http, http_proxy or mock)' : `unknown integration type "${typeText}" (expected aws, aws_proxy, http, http_proxy or mock)`);
    return undefined;
  }
  const uri = str('uri');
  const httpMethod = str('httpMethod')?.toUpperCase();
  let functionName: string | undefined;
  if (type === 'AWS' || type === 'AWS_PROXY') {
    functionName = lambdaFunction(ctx, uri, [...path, 'uri'], fail);
    if (functionName !== undefined && httpMethod === undefined) fail([...path, 'httpMethod'], 'Lambda integrations need httpMethod: POST');
    // AWS accepts it, then answers every call 500 (spec §4.2, aws-snap): worth a warning at load.
    else if (functionName !== undefined && httpMethod !== 'POST') ctx.warn([...path, 'httpMethod'], `Lambda is invoked with POST; with "${httpMethod}" AWS answers every request 500 Internal server error`);
  } else if (type === 'HTTP' || type === 'HTTP_PROXY') {
    if (uri === undefined) fail([...path, 'uri'], 'missing the backend URL');
    else {
      try {
        checkHttpUri(uri);
      } catch (e) {
        fail([...path, 'uri'], (e as Error).message);
      }
    }
    if (httpMethod === undefined) fail([...path, 'httpMethod'], 'HTTP integrations need httpMethod (ANY forwards the client method)');
  }

  const connectionType = str('connectionType');
  if (connectionType?.toUpperCase() === 'VPC_LINK') fail([...path, 'connectionType'], 'private integrations (VPC_LINK) are not supported by portico; use connectionType INTERNET with a URL portico can reach');
  const passthroughText = str('passthroughBehavior');
  const passthroughBehavior = passthroughText === undefined ? 'WHEN_NO_MATCH' : PASSTHROUGH.find((p) => p === passthroughText.toUpperCase());
  if (!passthroughBehavior) fail([...path, 'passthroughBehavior'], `must be when_no_match, when_no_templates or never, got "${passthroughText}"`);
  const contentHandling = contentHandlingOf(str('contentHandling'), [...path, 'contentHandling'], fail);
  const timeoutInMillis = timeoutOf(ctx, raw['timeoutInMillis'], [...path, 'timeoutInMillis'], fail);

  const requestParameters = stringMap(ctx, raw['requestParameters'], [...path, 'requestParameters']);
  for (const [k, v] of Object.entries(requestParameters)) {
    const at: JsonPath = [...path, 'requestParameters', k];
    if (!INTEGRATION_REQUEST_KEY.test(k)) fail(at, `${invalidParameter(k)}; keys are integration.request.{header|querystring|path}.NAME`);
    else {
      const reason = checkRequestSource(v, method.requestParameters);
      if (reason) fail(at, reason);
    }
  }
  const cacheKeyParameters = cacheKeys(raw['cacheKeyParameters'], [...path, 'cacheKeyParameters'], method, fail);
  const integrationResponses = responsesOf(ctx, raw['responses'], [...path, 'responses'], method, fail, type.endsWith('_PROXY'));
  const credentials = str('credentials');
  const cacheNamespace = str('cacheNamespace');
  if (errorsBefore.count() > 0 || !passthroughBehavior) return undefined;
  return {
    type,
    ...(httpMethod !== undefined ? { httpMethod } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(functionName !== undefined ? { functionName } : {}),
    requestParameters,
    requestTemplates: templates(ctx, raw['requestTemplates'], [...path, 'requestTemplates'], fail),
    passthroughBehavior,
    ...(contentHandling ? { contentHandling } : {}),
    timeoutInMillis,
    ...(cacheNamespace !== undefined ? { cacheNamespace } : {}),
    cacheKeyParameters,
    integrationResponses,
    ...(connectionType !== undefined ? { connectionType: connectionType.toUpperCase() } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    source: src.where(path),
  };
}

/** Wraps ctx.fail to count the errors of one integration. */
function countingFail(ctx: RestDocContext): { fail: RestDocContext['fail']; count: () => number } {
  let n = 0;
  return { fail: (e) => (n++, ctx.fail(e)), count: () => n };
}

/** The local function a Lambda integration URI names; reports (and returns undefined) otherwise. */
function lambdaFunction(ctx: RestDocContext, uri: string | undefined, at: JsonPath, fail: (at: JsonPath, reason: string) => void): string | undefined {
  if (uri === undefined) {
    fail(at, 'missing the Lambda integration URI (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations)');
    return undefined;
  }
  const service = APIGW_ARN.exec(uri)?.[1];
  if (service === undefined) {
    fail(at, `"${uri}" is not an API Gateway integration ARN; REST Lambda integrations use arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations`);
    return undefined;
  }
  if (service !== 'lambda') {
    fail(at, `only Lambda AWS integrations are supported by portico, got the "${service}" service`);
    return undefined;
  }
  let name: string;
  try {
    name = parseLambdaUri(uri).functionName;
  } catch (e) {
    fail(at, (e as Error).message);
    return undefined;
  }
  if (!hasStageVariables(name) && !ctx.functionNames.has(name)) {
    fail(at, undefinedFunction(name, ctx.functionNames));
    return undefined;
  }
  return name;
}

function contentHandlingOf(text: string | undefined, at: JsonPath, fail: (at: JsonPath, reason: string) => void): ContentHandling | undefined {
  if (text === undefined) return undefined;
  const v = text.toUpperCase();
  if (v === 'CONVERT_TO_BINARY' || v === 'CONVERT_TO_TEXT') return v;
  fail(at, `must be CONVERT_TO_BINARY or CONVERT_TO_TEXT, got "${text}"`);
  return undefined;
}

function timeoutOf(ctx: RestDocContext, raw: unknown, at: JsonPath, fail: (at: JsonPath, reason: string) => void): number {
  if (raw === undefined) return REST_TIMEOUT_DEFAULT;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 50 || n > REST_TIMEOUT_QUOTA_MAX) {
    fail(at, `must be an integer from 50 to 29000 (ms; up to 300000 with an AWS quota increase), got ${JSON.stringify(raw)}`);
    return REST_TIMEOUT_DEFAULT;
  }
  // https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/
  if (n > REST_TIMEOUT_DEFAULT) ctx.warn(at, `${n} ms is above AWS's default 29000 ms limit; AWS allows it only for Regional and private APIs after a quota increase`);
  return n;
}

function cacheKeys(raw: unknown, at: JsonPath, method: MethodFacts, fail: (at: JsonPath, reason: string) => void): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string')) {
    fail(at, 'must be a list of method.request.* parameter names');
    return [];
  }
  raw.forEach((k: string, i) => {
    // The multi-value forms name a declared query string or header parameter (all its values).
    if (!method.requestParameters.has(k.replace(/^method\.request\.multivalue(querystring|header)\./, 'method.request.$1.'))) fail([...at, i], `"${k}" is not a request parameter of the method; cache key parameters must be declared method.request.{path|querystring|header}.NAME parameters (or multivaluequerystring/multivalueheader of a declared one)`);
  });
  return raw as string[];
}

function responsesOf(ctx: RestDocContext, raw: unknown, at: JsonPath, method: MethodFacts, fail: (at: JsonPath, reason: string) => void, proxy: boolean): IntegrationResponse[] {
  if (raw === undefined) return [];
  if (!isRecord(raw)) {
    fail(at, 'must be an object keyed by selection pattern ("default" for the default response)');
    return [];
  }
  const order = method.responseOrder(at) ?? Object.keys(raw);
  const out: IntegrationResponse[] = [];
  for (const key of order) {
    const r = raw[key];
    const rpath: JsonPath = [...at, key];
    if (key !== 'default') {
      // AWS compiles it as a Java regex; the pipeline translates it the same way, once.
      try {
        compileJavaRegex(key);
      } catch (e) {
        fail(rpath, `Invalid selection pattern specified: ${(e as Error).message}`);
        continue;
      }
    }
    if (!isRecord(r)) {
      fail(rpath, 'an integration response must be an object with statusCode');
      continue;
    }
    const sc = typeof r['statusCode'] === 'number' ? String(r['statusCode']) : r['statusCode'];
    if (typeof sc !== 'string' || !/^[1-5]\d\d$/.test(sc)) {
      fail([...rpath, 'statusCode'], sc === undefined ? 'missing statusCode (the method response it produces)' : `must be a status code of 3 digits such as "200", got ${JSON.stringify(r['statusCode'])}`);
      continue;
    }
    const methodResponse = method.methodResponses[sc];
    // PutIntegrationResponse refuses a status without a method response ("Invalid Response
    // status code specified"); whether import then skips it is not verified, so it is kept.
    // Proxy integrations pass the response through; AWS's own exports of them carry a
    // `default: {statusCode: "200"}` with no method response, so it is not warned about.
    if (!methodResponse && !proxy) ctx.warn([...rpath, 'statusCode'], `status ${sc} is not a response of the operation (responses: ${Object.keys(method.methodResponses).join(', ') || 'none'}); AWS refuses it: Invalid Response status code specified`);
    const responseParameters = stringMap(ctx, r['responseParameters'], [...rpath, 'responseParameters']);
    for (const [k, v] of Object.entries(responseParameters)) {
      const ppath: JsonPath = [...rpath, 'responseParameters', k];
      if (!METHOD_RESPONSE_KEY.test(k)) fail(ppath, `${invalidExpression(k)}; keys are method.response.header.NAME`);
      else if (methodResponse && methodResponse.responseParameters[k] === undefined) fail(ppath, `${invalidParameter(k)}; declare the header in responses.${sc}.headers`);
      else {
        const reason = checkResponseSource(v);
        if (reason) fail(ppath, reason);
      }
    }
    const contentHandling = contentHandlingOf(typeof r['contentHandling'] === 'string' ? r['contentHandling'] : undefined, [...rpath, 'contentHandling'], fail);
    out.push({
      ...(key !== 'default' ? { selectionPattern: key } : {}),
      statusCode: sc,
      responseParameters,
      responseTemplates: templates(ctx, r['responseTemplates'], [...rpath, 'responseTemplates'], fail),
      ...(contentHandling ? { contentHandling } : {}),
    });
  }
  return out;
}

/** Mapping templates by media type, each parsed now (as the pipeline will) so a syntax error fails the load. */
function templates(ctx: RestDocContext, raw: unknown, at: JsonPath, fail: (at: JsonPath, reason: string) => void): Record<string, string> {
  const out = stringMap(ctx, raw, at);
  for (const [type, text] of Object.entries(out)) {
    try {
      compileTemplate(text, type);
    } catch (e) {
      fail([...at, type], `invalid mapping template: ${(e as Error).message}`);
    }
  }
  return out;
}
