/**
 * HTTP API authorizers from OpenAPI (spec §13.1–13.2): `components.securitySchemes` entries
 * carrying `x-amazon-apigateway-authorizer` with `type: jwt` or `type: request`, and an
 * operation's `security` → the route's authorizationType (JWT / CUSTOM), authorizerId and
 * authorizationScopes. A requirement portico cannot enforce (IAM, a scheme without an
 * authorizer) is a load error, never an open route.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
 */
import type { Authorizer, AuthorizationType, JwtAuthorizer, RequestAuthorizer } from '../model/index.ts';
import type { ConfigError } from '../errors/index.ts';
import { compileIdentitySource } from '../pipeline/2-authorize/http-identity-source.ts';
import { hasStageVariables } from '../util/stage-variables.ts';
import { parseLambdaUri } from './integration-uri.ts';
import type { JsonPath } from './json-path.ts';
import { undefinedFunction } from './rest/security.ts';
import type { SourceFile } from './source-file.ts';

/** A route's authorization, as the loader sets it. */
export interface RouteAuth {
  readonly authorizationType: AuthorizationType;
  readonly authorizerId?: string;
  readonly authorizationScopes?: readonly string[];
}

/** What the loader needs. */
export interface HttpAuthorizerInput {
  readonly src: SourceFile;
  readonly functionNames: ReadonlySet<string>;
  readonly fail: (error: ConfigError) => void;
}

