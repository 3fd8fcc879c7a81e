/**
 * The JSON Schema of portico.yaml. Every field has a description (docs/project-file.md is
 * written from it) and, where it has one, a default and bounds. ajv validates the file
 * before any loader looks at it, so loaders can trust the shapes below.
 */
import { accessSchemaProperties } from './access-schema.ts';
import { accessLogSettingsSchema } from './access-log-settings.ts';

const throttleLimits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rateLimit: { type: 'number', minimum: 0, description: 'Steady-state requests per second (token refill rate).' },
    burstLimit: { type: 'integer', minimum: 0, description: 'Bucket size: requests allowed at once.' },
  },
} as const;

const throttling = {
  type: 'object',
  additionalProperties: false,
  description: "Stage throttling, as AWS's defaultRouteSettings / routeSettings (HTTP, WebSocket) or methodSettings (REST).",
  properties: {
    ...throttleLimits.properties,
    routes: {
      type: 'object',
      description: 'Per-route limits keyed by route key (`GET /pets`; REST: a method of the API, `ANY /{proxy+}` included), overriding the stage default field by field.',
      additionalProperties: throttleLimits,
    },
  },
} as const;

const stringMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } as const;

/** A method's (or the stage default's) cache settings: AWS's MethodSetting caching fields. */
const cacheSettings = {
  enabled: { type: 'boolean', description: 'Cache responses (`cachingEnabled`). Stage-wide it applies to GET methods only, as AWS does; a route entry turns caching on or off for that method whatever its HTTP method. Stage-wide default: true when `cacheClusterEnabled`.' },
  ttlInSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 300, description: 'How long a response is cached (`cacheTtlInSeconds`); 0 turns caching off.' },
  requireAuthorizationForCacheControl: { type: 'boolean', default: true, description: 'Whether a client sending `Cache-Control: max-age=0` needs `execute-api:InvalidateCache` (portico: a SigV4-signed caller of an AWS_IAM method whose credential policies allow it).' },
  unauthorizedCacheControlHeaderStrategy: {
    enum: ['FAIL_WITH_403', 'SUCCEED_WITH_RESPONSE_HEADER', 'SUCCEED_WITHOUT_RESPONSE_HEADER'],
    default: 'SUCCEED_WITH_RESPONSE_HEADER',
    description: 'What an unauthorised `Cache-Control: max-age=0` gets: 403, the cached response with a `Warning` header, or the cached response silently.',
  },
  dataEncrypted: { type: 'boolean', default: false, description: '`cacheDataEncrypted`: accepted for compatibility; changes nothing locally.' },
} as const;

/** REST stage cache settings (AWS's methodSettings caching fields). */
const caching = {
  type: 'object',
  additionalProperties: false,
  description: 'REST APIs: stage cache settings, as `methodSettings` `*/*` (stage-wide) and per method. Needs `cacheClusterEnabled: true`.',
  properties: {
    ...cacheSettings,
    routes: {
      type: 'object',
      description: 'Per-method settings keyed by `METHOD /resource/path` (a method of the API, `ANY /{proxy+}` included), overriding the stage-wide ones field by field.',
      additionalProperties: { type: 'object', additionalProperties: false, properties: cacheSettings },
    },
  },
} as const;

/** The stage cache keys, in a `stages:` entry or the one-stage short form (REST APIs only). */
const stageCache = {
  cacheClusterEnabled: { type: 'boolean', default: false, description: 'REST APIs: give the stage a response cache (GET methods cached for 300 s unless `caching` says otherwise).' },
  cacheClusterSize: { enum: ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237'], default: '0.5', description: "REST APIs: the cache's capacity in GB, as AWS's sizes; the in-memory cache holds at most this much (and at most the gateway's own memory bound)." },
  caching,
} as const;

const stageName = {
  type: 'string',
  pattern: '^(\\$default|[A-Za-z0-9_-]{1,128})$',
  description: 'Stage name: `$default` or 1 to 128 letters, digits, `-` and `_` (AWS rule).',
} as const;

