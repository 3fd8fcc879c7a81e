/**
 * The schema of portico.yaml's access-control keys: `apiKeys`, `usagePlans` (REST APIs) and
 * `credentials` (AWS_IAM). Bounds and messages are AWS's where it has them; `x-messages` gives
 * a keyword's error the wording AWS's control plane uses (load-project.ts reads it).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */

const throttle = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rateLimit: { type: 'number', minimum: 0, description: 'Steady-state requests per second per API key (token refill rate).' },
    burstLimit: { type: 'integer', minimum: 0, description: 'Bucket size per API key: requests allowed at once.' },
  },
} as const;

const apiKey = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'value'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      description: 'Key name, unique in the file; usage plans list keys by name.',
      'x-messages': { maxLength: 'Invalid API Key name, can be at most 1024 characters.' },
    },
    id: { type: 'string', pattern: '^[a-z0-9]{1,32}$', description: '`$context.identity.apiKeyId`; default derived from the name (stable across restarts).' },
    value: {
      type: 'string',
      minLength: 20,
      maxLength: 128,
      description: 'What clients send in `x-api-key`: 20 to 128 characters, unique in the file.',
      // CreateApiKey's messages (AWS snapshots, spec §7.2).
      'x-messages': { minLength: 'API Key value should be at least 20 characters', maxLength: 'API Key value exceeds maximum size of 128 characters' },
    },
    enabled: {
      type: 'boolean',
      default: true,
      description: "Whether the key is accepted. Default true here, because a key written in the file is meant to be used; AWS's CreateApiKey defaults it to false.",
    },
    description: { type: 'string', description: 'Free text.' },
  },
} as const;

const apiStage = {
  type: 'object',
  additionalProperties: false,
  required: ['api', 'stage'],
  properties: {
    api: { type: 'string', minLength: 1, description: 'A REST API of the file, by name (or apiId).' },
    stage: { type: 'string', minLength: 1, description: 'One of its stages.' },
    throttle: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: throttle,
      description: 'Per-method limits keyed by route key (`GET /pets/{id}`, a method of the API), replacing the plan\'s `throttle` field by field for that method; at most 20 (AWS limit).',
    },
  },
} as const;

const usagePlan = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Plan name, unique in the file.' },
    id: { type: 'string', pattern: '^[a-z0-9]{1,32}$', description: 'Plan id; default derived from the name.' },
    description: { type: 'string', description: 'Free text.' },
    apiStages: { type: 'array', items: apiStage, description: 'The REST API stages the plan covers; its keys may call the `apiKeyRequired` methods there.' },
    throttle: { ...throttle, description: 'Token bucket per API key, shared by every stage of the plan (a missing field is AWS\'s account limit, 10,000 rps / 5,000 burst).' },
    quota: {
      type: 'object',
      additionalProperties: false,
      required: ['limit', 'period'],
      description: 'Requests per API key per period, summed over every stage of the plan; over it → 429 Limit Exceeded.',
      properties: {
        limit: { type: 'integer', minimum: 0, description: 'Requests allowed per period.' },
        period: { enum: ['DAY', 'WEEK', 'MONTH'], description: 'UTC calendar day; week starting Sunday 00:00 UTC; calendar month from the 1st, 00:00 UTC.' },
        offset: { type: 'integer', minimum: 0, default: 0, description: 'Requests subtracted from the limit in the initial period (the one portico started in), as AWS\'s `offset`.' },
      },
    },
    apiKeys: { type: 'array', items: { type: 'string', description: 'A key name from `apiKeys`.' }, description: 'Names of the keys in the plan (a key is in at most 10 plans, and one plan per API stage).' },
  },
} as const;

const stringOrList = { type: ['string', 'array'], items: { type: 'string' }, 'x-messages': { type: 'must be a string or a list of strings' } } as const;

