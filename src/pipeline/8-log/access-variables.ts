/**
 * The `$context` variables an access-log format may name, per flavour, as AWS lists them.
 * AWS checks a stage's `accessLogSettings.format` when it is set, so portico refuses an unknown
 * variable at load rather than logging `-` for a typo forever.
 * REST: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
 * HTTP: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 * WebSocket: https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html
 */

/** The API flavours, as `type:` in portico.yaml names them. */
export type Flavour = 'REST' | 'HTTP' | 'WEBSOCKET';

/** `identity.*` fields common to the three lists. */
const IDENTITY = [
  'identity.accountId', 'identity.apiKey', 'identity.apiKeyId', 'identity.caller', 'identity.cognitoAuthenticationProvider',
  'identity.cognitoAuthenticationType', 'identity.cognitoIdentityId', 'identity.cognitoIdentityPoolId', 'identity.principalOrgId',
  'identity.sourceIp', 'identity.user', 'identity.userAgent', 'identity.userArn', 'identity.vpcId', 'identity.vpceId',
];

/** `error.*`, `integration.*` and the flat integration variables, logged by every flavour. */
const RESULT = [
  'error.message', 'error.messageString', 'error.responseType', 'error.validationErrorString',
  'integration.error', 'integration.integrationStatus', 'integration.latency', 'integration.requestId', 'integration.status',
  'integrationErrorMessage', 'integrationLatency', 'integrationStatus',
];

/** Access-log stage groups AWS has for features portico does not run (WAF, mTLS authenticate): always `-`. */
const GROUPS = ['authorize', 'authenticate', 'waf'].flatMap((g) => [`${g}.error`, `${g}.latency`, `${g}.status`]);

const KNOWN: Readonly<Record<Flavour, ReadonlySet<string>>> = {
  REST: new Set([
    'accountId', 'apiId', 'awsEndpointRequestId', 'deploymentId', 'domainName', 'domainPrefix', 'extendedRequestId', 'httpMethod',
    'isCanaryRequest', 'path', 'protocol', 'requestId', 'requestTime', 'requestTimeEpoch', 'resourceId', 'resourcePath', 'stage',
    'wafResponseCode', 'webaclArn', 'xrayTraceId', 'responseLatency', 'responseLength', 'status', 'customDomain.basePathMatched',
    'authorizer.error', 'authorizer.integrationLatency', 'authorizer.integrationStatus', 'authorizer.latency', 'authorizer.requestId', 'authorizer.status',
    ...IDENTITY, ...RESULT, ...GROUPS,
  ]),
  HTTP: new Set([
    'accountId', 'apiId', 'awsEndpointRequestId', 'awsEndpointRequestId2', 'customDomain.basePathMatched', 'dataProcessed', 'domainName',
    'domainPrefix', 'extendedRequestId', 'httpMethod', 'path', 'protocol', 'requestId', 'requestTime', 'requestTimeEpoch', 'responseLatency',
    'responseLength', 'routeKey', 'stage', 'status', 'authorizer.error', 'authorizer.latency', 'authorizer.status',
    'sourceIp', 'userAgent', ...IDENTITY, ...RESULT, ...GROUPS,
  ]),
  WEBSOCKET: new Set([
    'apiId', 'connectedAt', 'connectionId', 'domainName', 'eventType', 'extendedRequestId', 'messageId', 'requestId', 'requestTime',
    'requestTimeEpoch', 'routeKey', 'stage', 'status', 'authorizer.error', 'authorizer.integrationLatency', 'authorizer.latency',
    'authorizer.requestId', 'authorizer.status', ...IDENTITY, ...RESULT, ...GROUPS,
  ]),
};

/**
 * Families whose last part is the user's: authorizer context keys and JWT claims
 * (`authorizer.claims.sub`, `authorizer.tenant`), client certificate fields.
 */
const OPEN_PREFIXES = ['authorizer.', 'identity.clientCert.'];

/** Whether `$context.<name>` is a variable of the flavour's access logs. */
export function isKnownVariable(flavour: Flavour, name: string): boolean {
  return KNOWN[flavour].has(name) || OPEN_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}
