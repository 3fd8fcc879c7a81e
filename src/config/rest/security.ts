/**
 * Security schemes → REST authorizers, and an operation's `security` → the method's
 * authorization (spec §13.2):
 * - `apiKey` named `x-api-key` in a header, without an authorizer → `apiKeyRequired`;
 * - `x-amazon-apigateway-authtype: awsSigv4` → `AWS_IAM`;
 * - `x-amazon-apigateway-authorizer` `token` / `request` → `CUSTOM`, `cognito_user_pools` → `COGNITO_USER_POOLS`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
 */
import { compileJavaRegex } from '../../pipeline/7-map-response/selection.ts';
import type { RestAuthorizationType, RestAuthorizer } from '../../model/index.ts';
import { hasStageVariables } from '../../util/stage-variables.ts';
import { parseLambdaUri } from '../integration-uri.ts';
import type { JsonPath } from '../json-path.ts';
import { isRecord, type RestDocContext } from './context.ts';

/** A method's authorization, as the loader sets it. */
export interface MethodAuth {
  readonly authorizationType: RestAuthorizationType;
  readonly authorizerId?: string;
  readonly authorizationScopes?: readonly string[];
  readonly apiKeyRequired: boolean;
}

type Scheme = { kind: 'apiKey' } | { kind: 'iam' } | { kind: 'authorizer'; authorizer: RestAuthorizer } | { kind: 'other' };

/** The document's security schemes, loaded once. */
export class SecuritySchemes {
  readonly authorizers: Record<string, RestAuthorizer> = {};
  readonly #schemes = new Map<string, Scheme>();
  readonly #ctx: RestDocContext;
  readonly #path: JsonPath;

  constructor(ctx: RestDocContext) {
    this.#ctx = ctx;
    this.#path = ctx.flavour === 'oas3' ? ['components', 'securitySchemes'] : ['securityDefinitions'];
    let raw: unknown = ctx.doc;
    for (const k of this.#path) raw = isRecord(raw) ? raw[k] : undefined;
    for (const [name, s] of Object.entries(isRecord(raw) ? raw : {})) {
      const scheme = this.#load(name, s, [...this.#path, name]);
      if (scheme) this.#schemes.set(name, scheme);
    }
    // Root-level security is not applied by API Gateway (spec §13.2): say so rather than serve open routes silently.
    if (Array.isArray(ctx.doc['security']) && ctx.doc['security'].length > 0) {
      ctx.warn(['security'], 'root-level security is ignored by API Gateway; set security on each operation');
    }
  }

  /** The authorization an operation's `security` list gives its method. */
  methodAuth(security: unknown, path: JsonPath): MethodAuth {
    const none: MethodAuth = { authorizationType: 'NONE', apiKeyRequired: false };
    if (security === undefined) return none;
    if (!Array.isArray(security)) {
      this.#ctx.fail(this.#ctx.src.error(path, 'must be a list of security requirements'));
      return none;
    }
    let apiKeyRequired = false;
    let auth: Omit<MethodAuth, 'apiKeyRequired'> | undefined;
    let authAt: string | undefined;
    security.forEach((req, i) => {
      if (!isRecord(req)) return this.#ctx.fail(this.#ctx.src.error([...path, i], 'a security requirement must be an object'));
      for (const [name, scopes] of Object.entries(req)) {
        const at: JsonPath = [...path, i, name];
        const scheme = this.#schemes.get(name);
        if (!scheme) {
          this.#ctx.fail(this.#ctx.src.error(at, `security scheme "${name}" is not defined in ${this.#path.join('.')} (defined: ${[...this.#schemes.keys()].join(', ') || 'none'})`));
          continue;
        }
        if (scheme.kind === 'apiKey') apiKeyRequired = true;
        if (scheme.kind !== 'iam' && scheme.kind !== 'authorizer') continue;
        if (auth) {
          this.#ctx.fail(this.#ctx.src.error(at, `a method has one authorization; "${authAt}" already sets it`));
          continue;
        }
        authAt = name;
        if (scheme.kind === 'iam') auth = { authorizationType: 'AWS_IAM' };
        else {
          const a = scheme.authorizer;
          const list = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
          auth = {
            authorizationType: a.type === 'COGNITO_USER_POOLS' ? 'COGNITO_USER_POOLS' : 'CUSTOM',
            authorizerId: a.id,
            // Scopes only mean something for Cognito authorizers (access tokens).
            ...(a.type === 'COGNITO_USER_POOLS' && list.length > 0 ? { authorizationScopes: list } : {}),
          };
        }
      }
    });
    return { ...(auth ?? { authorizationType: 'NONE' }), apiKeyRequired };
  }

  #load(name: string, s: unknown, path: JsonPath): Scheme | undefined {
    const { src } = this.#ctx;
    if (!isRecord(s)) {
      this.#ctx.fail(src.error(path, 'a security scheme must be an object'));
      return undefined;
    }
    const authorizer = s['x-amazon-apigateway-authorizer'];
    if (authorizer !== undefined) {
      const a = this.#authorizer(name, s, authorizer, [...path, 'x-amazon-apigateway-authorizer']);
      if (!a) return undefined;
      this.authorizers[a.id] = a;
      return { kind: 'authorizer', authorizer: a };
    }
    const authType = s['x-amazon-apigateway-authtype'];
    if (typeof authType === 'string' && authType.toLowerCase() === 'awssigv4') return { kind: 'iam' };
    if (s['type'] === 'apiKey' && s['in'] === 'header' && typeof s['name'] === 'string' && s['name'].toLowerCase() === 'x-api-key') return { kind: 'apiKey' };
    this.#ctx.warn(path, `security scheme "${name}" is neither an API key (x-api-key header), awsSigv4 nor an x-amazon-apigateway-authorizer; API Gateway ignores it`);
    return { kind: 'other' };
  }