const stage = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: stageName,
    variables: { ...stringMap, description: 'Stage variables (`${stageVariables.x}`).' },
    stageVariables: { ...stringMap, description: 'Alias of `variables`.' },
    throttling,
    ...stageCache,
    accessLogSettings: accessLogSettingsSchema,
  },
} as const;

const integrationFields = {
  payloadFormatVersion: { enum: ['1.0', '2.0'], description: 'Lambda payload format; default 2.0.' },
  timeoutInMillis: { type: 'integer', minimum: 50, maximum: 30000, description: 'Integration timeout (HTTP API: 50–30000 ms, default 30000).' },
  requestParameters: { type: 'object', additionalProperties: { type: 'string' }, description: 'HTTP API parameter mapping, e.g. `append:header.x-id: $context.requestId`.' },
  responseParameters: {
    type: 'object',
    description: 'Response mappings keyed by backend status code.',
    additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

const wsAuthorizer = {
  type: 'object',
  additionalProperties: false,
  required: ['function'],
  description: 'WebSocket APIs, `$connect` only: a Lambda REQUEST authorizer run before the handshake completes (401 Unauthorized, 403 denied, 500 on failure).',
  properties: {
    function: { type: 'string', description: 'A key of `functions:`: the authorizer function. It returns `{principalId, policyDocument, context}` or fails with `Unauthorized`.' },
    name: { type: 'string', minLength: 1, description: 'The authorizer name (default `<API name>-authorizer`).' },
    identitySource: {
      type: 'array',
      items: { type: 'string', pattern: '^(route\\.request\\.(header|querystring)|stageVariables|context)\\.[A-Za-z0-9._~!#$%&\'*+^`|-]+$' },
      description: 'Where the identity is read: `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`, `context.X`. Each must be present and non-empty, or the handshake gets 401 without invoking the function. Default none.',
    },
    resultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 0, description: 'Must be 0: AWS does not cache WebSocket authorizer results (it is supported only for HTTP API authorizers).' },
  },
} as const;

/** HTTP APIs: a named authorizer, as apigatewayv2 CreateAuthorizer takes it (loaded by http-route-auth.ts). */
const httpAuthorizer = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  description: 'An authorizer that HTTP API routes name with `authorizer:`, as apigatewayv2 CreateAuthorizer takes it.',
  properties: {
    type: { enum: ['JWT', 'REQUEST'], description: '`JWT`: the gateway checks a JWT against the issuer\'s keys; `REQUEST`: a Lambda function decides.' },
    issuer: { type: 'string', description: 'JWT (required): the `iss` tokens must carry, an http(s) URL; its `/.well-known/openid-configuration` names the keys.' },
    audience: { type: 'array', items: { type: 'string' }, description: 'JWT (required): the accepted `aud` (or, without `aud`, `client_id`) values, 1 to 50.' },
    jwksUri: { type: 'string', pattern: '^https?://', description: 'JWT: the JWKS URL, instead of discovering it from the issuer (portico only: AWS always discovers).' },
    identitySource: {
      type: ['string', 'array'],
      items: { type: 'string' },
      description: 'Where the identity is read, a list or a comma-separated string: `$request.header.X`, `$request.querystring.X`, `$context.X`, `$stageVariables.X`. JWT: one header or query parameter (default `$request.header.Authorization`). REQUEST: any number (default none); a missing one is 401 without invoking.',
    },
    function: { type: 'string', description: 'REQUEST (required): a key of `functions:`, the authorizer function.' },
    payloadFormatVersion: { enum: ['1.0', '2.0'], description: 'REQUEST (required): the authorizer event and response format.' },
    enableSimpleResponses: { type: 'boolean', default: false, description: 'REQUEST, payload 2.0: the function answers `{isAuthorized, context}` instead of an IAM policy.' },
    resultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 0, description: 'REQUEST: seconds a result is cached per identity-source values (0 = not cached; caching needs an identity source).' },
  },
} as const;

