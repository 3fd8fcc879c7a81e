/**
 * Integration URIs as AWS writes them:
 * - Lambda: `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`,
 *   or (HTTP APIs) the function ARN itself `arn:aws:lambda:{region}:{account}:function:{name}[:{alias}]`;
 * - HTTP: an `http://` or `https://` URL.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
 */
import { hasStageVariables } from '../util/stage-variables.ts';

const APIGW_LAMBDA = /^arn:aws[a-z-]*:apigateway:([^:]*):lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([^:]*):([^:]*):function:([^:/]+)(?::([^:/]+))?$/;

export interface LambdaTarget {
  readonly kind: 'lambda';
  /** The function name (may be `${stageVariables.x}`). */
  readonly functionName: string;
}

/** Parses a Lambda integration URI; throws an Error saying what is wrong. */
export function parseLambdaUri(uri: string): LambdaTarget {
  const outer = APIGW_LAMBDA.exec(uri);
  const fnArn = outer ? (outer[2] as string) : uri;
  const inner = LAMBDA_ARN.exec(fnArn);
  if (!inner) {
    throw new Error(
      `"${uri}" is not a Lambda integration URI; expected a function ARN arn:aws:lambda:{region}:{account}:function:{name}[:{alias}] or arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations`,
    );
  }
  return { kind: 'lambda', functionName: inner[3] as string };
}

/** Checks an HTTP integration URL (stage variables allowed anywhere); throws when malformed. */
export function checkHttpUri(uri: string): void {
  // A URL that is wholly a stage variable (`${stageVariables.url}/x`) can only be checked per request.
  if (uri.startsWith('${stageVariables.')) return;
  // Stage variables are only known per stage: check the URL with a placeholder in their place.
  const probe = hasStageVariables(uri) ? uri.replace(/\$\{stageVariables\.[A-Za-z0-9_]+\}/g, 'x') : uri;
  let url: URL;
  try {
    url = new URL(probe.replace(/\{[A-Za-z0-9._-]+\+?\}/g, 'x'));
  } catch {
    throw new Error(`"${uri}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${uri}": HTTP integrations need an http:// or https:// URL`);
  }
}
