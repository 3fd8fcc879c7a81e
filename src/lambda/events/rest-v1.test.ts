import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { Method, Resource, RestApi, RestIntegration } from '../../model/index.ts';
import type { RestContext } from '../../pipeline/types.ts';
import { buildRestV1Event, restHeaderName, type RestEventInfo, type RestV1Event } from './rest-v1.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/aws-events/${name}`, import.meta.url), 'utf8')) as Json;
/** The event as the function receives it: JSON round-tripped, as the worker does. */
const asJson = (event: RestV1Event): Json => JSON.parse(JSON.stringify(event)) as Json;

const integration: RestIntegration = {
  type: 'AWS_PROXY',
  httpMethod: 'POST',
  functionName: 'fn',
  requestParameters: {},
  requestTemplates: {},
  passthroughBehavior: 'WHEN_NO_MATCH',
  timeoutInMillis: 29000,
  cacheKeyParameters: [],
  integrationResponses: [],
  source: 'test',
};
const method: Method = {
  httpMethod: 'ANY',
  authorizationType: 'NONE',
  apiKeyRequired: false,
  requestParameters: {},
  requestModels: {},
  methodResponses: {},
  methodIntegration: integration,
  source: 'test',
};
const resource = (id: string, path: string): Resource => {
  const pathPart = path.slice(path.lastIndexOf('/') + 1);
  return { id, path, ...(pathPart === '' ? {} : { pathPart }), resourceMethods: { ANY: method } };
};

