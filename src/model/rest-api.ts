/**
 * REST APIs, shaped like API Gateway's v1 control plane (apigateway 2015-07-09):
 * RestApi, Resource (a tree), Method, MethodResponse, Integration, IntegrationResponse,
 * Model, RequestValidator, GatewayResponse, Authorizer, Stage.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Operations_Amazon_API_Gateway.html
 * Field names are AWS's; maps keyed as AWS keys them (status code, content type, response type).
 */
import type { GatewayResponseType } from '../errors/gateway-responses.ts';
import type { AccessLogSettings } from './http-api.ts';

/** `ANY` and the seven methods it stands for. */
export type RestHttpMethod = 'ANY' | 'DELETE' | 'GET' | 'HEAD' | 'OPTIONS' | 'PATCH' | 'POST' | 'PUT';

/** Integration types (`x-amazon-apigateway-integration.type`, upper-cased). */
export type RestIntegrationType = 'AWS' | 'AWS_PROXY' | 'HTTP' | 'HTTP_PROXY' | 'MOCK';

export type PassthroughBehavior = 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
export type ContentHandling = 'CONVERT_TO_BINARY' | 'CONVERT_TO_TEXT';

/** `{ "application/json": "<VTL>" }`, keyed by media type. */
export type Templates = Readonly<Record<string, string>>;

/**
 * One integration response (`x-amazon-apigateway-integration.responses`), keyed in the
 * Integration by its selection pattern; the `default` key has no pattern.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration-response.html
 */
export interface IntegrationResponse {
  /** Java regex matched against the whole value (Lambda errorMessage, or the status code); absent = default. */
  readonly selectionPattern?: string;
  /** The method response status it produces. */
  readonly statusCode: string;
  /** `method.response.header.X` ← `integration.response.header.Y` | `integration.response.body[.path]` | `'literal'` | `context.x` | `stageVariables.x`. */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Templates;
  readonly contentHandling?: ContentHandling;
}

/**
 * A method's integration (`Integration`). For `AWS` / `AWS_PROXY` Lambda integrations
 * `functionName` is the local function the ARN names (may hold `${stageVariables.x}`).
 */
export interface RestIntegration {
  readonly type: RestIntegrationType;
  /** Integration HTTP method (`POST` for Lambda; `ANY` allowed for HTTP(_PROXY) = the client's). */
  readonly httpMethod?: string;
  readonly uri?: string;
  readonly functionName?: string;
  /** `integration.request.{header|querystring|path}.X` ← `method.request.*` | `context.*` | `stageVariables.*` | `'literal'`. */
  readonly requestParameters: Readonly<Record<string, string>>;
  readonly requestTemplates: Templates;
  readonly passthroughBehavior: PassthroughBehavior;
  readonly contentHandling?: ContentHandling;
  /** 50..29000 ms, default 29000 (spec §4.2). */
  readonly timeoutInMillis: number;
  readonly cacheNamespace?: string;
  readonly cacheKeyParameters: readonly string[];
  /** In AWS's order of definition; the one without `selectionPattern` is the default. */
  readonly integrationResponses: readonly IntegrationResponse[];
  /** `INTERNET` (VPC links are not supported). */
  readonly connectionType?: string;
  readonly credentials?: string;
  /** Where it was defined, for messages: `file#/json/path`. */
  readonly source: string;
}

/** A declared method response (`responses` of the operation). */
export interface MethodResponse {
  readonly statusCode: string;
  /** `method.response.header.X` → required. */
  readonly responseParameters: Readonly<Record<string, boolean>>;
  /** Content type → model name. */
  readonly responseModels: Readonly<Record<string, string>>;
}

/** `NONE`, `AWS_IAM`, `CUSTOM` (Lambda authorizer) or `COGNITO_USER_POOLS`. */
export type RestAuthorizationType = 'NONE' | 'AWS_IAM' | 'CUSTOM' | 'COGNITO_USER_POOLS';

export interface Method {
  /** `GET`…, or `ANY`. */
  readonly httpMethod: RestHttpMethod;
  readonly authorizationType: RestAuthorizationType;
  readonly authorizerId?: string;
  /** OAuth scopes (Cognito authorizers). */
  readonly authorizationScopes?: readonly string[];
  readonly apiKeyRequired: boolean;
  readonly operationName?: string;
  readonly requestValidatorId?: string;
  /** `method.request.{header|querystring|path}.X` → required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  /** Content type → model name. */
  readonly requestModels: Readonly<Record<string, string>>;
  /** Keyed by status code. */
  readonly methodResponses: Readonly<Record<string, MethodResponse>>;
  readonly methodIntegration: RestIntegration;
  readonly source: string;
}

/** A node of the resource tree. The root has path `/` and no pathPart. */
export interface Resource {
  readonly id: string;
  readonly parentId?: string;
  /** `pets`, `{petId}`, `{proxy+}`; absent for the root. */
  readonly pathPart?: string;
  /** Full path template, e.g. `/pets/{petId}`. */
  readonly path: string;
  /** Keyed by `httpMethod` (including `ANY`). */
  readonly resourceMethods: Readonly<Record<string, Method>>;
}