type Scheme = { kind: 'authorizer'; authorizer: Authorizer } | { kind: 'iam' } | { kind: 'other' } | { kind: 'broken' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SCHEMES: JsonPath = ['components', 'securitySchemes'];

/** AWS limits: 50 audiences per JWT authorizer, 10 scopes per route (DG:limits). */
const MAX_AUDIENCES = 50;
const MAX_SCOPES = 10;

/** The security schemes of one document, loaded once. */
export class HttpSecuritySchemes {
  /** The authorizers, keyed by authorizerId (the scheme name). */
  readonly authorizers: Record<string, Authorizer> = {};
  readonly #schemes = new Map<string, Scheme>();
  readonly #in: HttpAuthorizerInput;

  constructor(doc: Record<string, unknown>, input: HttpAuthorizerInput) {
    this.#in = input;
    const components = isRecord(doc['components']) ? doc['components'] : {};
    const raw = components['securitySchemes'];
    for (const [name, s] of Object.entries(isRecord(raw) ? raw : {})) this.#schemes.set(name, this.#load(name, s, [...SCHEMES, name]));
  }

  /**
   * The authorization a `security` list gives a route; `undefined` when it cannot be served
   * (the error is reported). `[]` or absent is `NONE`.
   */
  routeAuth(security: unknown, path: JsonPath): RouteAuth | undefined {
    const { src } = this.#in;
    if (security === undefined) return { authorizationType: 'NONE' };
    if (!Array.isArray(security)) return this.#fail(path, 'must be a list of security requirements');
    let auth: RouteAuth | undefined;
    let failed = false;
    security.forEach((req, i) => {
      if (!isRecord(req)) {
        failed = true;
        return this.#in.fail(src.error([...path, i], 'a security requirement must be an object'));
      }
      for (const [name, scopes] of Object.entries(req)) {
        const at: JsonPath = [...path, i, name];
        const scheme = this.#schemes.get(name);
        if (scheme?.kind !== 'authorizer' && scheme?.kind !== 'iam') failed = true;
        if (!scheme) this.#in.fail(src.error(at, `security scheme "${name}" is not defined in components.securitySchemes (defined: ${[...this.#schemes.keys()].join(', ') || 'none'})`));
        else if (scheme.kind === 'iam') {
          if (auth !== undefined) {
            failed = true;
            this.#in.fail(src.error(at, 'a route has one authorization type; another security requirement already sets it'));
          } else auth = { authorizationType: 'AWS_IAM' };
        }
        else if (scheme.kind === 'other') this.#in.fail(src.error(at, `security scheme "${name}" has no x-amazon-apigateway-authorizer, so nothing would enforce it; add one (type jwt or request) or remove the requirement`));
        else if (scheme.kind === 'authorizer') {
          const reason = this.#requirementProblem(scheme.authorizer, scopes, auth !== undefined);
          if (reason !== undefined) {
            failed = true;
            this.#in.fail(src.error(at, reason));
            continue;
          }
          const list = scopes as string[];
          auth = {
            authorizationType: scheme.authorizer.authorizerType === 'JWT' ? 'JWT' : 'CUSTOM',
            authorizerId: scheme.authorizer.authorizerId,
            ...(list.length > 0 ? { authorizationScopes: list } : {}),
          };
        }
      }
    });
    if (failed) return undefined;
    return auth ?? { authorizationType: 'NONE' };
  }

  /** What is wrong with requiring `authorizer` with these scopes, if anything. */
  #requirementProblem(authorizer: Authorizer, scopes: unknown, already: boolean): string | undefined {
    if (already) return 'a route has one authorizer; another security requirement already sets it';
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === '')) return 'the scopes of a requirement must be a list of strings';
    return scopesProblem(authorizer.authorizerType, scopes as string[], '[]');
  }

  #fail(path: JsonPath, reason: string): undefined {
    this.#in.fail(this.#in.src.error(path, reason));
    return undefined;
  }

  #load(name: string, s: unknown, path: JsonPath): Scheme {
    if (!isRecord(s)) {
      this.#fail(path, 'a security scheme must be an object');
      return { kind: 'broken' };
    }
    const raw = s['x-amazon-apigateway-authorizer'];
    if (raw === undefined) {
      const authType = s['x-amazon-apigateway-authtype'];
      return typeof authType === 'string' && authType.toLowerCase() === 'awssigv4' ? { kind: 'iam' } : { kind: 'other' };
    }
    const at: JsonPath = [...path, 'x-amazon-apigateway-authorizer'];
    if (!isRecord(raw)) {
      this.#fail(at, 'must be an object');
      return { kind: 'broken' };
    }
    const type = typeof raw['type'] === 'string' ? raw['type'].toLowerCase() : undefined;
    const authorizer = type === 'jwt' ? this.#jwt(name, s, raw, at) : type === 'request' ? this.#request(name, raw, at) : this.#fail([...at, 'type'], `HTTP APIs take jwt or request authorizers, got ${JSON.stringify(raw['type'])}${type === 'token' || type === 'cognito_user_pools' ? ' (a REST API authorizer type)' : ''}`);
    if (!authorizer) return { kind: 'broken' };
    this.authorizers[authorizer.authorizerId] = authorizer;
    return { kind: 'authorizer', authorizer };
  }

  /** Where an OpenAPI authorizer's fields are: `jwtConfiguration.issuer`, `authorizerUri`... */
  #fields(at: JsonPath): AuthorizerFields {
    const { src, functionNames, fail } = this.#in;
    return { src, functionNames, fail, at, field: (name) => OPENAPI_FIELDS[name] };
  }

  #jwt(name: string, scheme: Record<string, unknown>, raw: Record<string, unknown>, at: JsonPath): Authorizer | undefined {
    const config = isRecord(raw['jwtConfiguration']) ? raw['jwtConfiguration'] : undefined;
    if (!config) return this.#fail(at, 'a jwt authorizer needs jwtConfiguration: { issuer, audience }');
    // An openIdConnect scheme names its issuer through openIdConnectUrl (spec §13.2).
    const oidc = typeof scheme['openIdConnectUrl'] === 'string' ? scheme['openIdConnectUrl'].replace(/\/\.well-known\/openid-configuration$/, '') : undefined;
    return checkJwtAuthorizer(name, { identitySource: raw['identitySource'], issuer: config['issuer'] ?? oidc, audience: config['audience'] }, this.#fields(at));
  }

  #request(name: string, raw: Record<string, unknown>, at: JsonPath): Authorizer | undefined {
    const uri = raw['authorizerUri'];
    if (typeof uri !== 'string') return this.#fail(at, 'a request authorizer needs authorizerUri (the Lambda function)');
    let functionName: string;
    try {
      functionName = parseLambdaUri(uri).functionName;
    } catch (e) {
      return this.#fail([...at, 'authorizerUri'], (e as Error).message);
    }
    return checkRequestAuthorizer(
      name,
      { authorizerUri: uri, functionName, version: raw['authorizerPayloadFormatVersion'], simple: raw['enableSimpleResponses'], ttl: raw['authorizerResultTtlInSeconds'], identitySource: raw['identitySource'] },
      this.#fields(at),
    );
  }
}