/** What a test request needs; everything else has a default. */
interface RequestSpec {
  readonly method?: string;
  /** The path after `/{stage}`, as the stage phase hands it over. */
  readonly stagePath: string;
  readonly query?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly resource?: Resource;
  /** Raw values as the router captured them. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly stageName?: string;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly binaryMediaTypes?: readonly string[];
  readonly apiId?: string;
  readonly host?: string;
  readonly sourceIp?: string;
  readonly requestId?: string;
  readonly extendedRequestId?: string;
  readonly requestTimeEpoch?: number;
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly identity?: Readonly<Record<string, string | null>>;
}

/** A RestContext for one request on a one-resource API: what the route phase leaves behind. */
function restContext(spec: RequestSpec): RestContext {
  const stageName = spec.stageName ?? 'stage';
  const headers = spec.headers ?? [];
  const res = spec.resource ?? resource('pr0xy1', '/{proxy+}');
  const api: RestApi = {
    apiId: spec.apiId ?? 'c9r0s5bq2e',
    name: 'test',
    protocolType: 'REST',
    binaryMediaTypes: spec.binaryMediaTypes ?? [],
    apiKeySource: 'HEADER',
    disableExecuteApiEndpoint: false,
    resources: [resource('root01', '/'), res],
    models: {},
    requestValidators: {},
    gatewayResponses: {},
    authorizers: {},
    stages: [],
    source: 'test',
  };
  const methodName = spec.method ?? 'GET';
  return {
    requestId: spec.requestId ?? '0f6a3b8e-5c1d-4e2f-9a7b-000000000000',
    requestTimeEpoch: spec.requestTimeEpoch ?? Date.UTC(2024, 7, 2, 23, 34, 43, 512),
    request: {
      method: methodName,
      rawPath: `/${stageName}${spec.stagePath}`,
      rawQuery: spec.query ?? '',
      rawHeaders: headers.flatMap(([n, v]) => [n, v]),
      headers: Object.fromEntries(headers.map(([n, v]) => [n.toLowerCase(), v])),
      host: spec.host ?? HOST,
      sourceIp: spec.sourceIp ?? '203.0.113.7',
      protocol: 'HTTP/1.1',
      scheme: 'https',
      localPort: 443,
      body: { declaredLength: undefined, read: () => Promise.resolve(Buffer.alloc(0)), stream: () => Readable.from([]) },
    },
    timings: { start: process.hrtime.bigint() },
    log: pino({ enabled: false }),
    api,
    stage: { stageName, variables: spec.stageVariables ?? {}, methodSettings: {} },
    extendedRequestId: spec.extendedRequestId ?? 'cUq2HFe0IAMEb00=',
    stagePath: spec.stagePath,
    httpMethod: methodName,
    match: { resource: res, method, pathParameters: spec.pathParameters ?? {} },
    ...(spec.authorizer ? { authorizer: spec.authorizer } : {}),
    ...(spec.identity ? { identity: spec.identity } : {}),
  };
}

const HOST = 'c9r0s5bq2e.execute-api.us-east-1.amazonaws.com';
const info: RestEventInfo = { accountId: '111111111111', deploymentId: 'k3x9yq' };
const build = (spec: RequestSpec, body = ''): RestV1Event => buildRestV1Event(restContext(spec), Buffer.from(body), info);

// ---- AWS's recorded events (test/fixtures/aws-events/rest-api-v1-snapshots.json) ----

const snapshots = fixture('rest-api-v1-snapshots.json') as Record<string, Json>;
/** Headers AWS's edge and front end added to those requests; the integration list carries them. */
const AWS_ADDED = /^(CloudFront-|Via$|X-Amz-Cf-Id$|X-Amzn-Trace-Id$|X-Forwarded-)/;

/** The request python-requests sent for a case, in its casing, plus what AWS added (from the recording). */
function recordedRequest(expected: Json, client: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
  const added = Object.entries(expected.headers as Record<string, string>).filter(([name]) => AWS_ADDED.test(name));
  return [['Host', HOST], ...client, ...added];
}
const GET_CLIENT: ReadonlyArray<readonly [string, string]> = [
  ['User-Agent', 'python-requests/testing'],
  ['Accept-Encoding', 'gzip, deflate'],
  ['Accept', '*/*'],
  ['Connection', 'keep-alive'],
  ['tEsT-HEADeR', 'aValUE'],
  // Sent lower-case; AWS title-cases it.
  ['authorization', 'random-value'],
];

/** Builds the event for a recorded case, with the ids AWS gave it, and compares it field by field and in key order. */
function assertMatchesRecording(name: string, spec: Omit<RequestSpec, 'headers'>, client = GET_CLIENT, body = ''): void {
  const expected = snapshots[name];
  assert.ok(expected, `fixture has ${name}`);
  const rc = expected.requestContext as Json;
  const event = asJson(
    build(
      {
        ...spec,
        headers: recordedRequest(expected, client),
        requestId: rc.requestId as string,
        extendedRequestId: rc.extendedRequestId as string,
        requestTimeEpoch: rc.requestTimeEpoch as number,
        resource: spec.resource ?? resource(rc.resourceId as string, rc.resourcePath as string),
      },
      body,
    ),
  );
  for (const key of Object.keys(expected)) assert.deepEqual(event[key], expected[key], `${name}: ${key}`);
  assert.deepEqual(event, expected);
  // Key order too: AWS's documented top-level order, headers sorted case-insensitively.
  assert.equal(JSON.stringify(event), JSON.stringify(expected));
}

test('GET /stage/proxy-value: no query, no stage variables, header casing as AWS recorded it', () => {
  assertMatchesRecording('invocation-payload-without-trailing-slash', { stagePath: '/proxy-value', pathParameters: { proxy: 'proxy-value' } });
});

test('a trailing slash stays in path and requestContext.path but not in {proxy+}', () => {
  assertMatchesRecording('invocation-payload-with-trailing-slash', { stagePath: '/proxy-value/', pathParameters: { proxy: 'proxy-value/' } });
});

test('a double slash inside the path is kept everywhere', () => {
  assertMatchesRecording('invocation-payload-with-double-slash', {
    stagePath: '/proxy-value//double-slash',
    pathParameters: { proxy: 'proxy-value//double-slash' },
  });
});

test('//stage/proxy-value: the stage phase hands over /proxy-value, as for /stage/proxy-value', () => {
  assertMatchesRecording('invocation-payload-with-prepended-slash-to-stage', { stagePath: '/proxy-value', pathParameters: { proxy: 'proxy-value' } });
});

test('/stage//proxy-value: path drops the extra slash, requestContext.path keeps it', () => {
  assertMatchesRecording('invocation-payload-with-prepended-slash', { stagePath: '//proxy-value', pathParameters: { proxy: '/proxy-value' } });
});

test('/stage//hardcoded on a literal resource: pathParameters is null', () => {
  assertMatchesRecording('invocation-hardcoded', { stagePath: '//hardcoded' });
});

test('query parameters with and without a trailing slash', () => {
  assertMatchesRecording('invocation-payload-without-trailing-slash-and-query-params', {
    stagePath: '/proxy-value',
    query: 'urlparam=test',
    pathParameters: { proxy: 'proxy-value' },
  });
  assertMatchesRecording('invocation-payload-with-trailing-slash-and-query-params', {
    stagePath: '/proxy-value/',
    query: 'urlparam=test',
    pathParameters: { proxy: 'proxy-value/' },
  });
});

test('an encoded e-mail in the path is not decoded (path, requestContext.path, proxy)', () => {
  const raw = '/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com';
  assertMatchesRecording('invocation-payload-with-path-encoded-email', { stagePath: raw, pathParameters: { proxy: raw.slice(1) } });
});

test('query values are decoded: + is a space, %2B a plus', () => {
  // As requests sent it: the space quoted, everything after `#` left out.
  const query =
    'dateTimeOffset=2023-06-12T18:05:10.123456+00:00&email=test%2Balias@gmail.com&plus=test+alias@gmail.com' +
    '&url=https://www.google.com/&whitespace=foo%20bar&zhash=abort/';
  assertMatchesRecording('invocation-payload-with-params-encoding', { stagePath: '/proxy-value/api', query, pathParameters: { proxy: 'proxy-value/api' } });
});

test('repeated query keys keep the last value; Content-Length never reaches the function', () => {
  const body = '{"message": "hello world"}';
  const client: ReadonlyArray<readonly [string, string]> = [
    ['User-Agent', 'python-requests/testing'],
    ['Accept-Encoding', 'gzip, deflate'],
    ['Accept', '*/*'],
    ['Connection', 'keep-alive'],
    ['Content-Type', 'application/json;charset=utf-8'],
    ['aUThorization', 'Bearer token123;API key456'],
    ['Content-Length', String(body.length)],
  ];
  assertMatchesRecording(
    'invocation-payload-with-params-encoding-multi',
    { method: 'POST', stagePath: '/proxy-value', query: 'category=electronics&category=books&price=10&price=20&price=30', pathParameters: { proxy: 'proxy-value' } },
    client,
    body,
  );
});

// ---- AWS's documented sample (test/fixtures/aws-events/rest-api-v1-sample.json) ----

test("reproduces AWS's sample: stage variables, authorizer context, identity with an API key", () => {
  const sample = fixture('rest-api-v1-sample.json');
  const sampleRc = sample.requestContext as Json;
  const sampleHeaders = Object.entries(sample.headers as Record<string, string>);
  const event = asJson(
    build(
      {
        method: 'POST',
        stageName: 'testStage',
        stagePath: '/hello/world',
        query: 'name=me',
        headers: sampleHeaders,
        pathParameters: { proxy: 'hello/world' },
        stageVariables: { stageVariableName: 'stageVariableValue' },
        apiId: 'gy415nuibc',
        host: 'gy415nuibc.execute-api.us-east-1.amazonaws.com',
        sourceIp: '192.168.196.186',
        requestId: sampleRc.requestId as string,
        requestTimeEpoch: 1589522469693,
        resource: resource('roq9wj', '/{proxy+}'),
        authorizer: { principalId: 'admin', clientId: 1, clientName: 'Exata' },
        // What an IAM caller and the API-key phase establish; merged over the null defaults.
        identity: Object.fromEntries(Object.entries(sampleRc.identity as Record<string, string>).filter(([k]) => k !== 'sourceIp' && k !== 'userAgent')),
      },
      sample.body as string,
    ),
  );
  const rc = event.requestContext as Json;
  const identity = rc.identity as Json;
  assert.equal(rc.accountId, '111111111111');
  rc.accountId = sampleRc.accountId;
  // Normalised, because the hand-edited sample cannot be matched there:
  // - its domainName says us-east-2 while its Host says us-east-1, and its domainPrefix is not
  //   the API id; ours come from the Host, as in every recording.
  assert.equal(rc.domainName, 'gy415nuibc.execute-api.us-east-1.amazonaws.com');
  assert.equal(rc.domainPrefix, 'gy415nuibc');
  rc.domainName = sampleRc.domainName;
  rc.domainPrefix = sampleRc.domainPrefix;
  // - it predates fields every recorded event has (spec §2.1 notes).
  assert.equal(rc.path, '/testStage/hello/world');
  assert.equal(rc.protocol, 'HTTP/1.1');
  assert.equal(rc.deploymentId, 'k3x9yq');
  assert.equal(identity.principalOrgId, null);
  assert.equal(event.isBase64Encoded, false);
  for (const key of ['path', 'protocol', 'deploymentId', 'extendedRequestId']) delete rc[key];
  delete identity.principalOrgId;
  delete event.isBase64Encoded;

  for (const key of Object.keys(sample)) assert.deepEqual(event[key], sample[key], key);
  assert.deepEqual(event, sample);
  // AWS lists headers case-insensitively sorted (cache-control between Accept-Encoding and CloudFront-*).
  assert.deepEqual(Object.keys(event.headers as Json), Object.keys(sample.headers as Json));
});

// ---- Rules with no recording of their own ----

test('identity has no apiKey / apiKeyId keys unless the API-key phase set them', () => {
  const identity = build({ stagePath: '/x', pathParameters: { proxy: 'x' } }).requestContext.identity;
  assert.ok(!('apiKey' in identity) && !('apiKeyId' in identity));
  assert.equal(identity.userAgent, null);
  const keyed = build({ stagePath: '/x', identity: { apiKey: 'k-123', apiKeyId: 'id-9' } }).requestContext.identity;
  assert.deepEqual(Object.keys(keyed).slice(0, 4), ['accessKey', 'accountId', 'apiKey', 'apiKeyId']);
  assert.equal(keyed.apiKey, 'k-123');
});

test('no authorizer key without an authorizer', () => {
  assert.ok(!('authorizer' in build({ stagePath: '/x' }).requestContext));
});

test('a binary Content-Type sends the body base64-encoded', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]);
  const spec = { method: 'POST', stagePath: '/img', headers: [['Content-Type', 'image/png']] as const, binaryMediaTypes: ['image/*'] };
  const event = buildRestV1Event(restContext(spec), png, info);
  assert.equal(event.isBase64Encoded, true);
  assert.equal(event.body, png.toString('base64'));
  // Not a binary media type: UTF-8 text.
  const text = build({ ...spec, headers: [['Content-Type', 'text/plain; charset=utf-8']] }, 'héllo');
  assert.deepEqual([text.body, text.isBase64Encoded], ['héllo', false]);
  // No binaryMediaTypes at all: text.
  assert.equal(build({ ...spec, binaryMediaTypes: [] }, 'abc').isBase64Encoded, false);
});

