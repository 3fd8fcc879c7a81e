/**
 * REST parameter-mapping expressions, checked as PutIntegration / PutIntegrationResponse /
 * PutGatewayResponse check them, with AWS's messages
 * ("Invalid mapping expression specified: Validation Result: warnings : [], errors : [...]").
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
 */

const LITERAL = /^'[^']*'$/;
const CONTEXT = /^context\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*$/;
const STAGE_VARIABLE = /^stageVariables\.[A-Za-z0-9_]+$/;
const METHOD_REQUEST = /^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$/;
const METHOD_REQUEST_BODY = /^method\.request\.body(?:\.\S+)?$/;
const INTEGRATION_RESPONSE = /^integration\.response\.(?:header|multivalueheader)\.\S+$|^integration\.response\.body(?:\.\S+)?$/;

/** Keys of `requestParameters` of a method (`method.request.querystring.type`). */
export const METHOD_REQUEST_KEY = /^method\.request\.(path|querystring|header)\.(.+)$/;
/** Keys of an integration's `requestParameters`. */
export const INTEGRATION_REQUEST_KEY = /^integration\.request\.(path|querystring|header)\.(.+)$/;
/** Keys of an integration response's `responseParameters`. */
export const METHOD_RESPONSE_KEY = /^method\.response\.header\.(.+)$/;
/** Keys of a gateway response's `responseParameters`. */
export const GATEWAY_RESPONSE_KEY = /^gatewayresponse\.header\.(.+)$/;

/** AWS's wording for a bad expression (the whole expression, or one parameter of it). */
export const invalidExpression = (expr: string): string =>
  `Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${expr}]`;
export const invalidParameter = (param: string): string =>
  `Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: ${param}]`;

/**
 * Checks an integration request mapping source; `declared` holds the method's
 * `method.request.*` keys. Returns the reason it is refused, or undefined.
 */
export function checkRequestSource(value: string, declared: ReadonlySet<string>): string | undefined {
  if (LITERAL.test(value) || CONTEXT.test(value) || STAGE_VARIABLE.test(value) || METHOD_REQUEST_BODY.test(value)) return undefined;
  const m = METHOD_REQUEST.exec(value);
  if (!m) return invalidExpression(value);
  // multivalue sources read the parameter the method declares under its plain location.
  const location = (m[1] as string).replace(/^multivalue/, '');
  const key = `method.request.${location}.${m[2] as string}`;
  return declared.has(key) ? undefined : `${invalidParameter(value)}; declare "${key}" in the operation's parameters`;
}

/** Checks an integration response mapping source. */
export function checkResponseSource(value: string): string | undefined {
  if (LITERAL.test(value) || CONTEXT.test(value) || STAGE_VARIABLE.test(value) || INTEGRATION_RESPONSE.test(value)) return undefined;
  return invalidExpression(value);
}

/** Checks a gateway response mapping source (`'literal'`, method.request.{header|querystring|path}.x, stageVariables.x, context.x). */
export function checkGatewayResponseSource(value: string): string | undefined {
  if (LITERAL.test(value) || CONTEXT.test(value) || STAGE_VARIABLE.test(value) || /^method\.request\.(?:header|querystring|path)\.\S+$/.test(value)) return undefined;
  return invalidExpression(value);
}
