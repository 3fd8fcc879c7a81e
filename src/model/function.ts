/**
 * A local Lambda function, as declared under `functions:` in portico.yaml.
 * Shaped after Lambda's FunctionConfiguration (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html).
 */
export interface FunctionConfig {
  /** The key under `functions:`; also the `NAME` in an integration's Lambda ARN. */
  readonly name: string;
  /** `file.export` as on AWS, e.g. `handlers/hello.handler` (the file without extension). */
  readonly handler: string;
  /** Absolute path of the handler's module file, resolved at load (.js, .mjs or .cjs). */
  readonly modulePath: string;
  /** The exported function's name, e.g. `handler`. */
  readonly exportName: string;
  /** Function timeout in seconds (AWS default 3, max 900). */
  readonly timeout: number;
  /** Memory in MB (AWS default 128); enforced as the worker's old-generation heap limit. */
  readonly memorySize: number;
  /** The function's own environment variables, on top of Lambda's reserved ones. */
  readonly environment: Readonly<Record<string, string>>;
  /** Maximum concurrent invocations (worker threads); AWS's reserved concurrency. Default 10. */
  readonly reservedConcurrency: number;
  /** Invocations allowed to wait for a free worker before new ones are refused (429 TooManyRequests from Lambda). */
  readonly maxQueue: number;
  /** Region reported in the ARN and AWS_REGION. */
  readonly region: string;
  /** Account id reported in the ARN. */
  readonly accountId: string;
}
