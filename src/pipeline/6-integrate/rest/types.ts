/**
 * What REST integrations share: the shape a non-proxy integration answers in (mapped by the
 * integration responses afterwards) and the per-request inputs templates and mappings read,
 * computed once per request and only when something reads them.
 */
import type { LambdaRuntime } from '../../../lambda/types.ts';
import type { HeaderPair, RestContext } from '../../types.ts';

/** What a non-proxy integration (AWS Lambda, HTTP, MOCK) answered, before the integration response. */
export interface IntegrationOutput {
  /** The backend's status (HTTP), MOCK's `statusCode`, 200 for a Lambda invocation. */
  readonly statusCode: number;
  /** The backend's headers (HTTP); none for Lambda and MOCK. */
  readonly headers: readonly HeaderPair[];
  readonly body: Buffer;
  /**
   * What selection patterns are matched against: the Lambda `errorMessage` (undefined when the
   * function succeeded), or the status code as a string (HTTP, MOCK). Spec §4.5.
   */
  readonly selectionValue: string | undefined;
}

/** What REST integrations need from the process. */
export interface RestIntegrationDeps {
  readonly runtime: LambdaRuntime;
  readonly accountId: string;
  /** `$context.deploymentId`: one id per loaded project. */
  readonly deploymentId: string;
}

/** Per-request inputs shared by templates, mappings and gateway responses; each computed at most once. */
export interface RestScope {
  readonly ctx: RestContext;
  /** Client headers, client casing and order. */
  headers(): readonly HeaderPair[];
  /** Query parameters, decoded, in order. */
  query(): readonly HeaderPair[];
  /** The `$context` tree. */
  context(): Record<string, unknown>;
}
