/**
 * Access control shared by the APIs of a project: API keys and usage plans (REST APIs, API
 * Gateway v1's `ApiKey` and `UsagePlan` resources) and the IAM credentials SigV4 requests are
 * checked against. Field names are AWS's.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_ApiKey.html
 * https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html
 */

/** An API key (`ApiKey`). Its value is what clients send in `x-api-key`. */
export interface ApiKey {
  /** `$context.identity.apiKeyId`; default derived from the name. */
  readonly id: string;
  readonly name: string;
  /** 20 to 128 characters, unique in the project (AWS: "API key values must be unique"). */
  readonly value: string;
  /** A disabled key is refused like an unknown one. */
  readonly enabled: boolean;
  readonly description?: string;
}

/** `ThrottleSettings`: a token bucket; either field may be absent (AWS's account limit fills it in). */
export interface ThrottleSettings {
  /** Tokens per second (may be fractional). */
  readonly rateLimit?: number;
  /** Bucket size. */
  readonly burstLimit?: number;
}

/** `QuotaPeriodType`. */
export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

/** `QuotaSettings`: at most `limit` requests per key per period. */
export interface QuotaSettings {
  readonly limit: number;
  /** "The number of requests subtracted from the given limit in the initial time period." */
  readonly offset: number;
  readonly period: QuotaPeriod;
}

/** `ApiStage`: a stage of a REST API a usage plan covers. */
export interface UsagePlanApiStage {
  readonly apiId: string;
  readonly stage: string;
  /** Per-method throttling keyed as AWS keys it: `{resourcePath}/{httpMethod}`, e.g. `/pets/{id}/GET`. */
  readonly throttle: Readonly<Record<string, ThrottleSettings>>;
}

/** `UsagePlan` with its keys (AWS's `UsagePlanKey`s) folded in. */
export interface UsagePlan {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly apiStages: readonly UsagePlanApiStage[];
  /** Per key, summed over every stage of the plan. */
  readonly throttle?: ThrottleSettings;
  /** Per key, summed over every stage of the plan. */
  readonly quota?: QuotaSettings;
  /** Ids of the {@link ApiKey}s in the plan. */
  readonly apiKeyIds: readonly string[];
}

/** An IAM access key pair that SigV4-signed requests (`AWS_IAM` methods) may be signed with. */
export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials: the token signed requests must carry. */
  readonly sessionToken?: string;
  /** The caller's identity in events; defaults derive from the project and the key. */
  readonly accountId?: string;
  readonly arn?: string;
  readonly userId?: string;
  readonly principalOrgId?: string;
  /**
   * The identity-based IAM policies attached to the principal behind the key, as written
   * (`{Version, Statement}` documents, checked at load). Absent: the key may call every
   * `AWS_IAM` method and route and every `@connections` operation (portico's behaviour before
   * policies existed). https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
   */
  readonly policies?: readonly Readonly<Record<string, unknown>>[];
}

/** The access-control part of a project. */
export interface AccessConfig {
  readonly apiKeys: readonly ApiKey[];
  readonly usagePlans: readonly UsagePlan[];
  readonly credentials: readonly Credential[];
}