/** An authorizer field, by the name portico.yaml gives it; each file maps it to its own key. */
export type AuthorizerField = 'identitySource' | 'issuer' | 'audience' | 'function' | 'payloadFormatVersion' | 'enableSimpleResponses' | 'resultTtlInSeconds';

/** Where one authorizer definition is, for the checks shared by OpenAPI and portico.yaml. */
export interface AuthorizerFields {
  readonly src: SourceFile;
  readonly functionNames: ReadonlySet<string>;
  readonly fail: (error: ConfigError) => void;
  /** The definition's JSON path. */
  readonly at: JsonPath;
  /** A field's path below `at` and the key the file writes for it. */
  readonly field: (name: AuthorizerField) => { readonly path: JsonPath; readonly key: string };
}

/** The fields as `x-amazon-apigateway-authorizer` writes them. */
const OPENAPI_FIELDS: Readonly<Record<AuthorizerField, { readonly path: JsonPath; readonly key: string }>> = {
  identitySource: { path: ['identitySource'], key: 'identitySource' },
  issuer: { path: ['jwtConfiguration', 'issuer'], key: 'issuer' },
  audience: { path: ['jwtConfiguration', 'audience'], key: 'audience' },
  function: { path: ['authorizerUri'], key: 'authorizerUri' },
  payloadFormatVersion: { path: ['authorizerPayloadFormatVersion'], key: 'authorizerPayloadFormatVersion' },
  enableSimpleResponses: { path: ['enableSimpleResponses'], key: 'enableSimpleResponses' },
  resultTtlInSeconds: { path: ['authorizerResultTtlInSeconds'], key: 'authorizerResultTtlInSeconds' },
};

function failAt(f: AuthorizerFields, name: AuthorizerField, reason: string): undefined {
  f.fail(f.src.error([...f.at, ...f.field(name).path], reason));
  return undefined;
}

/**
 * What is wrong with a route's authorization scopes for an authorizer of this type, if anything:
 * scopes are for JWT authorizers only (`none` is what the file writes for no scopes), at most 10.
 */
export function scopesProblem(authorizerType: Authorizer['authorizerType'] | 'AWS_IAM', scopes: readonly string[], none: string): string | undefined {
  if (authorizerType !== 'JWT' && scopes.length > 0) return `authorization scopes apply to JWT authorizers only; a ${authorizerType === 'AWS_IAM' ? 'AWS_IAM route' : 'Lambda (request) authorizer'} takes ${none}`;
  if (scopes.length > MAX_SCOPES) return `at most ${MAX_SCOPES} authorization scopes per route (AWS limit), got ${scopes.length}`;
  return undefined;
}

/** The identity sources: a list, or a comma-separated string as AWS exports them. */
export function checkIdentitySources(raw: unknown, fallback: readonly string[], f: AuthorizerFields): string[] | undefined {
  if (raw === undefined) return [...fallback];
  const list = typeof raw === 'string' ? raw.split(',').map((x) => x.trim()).filter((x) => x !== '') : Array.isArray(raw) ? raw : undefined;
  if (!list || list.some((x) => typeof x !== 'string')) return failAt(f, 'identitySource', 'identitySource must be a string or a list of strings');
  for (const source of list as string[]) {
    try {
      compileIdentitySource(source, '');
    } catch (e) {
      return failAt(f, 'identitySource', (e as Error).message);
    }
  }
  return list as string[];
}