/** An IAM identity-based policy statement (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html). */
const policyStatement = {
  type: 'object',
  required: ['Effect'],
  properties: {
    Sid: { type: 'string', description: 'Statement id (free text).' },
    Effect: { enum: ['Allow', 'Deny'], description: 'An applicable Deny wins over any Allow; with no applicable Allow the call is denied.' },
    Action: { ...stringOrList, description: 'Actions, IAM wildcards allowed: `execute-api:Invoke` (REST methods, HTTP routes), `execute-api:ManageConnections` (`@connections`), `execute-api:*`.' },
    NotAction: { ...stringOrList, description: 'Instead of `Action`: every action except these.' },
    Resource: { ...stringOrList, description: 'ARNs with `*` / `?` wildcards: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` (`…/POST/@connections/*` for `@connections`).' },
    NotResource: { ...stringOrList, description: 'Instead of `Resource`: every resource except these.' },
    Condition: {
      type: 'object',
      additionalProperties: { type: 'object' },
      description: '`IpAddress`, `NotIpAddress`, `StringEquals`, `StringNotEquals`, `StringLike`, `StringNotLike` on `aws:SourceIp`, `aws:SecureTransport`, `aws:UserAgent`, `aws:Referer`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:userid`, `aws:username`.',
    },
  },
} as const;

/** An identity-based policy document; statements are checked in detail at load (identity-policy-check.ts). */
const policyDocument = {
  type: 'object',
  required: ['Statement'],
  properties: {
    Version: { enum: ['2012-10-17', '2008-10-17'], description: 'IAM policy language version.' },
    Id: { type: 'string', description: 'Policy id (free text).' },
    Statement: { type: ['array', 'object'], items: policyStatement, description: 'One statement or a list of them.' },
  },
} as const;

const credential = {
  type: 'object',
  additionalProperties: false,
  required: ['accessKeyId', 'secretAccessKey'],
  properties: {
    accessKeyId: { type: 'string', pattern: '^[A-Z0-9]{1,128}$', description: 'The access key id SigV4 requests name (`AKIDEXAMPLE`), unique in the file.' },
    secretAccessKey: { type: 'string', minLength: 1, maxLength: 128, description: 'Its secret key.' },
    sessionToken: { type: 'string', minLength: 1, description: 'Temporary credentials: the session token a signed request must carry in `X-Amz-Security-Token`.' },
    accountId: { type: 'string', pattern: '^[0-9]{12}$', description: "The caller's account (`identity.accountId`); default the project's `accountId`." },
    arn: { type: 'string', minLength: 1, description: "The caller's ARN (`identity.userArn`); default `arn:aws:iam::{account}:user/{accessKeyId}`." },
    userId: { type: 'string', minLength: 1, description: "The caller's id (`identity.caller` / `identity.user`); default the access key id." },
    principalOrgId: { type: 'string', minLength: 1, description: 'The organization id HTTP API events show (`authorizer.iam.principalOrgId`).' },
    policies: {
      type: 'array',
      items: policyDocument,
      description:
        "The IAM identity-based policies of the key's principal (`{Version, Statement}` documents), evaluated as IAM does for `execute-api:Invoke` and `execute-api:ManageConnections`: an applicable Deny wins, else an Allow is needed (403 otherwise). Absent: the key may call everything (a warning names such keys when others have policies).",
    },
  },
} as const;

/** The access-control properties of the project schema's root. */
export const accessSchemaProperties = {
  apiKeys: { type: 'array', items: apiKey, description: 'API keys for REST methods with `apiKeyRequired` (a `security` entry naming an `x-api-key` apiKey scheme).' },
  usagePlans: { type: 'array', items: usagePlan, description: 'Usage plans: which API keys may call which REST API stages, with their throttle and quota.' },
  credentials: { type: 'array', items: credential, description: 'IAM access keys SigV4-signed requests may use: `AWS_IAM` REST methods and HTTP API routes, and the WebSocket `@connections` API (which requires signatures once any credential is listed). Keys in the environment are never accepted.' },
} as const;
