/**
 * A RestContext for unit tests of REST phases, without a socket: one API (`api1`) with one
 * stage (`prod`), the request as the edge adapter would hand it over, and a logger whose
 * lines land in `lines`.
 */
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { RestApi } from '../../src/model/index.ts';
import type { RestContext } from '../../src/pipeline/types.ts';

/** Everything optional. */
export interface RestContextOptions {
  /** Request headers, client casing. Default none. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** What an authorizer left in `$context.authorizer`. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  /** Default `HEADER`. */
  readonly apiKeySource?: 'HEADER' | 'AUTHORIZER';
}

/** A context and the log lines written through it. */
export function makeRestContext(options: RestContextOptions = {}): { ctx: RestContext; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const headers = options.headers ?? [];
  const api: RestApi = {
    apiId: 'api1',
    name: 'test',
    protocolType: 'REST',
    binaryMediaTypes: [],
    apiKeySource: options.apiKeySource ?? 'HEADER',
    disableExecuteApiEndpoint: false,
    resources: [],
    models: {},
    requestValidators: {},
    gatewayResponses: {},
    authorizers: {},
    stages: [],
    source: 'test',
  };
  const ctx: RestContext = {
    requestId: 'req-1',
    requestTimeEpoch: 0,
    request: {
      method: 'GET',
      rawPath: '/prod/pets',
      rawQuery: '',
      rawHeaders: headers.flatMap(([n, v]) => [n, v]),
      headers: Object.fromEntries(headers.map(([n, v]) => [n.toLowerCase(), v])),
      host: 'localhost',
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
      scheme: 'http',
      localPort: 3000,
      body: { declaredLength: undefined, read: () => Promise.resolve(Buffer.alloc(0)), stream: () => Readable.from([]) },
    },
    timings: { start: 0n },
    log,
    api,
    stage: { stageName: 'prod', variables: {}, methodSettings: {} },
    extendedRequestId: 'cUq2HFe0IAMEb00=',
    stagePath: '/pets',
    httpMethod: 'GET',
    ...(options.authorizer ? { authorizer: options.authorizer } : {}),
  };
  return { ctx, lines };
}
