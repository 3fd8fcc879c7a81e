/**
 * The method ARN length limit of REST methods with authorization (IAM, a Lambda or Cognito
 * authorizer, or a resource policy): "When authorization is enabled on a method, the maximum
 * length of the method's ARN (for example, arn:aws:execute-api:{region-id}:{account-id}:{api-id}/
 * {stage-id}/{method}/{resource}/{path}) is 1600 bytes. The path parameter values, the size of
 * which are determined at run time, can cause the ARN length to exceed the limit. When this
 * happens, the API client receives a 414 Request URI too long response."
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (spec: "Method ARN
 * length is at most 1600 bytes (otherwise 414)").
 *
 * Checked before any authorizer runs, so an oversized ARN never reaches a Lambda authorizer or a
 * policy. The body is not documented and is not a gateway response type (it cannot be
 * customised); portico answers `{"message":"Request-URI Too Long"}` (RFC 9110's reason phrase),
 * unverified against AWS.
 */
import type { Phase, RestContext } from '../types.ts';
import { methodArn } from './iam-policy.ts';

/** AWS's limit on a method ARN, in bytes. */
export const MAX_METHOD_ARN_BYTES = 1600;

/** The 414 response; a plain result, since no gateway response type exists for it. */
const TOO_LONG = { statusCode: 414, headers: [['content-type', 'application/json']] as [string, string][], body: JSON.stringify({ message: 'Request-URI Too Long' }) };

/** Runs `authorize` only when the request's method ARN is within the limit; else answers 414. */
export function withMethodArnLimit(authorize: Phase<RestContext> | undefined, deps: { readonly region: string; readonly accountId: string }): Phase<RestContext> {
  return async (ctx) => {
    const arn = methodArn(deps.region, deps.accountId, ctx.api.apiId, ctx.stage.stageName, ctx.httpMethod, ctx.stagePath);
    if (Buffer.byteLength(arn) > MAX_METHOD_ARN_BYTES) {
      ctx.log.info({ requestId: ctx.requestId, bytes: Buffer.byteLength(arn) }, `method ARN longer than ${MAX_METHOD_ARN_BYTES} bytes: 414`);
      ctx.result = { ...TOO_LONG, headers: [...TOO_LONG.headers] };
      return;
    }
    await authorize?.(ctx);
  };
}