test('an empty body is null and not base64', () => {
  const event = build({ method: 'POST', stagePath: '/x', headers: [['Content-Type', 'image/png']], binaryMediaTypes: ['*/*'] });
  assert.deepEqual([event.body, event.isBase64Encoded], [null, false]);
});

test('stage variables are copied; none gives null', () => {
  assert.equal(build({ stagePath: '/x' }).stageVariables, null);
  assert.deepEqual(build({ stagePath: '/x', stageVariables: { a: '1' } }).stageVariables, { a: '1' });
});

test('the stage root: path "/", requestContext.path "/{stage}/", no path parameters', () => {
  const event = build({ stagePath: '/', resource: resource('root01', '/') });
  assert.deepEqual([event.path, event.requestContext.path, event.pathParameters, event.resource], ['/', '/stage/', null, '/']);
});

test('repeated headers keep the last value; names differing in case merge under the first spelling', () => {
  const event = build({ stagePath: '/x', headers: [['X-Multi', 'a'], ['x-multi', 'b'], ['host', HOST], ['USER-AGENT', 'ua']] });
  assert.deepEqual(event.multiValueHeaders, { Host: [HOST], 'User-Agent': ['ua'], 'X-Multi': ['a', 'b'] });
  assert.deepEqual(event.headers, { Host: HOST, 'User-Agent': 'ua', 'X-Multi': 'b' });
  assert.equal(event.requestContext.identity.userAgent, 'ua');
});

