/**
 * A SigV4 rejection: a GatewayError (so REST renders it through the API's gateway responses)
 * that also names the exception AWS's SigV4 front end reports, for callers that answer in
 * AWS's rest-json error shape themselves (the `@connections` API).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
import { GatewayError } from '../../errors/index.ts';
import type { GatewayResponseType } from '../../errors/index.ts';

/** The `x-amzn-ErrorType` AWS sends for each kind of SigV4 failure. */
export type SigV4ErrorType = 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException';

/**
 * Which gateway response renders each failure on REST APIs: a missing signature is
 * MISSING_AUTHENTICATION_TOKEN; every other failure is INVALID_SIGNATURE with AWS's message as
 * the body (AWS has no separate gateway response type for a malformed header or an unknown key).
 */
const RESPONSE_TYPE: Readonly<Record<SigV4ErrorType, GatewayResponseType>> = {
  MissingAuthenticationTokenException: 'MISSING_AUTHENTICATION_TOKEN',
  IncompleteSignatureException: 'INVALID_SIGNATURE',
  InvalidSignatureException: 'INVALID_SIGNATURE',
  UnrecognizedClientException: 'INVALID_SIGNATURE',
};

/** Thrown by the SigV4 verifier; `bodyMessage` is AWS's message for the client. */
export class SigV4Error extends GatewayError {
  /** AWS's exception name (`x-amzn-ErrorType` in rest-json answers). */
  readonly awsErrorType: SigV4ErrorType;

  constructor(awsErrorType: SigV4ErrorType, message: string, cause?: unknown) {
    super(RESPONSE_TYPE[awsErrorType], { message: `SigV4: ${message}`, bodyMessage: message, errorType: awsErrorType, ...(cause === undefined ? {} : { cause }) });
    this.name = 'SigV4Error';
    this.awsErrorType = awsErrorType;
  }
}
