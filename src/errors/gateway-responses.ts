/**
 * AWS's gateway response types and their default status and message.
 * REST: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * HTTP APIs answer some of the same situations with other statuses and capitalisation
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html),
 * so each flavour has its own table; `Record<>` makes the compiler reject a missing type.
 */
export type GatewayResponseType =
  | 'ACCESS_DENIED'
  | 'API_CONFIGURATION_ERROR'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'BAD_REQUEST_PARAMETERS'
  | 'BAD_REQUEST_BODY'
  | 'EXPIRED_TOKEN'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'INVALID_API_KEY'
  | 'INVALID_SIGNATURE'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'QUOTA_EXCEEDED'
  | 'REQUEST_TOO_LARGE'
  | 'RESOURCE_NOT_FOUND'
  | 'THROTTLED'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'WAF_FILTERED';

export interface GatewayResponseDefault {
  readonly status: number;
  /** `null` renders as `{"message": null}` (AUTHORIZER_CONFIGURATION_ERROR). */
  readonly message: string | null;
  /** `x-amzn-ErrorType` (REST only). */
  readonly errorType: string;
  /** The body's key: AWS writes `Message` for ACCESS_DENIED. */
  readonly key?: 'Message';
}

/** REST API defaults (spec §10.1). */
export const REST_GATEWAY_RESPONSES: Readonly<Record<GatewayResponseType, GatewayResponseDefault>> = {
  ACCESS_DENIED: { status: 403, message: 'User is not authorized to access this resource with an explicit deny', errorType: 'AccessDeniedException', key: 'Message' },
  API_CONFIGURATION_ERROR: { status: 500, message: 'Internal server error', errorType: 'ApiConfigurationException' },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, message: null, errorType: 'AuthorizerConfigurationException' },
  AUTHORIZER_FAILURE: { status: 500, message: 'Internal server error', errorType: 'AuthorizerFailureException' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: 'Missing required request parameters', errorType: 'BadRequestException' },
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body', errorType: 'BadRequestException' },
  EXPIRED_TOKEN: { status: 403, message: 'The security token included in the request is expired', errorType: 'ExpiredTokenException' },
  INTEGRATION_FAILURE: { status: 502, message: 'Internal server error', errorType: 'InternalServerErrorException' },
  INTEGRATION_TIMEOUT: { status: 504, message: 'Endpoint request timed out', errorType: 'InternalServerErrorException' },
  INVALID_API_KEY: { status: 403, message: 'Forbidden', errorType: 'ForbiddenException' },
  INVALID_SIGNATURE: { status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', errorType: 'InvalidSignatureException' },
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token', errorType: 'MissingAuthenticationTokenException' },
  QUOTA_EXCEEDED: { status: 429, message: 'Limit Exceeded', errorType: 'LimitExceededException' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long', errorType: 'RequestTooLargeException' },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Not Found', errorType: 'ResourceNotFoundException' },
  THROTTLED: { status: 429, message: 'Too Many Requests', errorType: 'TooManyRequestsException' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported Media Type', errorType: 'BadRequestException' },
  WAF_FILTERED: { status: 403, message: 'Forbidden', errorType: 'WafFilteredException' },
};

/**
 * HTTP API answers (spec §1.3, §3.2, §12): 404 Not Found for no route, 500 "Internal Server Error"
 * (capital S) for a Lambda error or malformed result, 503 "Service Unavailable" for an
 * integration timeout. HTTP APIs send no `x-amzn-ErrorType`; `errorType` is kept for logs.
 */
export const HTTP_GATEWAY_RESPONSES: Readonly<Record<GatewayResponseType, GatewayResponseDefault>> = {
  ...REST_GATEWAY_RESPONSES,
  ACCESS_DENIED: { status: 403, message: 'Forbidden', errorType: 'AccessDeniedException' },
  AUTHORIZER_FAILURE: { status: 500, message: 'Internal Server Error', errorType: 'AuthorizerFailureException' },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, message: 'Internal Server Error', errorType: 'AuthorizerConfigurationException' },
  API_CONFIGURATION_ERROR: { status: 500, message: 'Internal Server Error', errorType: 'ApiConfigurationException' },
  INTEGRATION_FAILURE: { status: 500, message: 'Internal Server Error', errorType: 'InternalServerErrorException' },
  INTEGRATION_TIMEOUT: { status: 503, message: 'Service Unavailable', errorType: 'ServiceUnavailableException' },
  MISSING_AUTHENTICATION_TOKEN: { status: 404, message: 'Not Found', errorType: 'NotFoundException' },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Not Found', errorType: 'NotFoundException' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Entity Too Large', errorType: 'RequestTooLargeException' },
};
