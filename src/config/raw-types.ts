/** The shapes ajv has checked (project-schema.ts), as the loaders read them. */
export type Scalar = string | number | boolean;
export interface RawLimits { rateLimit?: number; burstLimit?: number }
export interface RawThrottling extends RawLimits { routes?: Record<string, RawLimits> }
export interface RawStage { name: string; variables?: Record<string, Scalar> | undefined; stageVariables?: Record<string, Scalar>; throttling?: RawThrottling | undefined }
export interface RawRoute {
  function?: string;
  /** WebSocket: a MOCK integration answering this text. */
  mock?: string;
  /** WebSocket: two-way route (route response `$default`). */
  routeResponse?: boolean;
  /** WebSocket `$connect`: a Lambda REQUEST authorizer. */
  authorizer?: RawWsAuthorizer;
  http?: string;
  method?: string;
  integration?: unknown;
  payloadFormatVersion?: string;
  timeoutInMillis?: number;
  requestParameters?: Record<string, string>;
  responseParameters?: Record<string, Record<string, string>>;
}
export interface RawWsAuthorizer { function: string; name?: string; identitySource?: string[]; resultTtlInSeconds?: number }
export interface RawApi {
  name: string;
  type: 'HTTP' | 'REST' | 'WEBSOCKET';
  apiId?: string;
  openapi?: string;
  routes?: Record<string, RawRoute>;
  cors?: unknown;
  routeSelectionExpression?: string;
  limits?: RawWebSocketLimits;
  port?: number;
  stage?: string;
  stageVariables?: Record<string, Scalar>;
  throttling?: RawThrottling;
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
  cognito?: { issuers?: Record<string, string> };
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
