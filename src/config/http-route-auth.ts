/**
 * Authorization of native HTTP API routes (portico.yaml `routes:`): the API's `authorizers:`
 * map, written with apigatewayv2 CreateAuthorizer's fields, and each route's `authorizer: <name>`,
 * `authorizationType: AWS_IAM` and `authorizationScopes`. They produce the same model
 * `Authorizer`s and route fields the OpenAPI loader does, checked by the same functions
 * (http-authorizers.ts), so both ways of writing an API are enforced alike.
 * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html
 * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes.html
 */
import type { Authorizer } from '../model/index.ts';
import { checkJwtAuthorizer, checkRequestAuthorizer, scopesProblem, type AuthorizerField, type AuthorizerFields, type RouteAuth } from './http-authorizers.ts';
import type { JsonPath } from './json-path.ts';
import type { RawApi, RawHttpAuthorizer, RawRoute } from './raw-types.ts';
import type { ApiLoadInput } from './stages.ts';

/** The fields only one authorizer type takes. */
const JWT_ONLY = ['issuer', 'audience', 'jwksUri'] as const;
const REQUEST_ONLY = ['function', 'payloadFormatVersion', 'enableSimpleResponses', 'resultTtlInSeconds'] as const;

/**
 * The API's `authorizers:`, keyed by name (their authorizerId); a broken one is reported and
 * left out, so the routes naming it are refused at load. `taken` holds the OpenAPI document's
 * authorizers: a name used in both is an error.
 */
export function loadNativeAuthorizers(raw: RawApi, input: ApiLoadInput, taken: Readonly<Record<string, Authorizer>>): Record<string, Authorizer> {
  const { src, path, errors } = input;
  const loaded: Record<string, Authorizer> = {};
  for (const [name, a] of Object.entries(raw.authorizers ?? {})) {
    const at: JsonPath = [...path, 'authorizers', name];
    const other = taken[name];
    if (other !== undefined) {
      errors.push(src.error(at, `authorizer "${name}" is also defined at ${other.source}; names must be unique in the API`));
      continue;
    }
    const authorizer = loadOne(name, a, at, input);
    if (authorizer) loaded[name] = authorizer;
  }
  return loaded;
}

function loadOne(name: string, a: RawHttpAuthorizer, at: JsonPath, input: ApiLoadInput): Authorizer | undefined {
  const { src, errors } = input;
  const foreign = (a.type === 'JWT' ? REQUEST_ONLY : JWT_ONLY).find((k) => a[k] !== undefined);
  if (foreign !== undefined) {
    errors.push(src.error([...at, foreign], `"${foreign}" is for ${a.type === 'JWT' ? 'REQUEST (Lambda)' : 'JWT'} authorizers; this one is ${a.type}`));
    return undefined;
  }
  const fields: AuthorizerFields = {
    src,
    functionNames: input.functionNames,
    fail: (e) => errors.push(e),
    at,
    field: (f: AuthorizerField) => ({ path: [f], key: f }),
  };
  if (a.type === 'JWT') {
    const missing = (['issuer', 'audience'] as const).find((k) => a[k] === undefined);
    if (missing !== undefined) {
      errors.push(src.error(at, `a JWT authorizer needs "${missing}"`));
      return undefined;
    }
    return checkJwtAuthorizer(name, { identitySource: a.identitySource, issuer: a.issuer, audience: a.audience, ...(a.jwksUri !== undefined ? { jwksUri: a.jwksUri } : {}) }, fields);
  }
  if (a.function === undefined) {
    errors.push(src.error(at, 'a REQUEST authorizer needs "function" (a key of functions:)'));
    return undefined;
  }
  // The Lambda ARN CreateAuthorizer takes as authorizerUri, from the function's name.
  const fnArn = `arn:aws:lambda:${input.region}:${input.accountId}:function:${a.function}`;
  return checkRequestAuthorizer(
    name,
    {
      authorizerUri: `arn:aws:apigateway:${input.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
      functionName: a.function,
      version: a.payloadFormatVersion,
      simple: a.enableSimpleResponses,
      ttl: a.resultTtlInSeconds,
      identitySource: a.identitySource,
    },
    fields,
  );
}

/**
 * A native route's authorization, or undefined when it cannot be served (reported): every
 * route is either open (`NONE`), signed (`AWS_IAM`) or names an authorizer, never ambiguous.
 */
export function nativeRouteAuth(r: RawRoute, rpath: JsonPath, authorizers: Readonly<Record<string, Authorizer>>, input: ApiLoadInput): RouteAuth | undefined {
  const { src, errors } = input;
  const fail = (key: string, reason: string): undefined => {
    errors.push(src.error([...rpath, key], reason));
    return undefined;
  };
  // The schema lets the WebSocket object form through; HTTP routes take a name.
  const named: unknown = r.authorizer;
  const type = r.authorizationType;
  const scopes = r.authorizationScopes ?? [];
  if (named !== undefined && typeof named !== 'string') {
    return fail('authorizer', 'an HTTP API route names one of the API\'s authorizers: (a string); the object form is for a WebSocket $connect route');
  }
  if (named === undefined) {
    if (type === 'JWT' || type === 'CUSTOM') return fail('authorizationType', `authorizationType ${type} needs authorizer: <name of one of authorizers:>`);
    const problem = scopesProblem(type === 'AWS_IAM' ? 'AWS_IAM' : 'REQUEST', scopes, 'none');
    if (problem !== undefined) return fail('authorizationScopes', type === 'AWS_IAM' ? problem : 'authorization scopes need a JWT authorizer: add authorizer: <name>');
    return { authorizationType: type ?? 'NONE' };
  }
  const authorizer = authorizers[named];
  if (!authorizer) {
    const defined = Object.keys(authorizers);
    return fail('authorizer', `authorizer "${named}" is not defined in the API's authorizers: (defined: ${defined.join(', ') || 'none'})`);
  }
  const implied = authorizer.authorizerType === 'JWT' ? 'JWT' : 'CUSTOM';
  if (type !== undefined && type !== implied) {
    return fail('authorizationType', `authorizer "${named}" is a ${authorizer.authorizerType} authorizer, so the route's authorizationType is ${implied}, not ${type}${type === 'AWS_IAM' ? ' (a route has one authorization type)' : ''}`);
  }
  const problem = scopesProblem(authorizer.authorizerType, scopes, 'none');
  if (problem !== undefined) return fail('authorizationScopes', problem);
  return { authorizationType: implied, authorizerId: authorizer.authorizerId, ...(scopes.length > 0 ? { authorizationScopes: scopes } : {}) };
}