  #authorizer(name: string, scheme: Record<string, unknown>, raw: unknown, path: JsonPath): RestAuthorizer | undefined {
    const { src } = this.#ctx;
    if (!isRecord(raw)) {
      this.#ctx.fail(src.error(path, 'must be an object'));
      return undefined;
    }
    const typeText = typeof raw['type'] === 'string' ? raw['type'].toUpperCase() : undefined;
    if (typeText !== 'TOKEN' && typeText !== 'REQUEST' && typeText !== 'COGNITO_USER_POOLS') {
      const why = typeText === 'JWT' ? ' (jwt authorizers are for HTTP APIs)' : '';
      this.#ctx.fail(src.error([...path, 'type'], `must be token, request or cognito_user_pools, got ${JSON.stringify(raw['type'])}${why}`));
      return undefined;
    }
    const ttl = raw['authorizerResultTtlInSeconds'] ?? 300;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 3600) {
      this.#ctx.fail(src.error([...path, 'authorizerResultTtlInSeconds'], `must be an integer from 0 to 3600 (seconds), got ${JSON.stringify(ttl)}`));
      return undefined;
    }
    const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : undefined);
    // A TOKEN authorizer reads the header the scheme names (AWS import; LocalStack does the same).
    const header = typeof scheme['name'] === 'string' ? scheme['name'] : 'Authorization';
    const identitySource = str('identitySource') ?? (typeText === 'REQUEST' ? undefined : `method.request.header.${header}`);
    const expr = str('identityValidationExpression');
    if (expr !== undefined) {
      try {
        compileJavaRegex(expr);
      } catch (e) {
        this.#ctx.fail(src.error([...path, 'identityValidationExpression'], `not a valid regular expression: ${(e as Error).message}`));
      }
    }
    const base = { id: name, name, type: typeText, authorizerResultTtlInSeconds: ttl, source: src.where(path), ...(identitySource !== undefined ? { identitySource } : {}), ...(expr !== undefined ? { identityValidationExpression: expr } : {}) } as const;
    if (typeText === 'COGNITO_USER_POOLS') {
      const arns = raw['providerARNs'];
      if (!Array.isArray(arns) || arns.length === 0 || arns.some((a) => typeof a !== 'string')) {
        this.#ctx.fail(src.error([...path, 'providerARNs'], 'a cognito_user_pools authorizer needs providerARNs: a list of user pool ARNs'));
        return undefined;
      }
      return { ...base, providerARNs: arns as string[] };
    }
    const uri = str('authorizerUri');
    if (uri === undefined) {
      this.#ctx.fail(src.error(path, `a ${typeText.toLowerCase()} authorizer needs authorizerUri (the Lambda function)`));
      return undefined;
    }
    let functionName: string;
    try {
      functionName = parseLambdaUri(uri).functionName;
    } catch (e) {
      this.#ctx.fail(src.error([...path, 'authorizerUri'], (e as Error).message));
      return undefined;
    }
    if (!hasStageVariables(functionName) && !this.#ctx.functionNames.has(functionName)) {
      this.#ctx.fail(src.error([...path, 'authorizerUri'], undefinedFunction(functionName, this.#ctx.functionNames)));
      return undefined;
    }
    return { ...base, authorizerUri: uri, functionName };
  }
}

/** The reason a Lambda ARN naming an unknown function is refused. */
export function undefinedFunction(name: string, known: ReadonlySet<string>): string {
  return `function "${name}" is not defined under functions: in portico.yaml (defined: ${[...known].join(', ') || 'none'})`;
}