test('hop-by-hop and never-forwarded request headers are dropped; HTTP/2 gets a Host', () => {
  const event = build({
    stagePath: '/x',
    host: 'api.example.com',
    headers: [[':authority', 'api.example.com'], ['te', 'trailers'], ['expect', '100-continue'], ['content-md5', 'x'], ['max-forwards', '3'], ['accept', '*/*']],
  });
  assert.deepEqual(event.headers, { accept: '*/*', Host: 'api.example.com' });
});

test('a raw ; in the query splits values like &', () => {
  const event = build({ stagePath: '/x', query: 'a=1;b=2&a=3' });
  assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '3'], b: ['2'] });
  assert.deepEqual(event.queryStringParameters, { a: '3', b: '2' });
});

test('query names are case-sensitive', () => {
  assert.deepEqual(build({ stagePath: '/x', query: 'a=1&A=2' }).queryStringParameters, { a: '1', A: '2' });
});

test('restHeaderName title-cases only the names AWS rewrites', () => {
  assert.deepEqual(['aUThorization', 'user-agent', 'host', 'accept', 'content-type', 'tEsT-HEADeR'].map(restHeaderName), [
    'Authorization',
    'User-Agent',
    'Host',
    'accept',
    'content-type',
    'tEsT-HEADeR',
  ]);
});

test('throws when the route phase has not run', () => {
  const ctx = restContext({ stagePath: '/x' });
  delete ctx.match;
  assert.throws(() => buildRestV1Event(ctx, Buffer.alloc(0), info), /ctx\.match/);
});
