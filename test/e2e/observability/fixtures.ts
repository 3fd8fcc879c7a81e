/**
 * What the observability suites serve besides their portico.yaml: a REST API with a Lambda route
 * that answers and one that throws, and the two functions.
 */
const ARN = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/** `rest.yaml` (GET /ok, GET /boom) and `fns.mjs` (ok, boom). */
export const REST_AND_FUNCTIONS: Readonly<Record<string, string>> = {
  'rest.yaml': `
openapi: 3.0.1
info: { title: shop, version: "1" }
paths:
  /ok:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('ok')}" }
  /boom:
    get:
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "${ARN('boom')}" }
`,
  'fns.mjs': `
export const ok = async () => ({ statusCode: 200, body: 'fine' });
export const boom = async () => { throw new Error('boom'); };
`,
};
