/** The shapes ajv has checked (project-schema.ts), as the loaders read them. */
import type { RawAccessLogSettings } from './access-log-settings.ts';
export type Scalar = string | number | boolean;
export interface RawLimits { rateLimit?: number; burstLimit?: number }
export interface RawThrottling extends RawLimits { routes?: Record<string, RawLimits> }
export interface RawStage extends RawStageCache { name: string; variables?: Record<string, Scalar> | undefined; stageVariables?: Record<string, Scalar>; throttling?: RawThrottling | undefined; accessLogSettings?: RawAccessLogSettings | undefined }
/** REST stage cache settings of one method or the stage (project-schema.ts `caching`). */
export interface RawCacheSettings {
  enabled?: boolean;
  ttlInSeconds?: number;
  requireAuthorizationForCacheControl?: boolean;
  unauthorizedCacheControlHeaderStrategy?: 'FAIL_WITH_403' | 'SUCCEED_WITH_RESPONSE_HEADER' | 'SUCCEED_WITHOUT_RESPONSE_HEADER';
  dataEncrypted?: boolean;
}
export interface RawCaching extends RawCacheSettings { routes?: Record<string, RawCacheSettings> }
/** The stage cache keys of a `stages:` entry or of the API (one-stage short form). */
export interface RawStageCache {
  cacheClusterEnabled?: boolean | undefined;
  cacheClusterSize?: '0.5' | '1.6' | '6.1' | '13.5' | '28.4' | '58.2' | '118' | '237' | undefined;
  caching?: RawCaching | undefined;
}
export interface RawRoute {
  function?: string;
  /** WebSocket: a MOCK integration answering this text. */
  mock?: string;
  /** WebSocket: two-way route (route response `$default`). */
  routeResponse?: boolean;
  /**
   * WebSocket `$connect`: a Lambda REQUEST authorizer. HTTP API routes write a string here, the
   * name of one of `authorizers:`; the schema allows both, so readers other than the WebSocket
   * loader read it as `unknown` (config/http-route-auth.ts).
   */
  authorizer?: RawWsAuthorizer;
  /** HTTP APIs: `AWS_IAM` (SigV4), or `JWT` / `CUSTOM` matching `authorizer`. */
  authorizationType?: 'NONE' | 'AWS_IAM' | 'JWT' | 'CUSTOM';
  /** HTTP APIs, JWT authorizers: the scopes a token needs one of. */
  authorizationScopes?: string[];
  http?: string;
  method?: string;
  integration?: unknown;
  payloadFormatVersion?: string;
  timeoutInMillis?: number;
  requestParameters?: Record<string, string>;
  responseParameters?: Record<string, Record<string, string>>;
}
/** An HTTP API authorizer as portico.yaml writes it (apigatewayv2 CreateAuthorizer's fields). */
export interface RawHttpAuthorizer {
  type: 'JWT' | 'REQUEST';
  issuer?: string;
  audience?: string[];
  jwksUri?: string;
  identitySource?: string | string[];
  function?: string;
  payloadFormatVersion?: '1.0' | '2.0';
  enableSimpleResponses?: boolean;
  resultTtlInSeconds?: number;
}
export interface RawWsAuthorizer { function: string; name?: string; identitySource?: string[]; resultTtlInSeconds?: number }
export interface RawApi extends RawStageCache {
  name: string;
  type: 'HTTP' | 'REST' | 'WEBSOCKET';
  apiId?: string;
  openapi?: string;
  routes?: Record<string, RawRoute>;
  cors?: unknown;
  /** HTTP APIs: authorizers by name for native routes (config/http-route-auth.ts). */
  authorizers?: Record<string, RawHttpAuthorizer>;
  routeSelectionExpression?: string;
  limits?: RawWebSocketLimits;
  port?: number;
  stage?: string;
  stageVariables?: Record<string, Scalar>;
  throttling?: RawThrottling;
  accessLogSettings?: RawAccessLogSettings;
  stages?: RawStage[];
  /** REST APIs: ImportRestApi options. */
  import?: RawImportOptions;
}
/** ImportRestApi's `basepath` and `failonwarnings` query parameters. */
export interface RawImportOptions {
  basepath?: 'ignore' | 'prepend' | 'split';
  failOnWarnings?: boolean;
}
export interface RawFunction {
  handler: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, Scalar>;
  reservedConcurrency?: number;
  maxQueue?: number;
}
export interface RawProject {
  region?: string;
  accountId?: string;
  host?: string;
  port?: number;
  functions?: Record<string, RawFunction>;
  apis: RawApi[];
  apiKeys?: RawApiKey[];
  usagePlans?: RawUsagePlan[];
  credentials?: RawCredential[];
  state?: { redis?: string; failMode?: 'open' | 'closed' };
  admin?: { port: number; host?: string };
  cognito?: { issuers?: Record<string, string> };
  trustedProxies?: string[];
}
export interface RawApiKey { name: string; id?: string; value: string; enabled?: boolean; description?: string }
export interface RawApiStage { api: string; stage: string; throttle?: Record<string, RawLimits> }
export interface RawQuota { limit: number; period: 'DAY' | 'WEEK' | 'MONTH'; offset?: number }
export interface RawUsagePlan {
  name: string;
  id?: string;
  description?: string;
  apiStages?: RawApiStage[];
  throttle?: RawLimits;
  quota?: RawQuota;
  apiKeys?: string[];
}
export interface RawCredential { accessKeyId: string; secretAccessKey: string; sessionToken?: string; accountId?: string; arn?: string; userId?: string; principalOrgId?: string }
export interface RawWebSocketLimits {
  idleTimeoutSeconds?: number;
  maxConnectionSeconds?: number;
  maxFrameBytes?: number;
  maxMessageBytes?: number;
  pingResetsIdle?: boolean;
  acceptBinaryMessages?: boolean;
}