const nativeRoute = {
  type: 'object',
  additionalProperties: false,
  description: 'A route: exactly one of `function`, `http` or `integration`.',
  properties: {
    function: { type: 'string', description: 'A key of `functions:` (AWS_PROXY Lambda integration).' },
    http: { type: 'string', description: 'An HTTP(S) URL (HTTP_PROXY integration); `{proxy}` and other route variables are substituted.' },
    method: { type: 'string', description: 'HTTP_PROXY method; `ANY` (default) forwards the client method.' },
    mock: { type: 'string', description: 'WebSocket APIs: a MOCK integration; a two-way route sends this text back.' },
    routeResponse: { type: 'boolean', description: 'WebSocket APIs: two-way route (a `$default` route response): the integration\'s result body is sent back to the client.' },
    authorizer: {
      ...wsAuthorizer,
      // A string (HTTP APIs) or the object (WebSocket $connect); the object keywords apply to objects only.
      type: ['string', 'object'],
      description: `HTTP APIs: the name of an entry of the API's \`authorizers:\` (a JWT or Lambda authorizer). ${wsAuthorizer.description}`,
    },
    authorizationType: {
      enum: ['NONE', 'AWS_IAM', 'JWT', 'CUSTOM'],
      description: 'HTTP APIs: `AWS_IAM` for routes callers sign with SigV4 (keys from `credentials:`). `JWT` / `CUSTOM` follow from `authorizer:` and may be omitted. Default `NONE`.',
    },
    authorizationScopes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      maxItems: 10,
      description: 'HTTP APIs, JWT authorizers only: the token needs one of these scopes (`scope` or `scp` claim), else 403. At most 10.',
    },
    integration: {
      type: 'object',
      description: 'An integration written as in x-amazon-apigateway-integration (type, uri, httpMethod...).',
    },
    ...integrationFields,
  },
} as const;

const cors = {
  type: 'object',
  additionalProperties: false,
  description: 'Built-in CORS (HTTP APIs), as AWS corsConfiguration.',
  properties: {
    allowOrigins: { type: 'array', items: { type: 'string' }, description: 'Origins allowed: exact (`https://app.example.com`), `*`, `https://*` or `http://*`.' },
    allowMethods: { type: 'array', items: { type: 'string' }, description: 'Methods sent in `access-control-allow-methods` (`*` allowed).' },
    allowHeaders: { type: 'array', items: { type: 'string' }, description: 'Headers sent in `access-control-allow-headers` (`*` allowed).' },
    exposeHeaders: { type: 'array', items: { type: 'string' }, description: 'Headers sent in `access-control-expose-headers`.' },
    maxAge: { type: 'integer', minimum: -1, maximum: 86400, description: 'Seconds a browser may cache a preflight (`access-control-max-age`).' },
    allowCredentials: { type: 'boolean', description: 'Send `access-control-allow-credentials: true`; not with a `*` origin.' },
  },
} as const;

