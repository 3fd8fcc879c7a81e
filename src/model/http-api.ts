/**
 * The API model: what every loader produces and the pipeline consumes.
 * Shapes follow API Gateway's v2 control plane (apigatewayv2 2018-11-29):
 * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/resources.html
 * All model objects are immutable once loaded.
 */

/** `HTTP` and `WEBSOCKET` are v2 protocol types; `REST` APIs have their own model (RestApi). */
export type ProtocolType = 'HTTP' | 'WEBSOCKET';

/** Payload format of a Lambda proxy integration. */
export type PayloadFormatVersion = '1.0' | '2.0';

/**
 * HTTP API parameter mapping, e.g. `{"append:header.x-id": "$context.requestId"}`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */
export type ParameterMapping = Readonly<Record<string, string>>;

/** Response parameter mappings keyed by the backend's status code (`"500"`), as AWS. */
export type ResponseParameterMappings = Readonly<Record<string, ParameterMapping>>;

interface IntegrationBase {
  readonly integrationId: string;
  /** Integration timeout: HTTP API 50..30000 ms, default 30000. */
  readonly timeoutInMillis: number;
  readonly requestParameters?: ParameterMapping;
  readonly responseParameters?: ResponseParameterMappings;
  /** Where it was defined, for error messages: `file#/json/path`. */
  readonly source: string;
}

/** `AWS_PROXY` to a local Lambda function. */
export interface LambdaProxyIntegration extends IntegrationBase {
  readonly integrationType: 'AWS_PROXY';
  /** The Lambda ARN as written (may contain `${stageVariables.x}`). */
  readonly integrationUri: string;
  /**
   * The function name from the ARN. May contain `${stageVariables.x}`; resolved per stage
   * by {@link resolveFunctionName} at request time, checked at load for literal names.
   */
  readonly functionName: string;
  readonly payloadFormatVersion: PayloadFormatVersion;
}

/** `HTTP_PROXY` to a URL; the request is streamed through. */
export interface HttpProxyIntegration extends IntegrationBase {
  readonly integrationType: 'HTTP_PROXY';
  /** The URL as written (may contain `${stageVariables.x}` and `{proxy}`-style path variables). */
  readonly integrationUri: string;
  /** `ANY` forwards the client's method. */
  readonly integrationMethod: string;
  readonly payloadFormatVersion: '1.0';
}

/** `MOCK`: answers from the integration itself (WebSocket APIs, and REST later). */
export interface MockIntegration extends IntegrationBase {
  readonly integrationType: 'MOCK';
  /**
   * WebSocket: the body a two-way route sends back (AWS renders it from the integration
   * response template); absent = nothing is sent.
   */
  readonly responseBody?: string;
}

export type Integration = LambdaProxyIntegration | HttpProxyIntegration | MockIntegration;

/** `NONE`, `JWT`, `AWS_IAM` or `CUSTOM` (Lambda authorizer). */
export type AuthorizationType = 'NONE' | 'JWT' | 'AWS_IAM' | 'CUSTOM';

/** `jwtConfiguration` of a JWT authorizer. */
export interface JwtConfiguration {
  /** The `iss` tokens must carry; its `/.well-known/openid-configuration` names the `jwks_uri`. */
  readonly issuer: string;
  /** Accepted `aud` (or, without `aud`, `client_id`) values: 1 to 50. */
  readonly audience: readonly string[];
  /**
   * Where the keys are, instead of discovering `jwks_uri` from the issuer (portico.yaml only: a
   * local identity provider without discovery). AWS always discovers.
   */
  readonly jwksUri?: string;
}

interface AuthorizerBase {
  readonly authorizerId: string;
  readonly name: string;
  /**
   * Where the identity comes from: `$request.header.X`, `$request.querystring.X`, `$context.X`,
   * `$stageVariables.X`. JWT authorizers have exactly one (default `$request.header.Authorization`).
   */
  readonly identitySource: readonly string[];
  /** Where it was defined, for messages: `file#/json/path`. */
  readonly source: string;
}

/** A JWT authorizer (`authorizerType: JWT`), validated by the gateway itself. */
export interface JwtAuthorizer extends AuthorizerBase {
  readonly authorizerType: 'JWT';
  readonly jwtConfiguration: JwtConfiguration;
}

/** A Lambda authorizer (`authorizerType: REQUEST`). */
export interface RequestAuthorizer extends AuthorizerBase {
  readonly authorizerType: 'REQUEST';
  /** The Lambda ARN as written. */
  readonly authorizerUri: string;
  /** The local function the ARN names (may contain `${stageVariables.x}`). */
  readonly functionName: string;
  readonly authorizerPayloadFormatVersion: PayloadFormatVersion;
  /** `{isAuthorized, context}` responses instead of IAM policies (2.0 only). */
  readonly enableSimpleResponses: boolean;
  /** 0..3600; 0 = no caching. */
  readonly authorizerResultTtlInSeconds: number;
}

/**
 * An HTTP API authorizer, shaped like apigatewayv2's `Authorizer`.
 * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers-authorizerid.html
 */
export type Authorizer = JwtAuthorizer | RequestAuthorizer;

export interface Route {
  readonly routeId: string;
  /** `GET /pets/{id}`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
  readonly integration: Integration;
  readonly authorizationType: AuthorizationType;
  readonly authorizerId?: string;
  readonly authorizationScopes?: readonly string[];
  readonly source: string;
}

/** Throttle settings of a stage or route (HTTP/WebSocket `RouteSettings`). */
export interface RouteSettings {
  /** Steady-state requests per second. */
  readonly throttlingRateLimit?: number;
  /** Token bucket size. */
  readonly throttlingBurstLimit?: number;
}

export interface Stage {
  /** `$default` (no path prefix) or a name (`/{name}` prefix). */
  readonly stageName: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly defaultRouteSettings: RouteSettings;
  /** Keyed by route key. */
  readonly routeSettings: Readonly<Record<string, RouteSettings>>;
  /** Custom access logging; absent: portico's JSON access line. */
  readonly accessLogSettings?: AccessLogSettings;
}

/**
 * A stage's `accessLogSettings`, as AWS's (format + destination); `destination` takes the place
 * of the log group ARN. https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export interface AccessLogSettings {
  /** One line with `$context.*` variables; a preset name (`CLF`, `JSON`, `XML`, `CSV`) is already expanded. */
  readonly format: string;
  /** `stdout`, or an absolute file path (appended). */
  readonly destination: string;
}

/** Built-in CORS of HTTP APIs (`x-amazon-apigateway-cors` / `corsConfiguration`). */
export interface CorsConfiguration {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  /** Seconds; absent = no `access-control-max-age`. */
  readonly maxAge?: number;
  readonly allowCredentials: boolean;
}

/** An HTTP (or, later, WebSocket) API, as `GetApi` + its routes, integrations and stages. */
export interface HttpApi {
  readonly apiId: string;
  readonly name: string;
  readonly protocolType: 'HTTP';
  readonly routes: readonly Route[];
  /** Keyed by authorizerId; routes name them by `authorizerId`. */
  readonly authorizers?: Readonly<Record<string, Authorizer>>;
  readonly stages: readonly Stage[];
  readonly corsConfiguration?: CorsConfiguration;
  /** A port of its own, besides the shared port. */
  readonly port?: number;
  /** The definition file, for messages. */
  readonly source: string;
}