/** A JWT authorizer (apigatewayv2 `jwtConfiguration`) from its fields, or undefined (reported). */
export function checkJwtAuthorizer(name: string, v: { readonly identitySource: unknown; readonly issuer: unknown; readonly audience: unknown; readonly jwksUri?: string }, f: AuthorizerFields): JwtAuthorizer | undefined {
  const identitySource = checkIdentitySources(v.identitySource, ['$request.header.Authorization'], f);
  if (!identitySource) return undefined;
  if (identitySource.length !== 1 || !/^\$request\.(header|querystring)\./.test(identitySource[0] as string)) {
    return failAt(f, 'identitySource', 'a JWT authorizer reads one $request.header.X or $request.querystring.X');
  }
  const { issuer, audience } = v;
  if (typeof issuer !== 'string' || !/^https?:\/\/[^\s]+$/.test(issuer)) return failAt(f, 'issuer', `issuer must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  if (!Array.isArray(audience) || audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) {
    return failAt(f, 'audience', 'audience must be a non-empty list of strings (the accepted aud / client_id values)');
  }
  if (audience.length > MAX_AUDIENCES) return failAt(f, 'audience', `at most ${MAX_AUDIENCES} audiences per authorizer (AWS limit), got ${audience.length}`);
  const jwtConfiguration = { issuer, audience: audience as string[], ...(v.jwksUri !== undefined ? { jwksUri: v.jwksUri } : {}) };
  return { authorizerId: name, name, authorizerType: 'JWT', identitySource, jwtConfiguration, source: f.src.where(f.at) };
}

/** A Lambda REQUEST authorizer from its fields, or undefined (reported). */
export function checkRequestAuthorizer(
  name: string,
  v: { readonly authorizerUri: string; readonly functionName: string; readonly version: unknown; readonly simple: unknown; readonly ttl: unknown; readonly identitySource: unknown },
  f: AuthorizerFields,
): RequestAuthorizer | undefined {
  const { functionName, version } = v;
  if (!hasStageVariables(functionName) && !f.functionNames.has(functionName)) return failAt(f, 'function', undefinedFunction(functionName, f.functionNames));
  const versionKey = f.field('payloadFormatVersion').key;
  if (version !== '1.0' && version !== '2.0') return failAt(f, 'payloadFormatVersion', `must be "1.0" or "2.0" (AWS requires it for HTTP API Lambda authorizers), got ${JSON.stringify(version)}`);
  const simple = v.simple ?? false;
  if (typeof simple !== 'boolean') return failAt(f, 'enableSimpleResponses', 'must be true or false');
  if (simple && version !== '2.0') return failAt(f, 'enableSimpleResponses', `simple responses need ${versionKey} "2.0"`);
  const ttl = v.ttl ?? 0;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 3600) return failAt(f, 'resultTtlInSeconds', `must be an integer from 0 to 3600 (seconds), got ${JSON.stringify(ttl)}`);
  const identitySource = checkIdentitySources(v.identitySource, [], f);
  if (!identitySource) return undefined;
  if (ttl > 0 && identitySource.length === 0) return failAt(f, 'identitySource', `caching (${f.field('resultTtlInSeconds').key} > 0) needs at least one identity source: the cache is keyed by them`);
  return {
    authorizerId: name,
    name,
    authorizerType: 'REQUEST',
    identitySource,
    authorizerUri: v.authorizerUri,
    functionName,
    authorizerPayloadFormatVersion: version,
    enableSimpleResponses: simple,
    authorizerResultTtlInSeconds: ttl,
    source: f.src.where(f.at),
  };
}