/** A model: a JSON Schema draft 4 document. */
export interface Model {
  readonly name: string;
  readonly contentType: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface RequestValidator {
  readonly id: string;
  readonly name: string;
  readonly validateRequestBody: boolean;
  readonly validateRequestParameters: boolean;
}

/**
 * The response types a gateway response can be set for (spec §10.1): every type the gateway
 * answers with, plus the two class-wide fallbacks.
 */
export type GatewayResponseKey = GatewayResponseType | 'DEFAULT_4XX' | 'DEFAULT_5XX';

/** A customised gateway response (`x-amazon-apigateway-gateway-responses`). */
export interface GatewayResponseSetting {
  readonly responseType: GatewayResponseKey;
  /** Overrides the type's default status. */
  readonly statusCode?: string;
  /** `gatewayresponse.header.X` ← `'literal'` | `method.request.*` | `stageVariables.x` | `context.x`. */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Templates;
}

/** `TOKEN`, `REQUEST` (Lambda) or `COGNITO_USER_POOLS`. Evaluated by the authorize phase (issue 5). */
export interface RestAuthorizer {
  readonly id: string;
  readonly name: string;
  readonly type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS';
  readonly authorizerUri?: string;
  /** The local function of a Lambda authorizer. */
  readonly functionName?: string;
  /** `method.request.header.Authorization`, comma-separated for REQUEST. */
  readonly identitySource?: string;
  readonly identityValidationExpression?: string;
  /** Default 300; 0 = no caching. */
  readonly authorizerResultTtlInSeconds: number;
  readonly providerARNs?: readonly string[];
  readonly source: string;
}

/** Per-method stage settings (`methodSettings`), keyed `{resourcePath}/{httpMethod}` or `*\/*`. */
export interface MethodSetting {
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
  /** Stage cache (needs the stage's `cacheClusterEnabled`); under `*\/*` it applies to GET methods only. */
  readonly cachingEnabled?: boolean;
  /** 0–3600 s, default 300; 0 turns caching off. */
  readonly cacheTtlInSeconds?: number;
  /** Accepted and kept; no effect locally. */
  readonly cacheDataEncrypted?: boolean;
  /** Whether `Cache-Control: max-age=0` needs `execute-api:InvalidateCache` (default true). */
  readonly requireAuthorizationForCacheControl?: boolean;
  /** What an unauthorised `Cache-Control: max-age=0` gets (default SUCCEED_WITH_RESPONSE_HEADER). */
  readonly unauthorizedCacheControlHeaderStrategy?: UnauthorizedCacheControlHeaderStrategy;
}

/** https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html */
export type UnauthorizedCacheControlHeaderStrategy = 'FAIL_WITH_403' | 'SUCCEED_WITH_RESPONSE_HEADER' | 'SUCCEED_WITHOUT_RESPONSE_HEADER';

/** The cache sizes AWS offers, in GB (CreateStage `cacheClusterSize`). */
export type CacheClusterSize = '0.5' | '1.6' | '6.1' | '13.5' | '28.4' | '58.2' | '118' | '237';

export interface RestStage {
  readonly stageName: string;
  readonly variables: Readonly<Record<string, string>>;
  /** `*\/*` holds the stage default; `/pets/GET` a method's. */
  readonly methodSettings: Readonly<Record<string, MethodSetting>>;
  /** The stage cache exists (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html). */
  readonly cacheClusterEnabled?: boolean;
  /** Its capacity in GB (default 0.5 when enabled). */
  readonly cacheClusterSize?: CacheClusterSize;
  /** Custom access logging; absent: portico's JSON access line. */
  readonly accessLogSettings?: AccessLogSettings;
}

export interface RestApi {
  /** The id in invoke URLs (AWS's `id`; named as the other flavours name it). */
  readonly apiId: string;
  readonly name: string;
  readonly protocolType: 'REST';
  readonly description?: string;
  /** `x-amazon-apigateway-binary-media-types`, e.g. `image/png`, `*\/*`. */
  readonly binaryMediaTypes: readonly string[];
  /** `HEADER` (x-api-key) or `AUTHORIZER` (usageIdentifierKey). */
  readonly apiKeySource: 'HEADER' | 'AUTHORIZER';
  readonly minimumCompressionSize?: number;
  /** `x-amazon-apigateway-policy` as written. */
  readonly policy?: Readonly<Record<string, unknown>>;
  readonly disableExecuteApiEndpoint: boolean;
  /** Every resource, the root first, parents before children. */
  readonly resources: readonly Resource[];
  readonly models: Readonly<Record<string, Model>>;
  /** Keyed by id. */
  readonly requestValidators: Readonly<Record<string, RequestValidator>>;
  /** Only the customised types; the rest use AWS's defaults. */
  readonly gatewayResponses: Readonly<Partial<Record<GatewayResponseKey, GatewayResponseSetting>>>;
  /** Keyed by id. */
  readonly authorizers: Readonly<Record<string, RestAuthorizer>>;
  readonly stages: readonly RestStage[];
  readonly port?: number;
  /** The definition file, for messages. */
  readonly source: string;
}