const api = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'API name, unique in the file.' },
    type: { enum: ['HTTP', 'REST', 'WEBSOCKET'], description: 'The API flavour.' },
    apiId: { type: 'string', pattern: '^[a-z0-9]{1,32}$', description: 'The API id in invoke URLs; default derived from the name (stable across restarts).' },
    description: { type: 'string', description: 'Free text.' },
    openapi: { type: 'string', description: 'OpenAPI 3 (or Swagger 2 for REST) file with x-amazon-apigateway-* extensions, relative to portico.yaml.' },
    routes: { type: 'object', additionalProperties: nativeRoute, description: 'Routes written natively, keyed by route key (HTTP: `GET /pets/{id}`, `$default`; WebSocket: `$connect`, `$disconnect`, `$default` or a custom key).' },
    routeSelectionExpression: { type: 'string', description: 'WebSocket APIs: how a message picks its route; default `$request.body.action`.' },
    limits: {
      type: 'object',
      additionalProperties: false,
      description: "WebSocket APIs: connection limits, AWS's by default.",
      properties: {
        idleTimeoutSeconds: { type: 'number', minimum: 0.05, maximum: 86400, default: 600, description: 'Idle timeout (AWS: 10 minutes).' },
        maxConnectionSeconds: { type: 'number', minimum: 0.05, maximum: 604800, default: 7200, description: 'Maximum connection duration (AWS: 2 hours).' },
        maxFrameBytes: { type: 'integer', minimum: 1, maximum: 16777216, default: 32768, description: 'Frame size limit (AWS: 32 KB); larger closes with 1009.' },
        maxMessageBytes: { type: 'integer', minimum: 1, maximum: 16777216, default: 131072, description: 'Message size limit (AWS: 128 KB); larger closes with 1009.' },
        pingResetsIdle: { type: 'boolean', default: false, description: 'Whether client pings count as activity for the idle timeout (AWS: no).' },
        acceptBinaryMessages: { type: 'boolean', default: false, description: 'Pass binary frames to the route as base64 (`isBase64Encoded: true`); AWS closes the connection with 1003 instead.' },
      },
    },
    cors,
    authorizers: { type: 'object', additionalProperties: httpAuthorizer, description: 'HTTP APIs: authorizers by name, for native `routes:` (`authorizer: <name>`). OpenAPI routes use the document\'s securitySchemes.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'A port of its own, besides the shared port.' },
    stage: { ...stageName, description: 'One-stage short form: the stage name (default `$default` for HTTP APIs, `dev` for REST and WebSocket APIs, which have no `$default` stage); `$default` or 1 to 128 letters, digits, `-` and `_`.' },
    stageVariables: { ...stringMap, description: 'One-stage short form: stage variables.' },
    throttling,
    ...stageCache,
    accessLogSettings: { ...accessLogSettingsSchema, description: `One-stage short form: ${accessLogSettingsSchema.description}` },
    stages: { type: 'array', minItems: 1, items: stage, description: 'Several stages, each served.' },
    import: {
      type: 'object',
      additionalProperties: false,
      description: "REST APIs: how the openapi: file is imported, as AWS's ImportRestApi options.",
      properties: {
        basepath: {
          enum: ['ignore', 'prepend', 'split'],
          default: 'ignore',
          description: 'What the base path (Swagger `basePath`; OpenAPI 3 `basePath` server variable or server URL path) does: `ignore` it, `prepend` it to every resource, or `split` off its first part (the stage) and prepend the rest.',
        },
        failOnWarnings: { type: 'boolean', default: false, description: 'Turn the import warnings (ignored extensions, skipped operations...) into errors, as `failonwarnings=true`.' },
      },
    },
  },
} as const;

const fn = {
  type: 'object',
  additionalProperties: false,
  required: ['handler'],
  properties: {
    handler: { type: 'string', pattern: '^.+\\.[A-Za-z_$][A-Za-z0-9_$]*$', description: '`path/file.export`, relative to portico.yaml; the file is .js, .mjs or .cjs.' },
    timeout: { type: 'number', minimum: 1, maximum: 900, default: 3, description: 'Function timeout in seconds (AWS default 3).' },
    memorySize: { type: 'integer', minimum: 32, maximum: 10240, default: 128, description: 'MB; the worker heap limit.' },
    environment: { ...stringMap, description: 'Environment variables.' },
    reservedConcurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Concurrent invocations (worker threads).' },
    maxQueue: { type: 'integer', minimum: 0, maximum: 100000, default: 100, description: 'Invocations waiting for a worker before Lambda answers TooManyRequests.' },
    description: { type: 'string', description: 'Free text.' },
  },
} as const;

