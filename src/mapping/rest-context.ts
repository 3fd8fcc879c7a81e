/**
 * The `$context` tree of a REST API request: one plain object that VTL templates, parameter
 * mappings (`context.identity.sourceIp`), gateway-response templates and access logs read.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
 *
 * Values that do not apply are `null`, never `""`: AWS's REST proxy events show them as `null`
 * (spec §2.1 `identity`), VTL renders a null reference as empty, and access logs print `-`.
 * Built at most once per request, by whoever reads it first; nothing here is precomputed lazily
 * because the whole tree is a few dozen property writes.
 */
import type { RestContext } from '../pipeline/types.ts';
import { domainName, domainPrefix } from '../util/http.ts';
import { clfTime } from '../util/time.ts';

/** What is only known after the point the tree is built for (errors, integration, response). */
export interface ContextExtras {
  /** `$context.error.*`: set for gateway responses and the access log of a failed request. */
  readonly error?: { message: string | null; responseType: string; validationErrorString?: string };
  /** `$context.integration.*` and the flat `integration*` variables (access logs). */
  readonly integration?: { status?: number; latency?: number; error?: string; requestId?: string };
  /** ms from arrival to response (access logs). */
  readonly responseLatency?: number;
  /** `$context.status`: the method response status (access logs). */
  readonly status?: number;
  /** `$context.responseLength`: the response payload length (access logs). */
  readonly responseLength?: number;
}

/** Fields shown as `null` until an authorizer, API key or IAM caller fills them (spec §2.1). */
const IDENTITY_KEYS = [
  'accessKey', 'accountId', 'apiKey', 'apiKeyId', 'caller', 'clientCert', 'cognitoAuthenticationProvider',
  'cognitoAuthenticationType', 'cognitoIdentityId', 'cognitoIdentityPoolId', 'principalOrgId', 'user',
  'userArn', 'vpcId', 'vpceId',
] as const;

/** The `identity` block: the caller's address and agent, everything else null unless set upstream. */
function identityOf(ctx: RestContext): Record<string, unknown> {
  const identity: Record<string, unknown> = {};
  for (const key of IDENTITY_KEYS) identity[key] = null;
  identity.sourceIp = ctx.request.sourceIp;
  identity.userAgent = ctx.request.headers['user-agent'] ?? null;
  // API key, IAM and Cognito identity values set by the authorize phase win.
  if (ctx.identity) for (const [key, value] of Object.entries(ctx.identity)) identity[key] = value;
  return identity;
}

/**
 * `$context.authorizer.*`. AWS: "calling `$context.authorizer.numKey` returns the "1" string" —
 * context values are stringified; `claims` stays a map (its values are already strings).
 */
function authorizerOf(ctx: RestContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!ctx.authorizer) return out;
  for (const [key, value] of Object.entries(ctx.authorizer)) {
    out[key] = typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : value;
  }
  return out;
}

/**
 * `$context.path`: "/{stage}/root/child" — the stage segment plus the path as received. A request
 * for the bare stage (`/dev`) keeps no trailing slash (the route phase reports it as `/`).
 */
function contextPath(ctx: RestContext): string {
  const stage = `/${ctx.stage.stageName}`;
  if (ctx.stagePath === '/' && !ctx.request.rawPath.endsWith('/')) return stage;
  return stage + ctx.stagePath;
}

/** The `$context` tree of a REST request as a plain object (what VTL templates, parameter mappings and gateway-response templates read). */
export function restContextTree(ctx: RestContext, info: { accountId: string; deploymentId: string }, extras: ContextExtras = {}): Record<string, unknown> {
  const domain = domainName(ctx.request.host);
  const integration = extras.integration;
  const tree: Record<string, unknown> = {
    accountId: info.accountId,
    apiId: ctx.api.apiId,
    authorizer: authorizerOf(ctx),
    // "The AWS endpoint's request ID": the backend AWS call's id (Lambda's), so only known once
    // the integration answered. Unverified for non-AWS integrations: null there.
    awsEndpointRequestId: integration?.requestId ?? null,
    deploymentId: info.deploymentId,
    domainName: domain,
    domainPrefix: domainPrefix(domain),
    extendedRequestId: ctx.extendedRequestId,
    // The method routing used (X-HTTP-Method-Override honoured, spec §1.2), never `ANY`.
    httpMethod: ctx.httpMethod,
    identity: identityOf(ctx),
    // "Present only when you enabled a canary": portico has no canary settings.
    isCanaryRequest: null,
    path: contextPath(ctx),
    protocol: ctx.request.protocol,
    requestId: ctx.requestId,
    requestTime: clfTime(ctx.requestTimeEpoch),
    requestTimeEpoch: ctx.requestTimeEpoch,
    resourceId: ctx.match?.resource.id ?? null,
    resourcePath: ctx.match?.resource.path ?? null,
    stage: ctx.stage.stageName,
    // "Will not be set if the stage is not associated with a web ACL": no WAF locally.
    wafResponseCode: null,
    webaclArn: null,
    xrayTraceId: null,
    // Written by mapping templates (`#set($context.requestOverride.header.x = ...)`); fresh per tree.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
    requestOverride: { header: {}, path: {}, querystring: {} },
    responseOverride: { header: {} },
    // Access-log-only groups portico does not run (WAF, authenticate, custom domains).
    authenticate: { error: null, latency: null, status: null },
    authorize: { error: null, latency: null, status: null },
    waf: { error: null, latency: null, status: null },
    customDomain: { basePathMatched: null },
    integration: {
      error: integration?.error ?? null,
      // Lambda's own invoke status and the function's are not told apart locally: both are `status`.
      integrationStatus: integration?.status ?? null,
      latency: integration?.latency ?? null,
      requestId: integration?.requestId ?? null,
      status: integration?.status ?? null,
    },
    integrationErrorMessage: integration?.error ?? null,
    integrationLatency: integration?.latency ?? null,
    integrationStatus: integration?.status ?? null,
    responseLatency: extras.responseLatency ?? null,
    responseLength: extras.responseLength ?? null,
    status: extras.status ?? null,
  };
  if (extras.error) tree.error = errorTree(extras.error);
  return tree;
}

/**
 * `$context.error.*`. `messageString` is "the quoted value of $context.error.message": JSON text,
 * so a null message gives `null` (the body `{"message":null}` AWS sends for
 * AUTHORIZER_CONFIGURATION_ERROR: https://loige.co/debugging-custom-apigateway-authorizers).
 */
export function errorTree(error: NonNullable<ContextExtras['error']>): Record<string, unknown> {
  return {
    message: error.message,
    messageString: JSON.stringify(error.message),
    responseType: error.responseType,
    validationErrorString: error.validationErrorString ?? null,
  };
}

/**
 * Reads `a.b.c` in a context tree; `undefined` when any step is missing or not an object.
 * Own properties only, so `constructor` or `__proto__` never resolve.
 */
export function lookupContext(tree: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = tree;
  for (const step of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, step)) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}