const state = {
  type: 'object',
  additionalProperties: false,
  description: 'Where throttle buckets, usage-plan quotas and the WebSocket connection registry live. Absent: in memory, one process. Set to run several nodes behind a load balancer (docs/scale-out.md).',
  properties: {
    redis: {
      type: 'string',
      // One server, or a Redis Cluster named by its seed nodes (src/state/redis/cluster.ts).
      pattern: '^rediss?://|^rediss?\\+cluster://[^/?#]+/?$',
      description:
        'Redis URL shared by every node (`redis://[user:password@]host:6379[/db]`, `rediss://` for TLS), or a Redis Cluster: `redis+cluster://[user:password@]host1:6379,host2:6379` (`rediss+cluster://` for TLS; the credentials apply to every node; no database). `portico serve --redis` overrides.',
    },
    failMode: {
      enum: ['open', 'closed'],
      default: 'open',
      description: 'While the state store fails (Redis down): `open` lets requests through unthrottled, `closed` answers them 503 Service Unavailable. Logged once per outage.',
    },
  },
} as const;

const cognito = {
  type: 'object',
  additionalProperties: false,
  description: 'REST `COGNITO_USER_POOLS` authorizers: where user pools issue their tokens.',
  properties: {
    issuers: {
      type: 'object',
      propertyNames: { pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+$', description: 'A user pool id, as in its ARN (`us-east-1_ABC123`).' },
      additionalProperties: { type: 'string', pattern: '^https?://', description: 'The issuer URL (`iss` of its tokens); keys are read from `{issuer}/.well-known/jwks.json`.' },
      description:
        'Issuer URL per user pool id, replacing `https://cognito-idp.{region}.amazonaws.com/{poolId}` (e.g. a local Cognito emulator: `us-east-1_ABC: http://127.0.0.1:9229/us-east-1_ABC`). Pools not listed use AWS.',
    },
  },
} as const;

export const projectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apis'],
  properties: {
    region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]$', default: 'us-east-1', description: 'Region shown in ARNs and AWS_REGION.' },
    accountId: { type: 'string', pattern: '^[0-9]{12}$', default: '123456789012', description: 'Account id shown in ARNs and events.' },
    host: { type: 'string', description: 'Listen address (default 127.0.0.1); `portico serve --host` overrides.' },
    port: { type: 'integer', minimum: 0, maximum: 65535, description: 'The shared port (default 4000); `portico serve --port` overrides.' },
    functions: {
      type: 'object',
      // The name ends up in a Lambda ARN (`function:{name}`), where AWS allows only these characters.
      propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'A function name is 1 to 64 letters, digits, `-` and `_` (AWS rule).' },
      additionalProperties: fn,
      description: 'Local Lambda functions by name.',
    },
    apis: { type: 'array', items: api, description: 'The APIs to serve.' },
    ...accessSchemaProperties,
    state,
    admin: {
      type: 'object',
      additionalProperties: false,
      required: ['port'],
      description: 'The admin port: `/health`, `/ready`, `/metrics` (Prometheus) and control-plane routes (docs/observability.md). Absent: no admin port, no metrics. `portico serve --admin-port` / `--admin-host` override.',
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Admin port (0 = a free one).' },
        host: { type: 'string', description: 'Admin listen address; default 127.0.0.1, even when the gateway listens on 0.0.0.0 (exposing the admin port is a separate choice).' },
      },
    },
    // Before `cognito`: a loader test reads the listed keys as ending with it.
    trustedProxies: {
      type: 'array',
      maxItems: 100,
      default: [],
      items: { type: 'string', minLength: 1, maxLength: 64, description: 'An IPv4 or IPv6 address or CIDR range (`10.0.0.0/8`, `127.0.0.1`, `2001:db8::/32`).' },
      description:
        "Load balancers / reverse proxies in front of portico (docs/scale-out.md). A request whose TCP peer is inside one of these ranges takes its client address (`sourceIp`, `aws:SourceIp`, access logs) from `X-Forwarded-For`: the rightmost entry that is not itself trusted. `Forwarded` and `X-Real-IP` are never read. Default: none, `sourceIp` is the TCP peer. `portico serve --trusted-proxy` replaces this list.",
    },
    cognito,
  },
} as const;
