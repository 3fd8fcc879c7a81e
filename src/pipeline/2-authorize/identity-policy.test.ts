/**
 * Identity-based policies: the decision for a caller and an ARN (wildcards, Deny wins,
 * NotAction / NotResource, conditions, several documents), the request ARNs, AWS's refusal
 * wording, the @connections resource, and how they combine with a REST resource policy
 * (the authorization flow's outcome tables).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors/index.ts';
import type { Credential, Method } from '../../model/index.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import type { GatewayRequest, RestContext } from '../types.ts';
import { compileIdentityPolicies, createIdentityPolicyPhase, INVOKE, MANAGE_CONNECTIONS, manageConnectionsRefusal, notAuthorizedMessage, requestArns, type IdentityCaller } from './identity-policy.ts';
import { createResourcePolicyPhase } from './resource-policy.ts';

const ARN = (rest: string): string => `arn:aws:execute-api:us-east-1:123456789012:api1/${rest}`;
const ALICE: IdentityCaller = { accessKey: 'AKIDALICE', accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/alice', userId: 'AIDAALICE' };
const request = (over: Partial<GatewayRequest> = {}): GatewayRequest => ({ ...makeRestContext().ctx.request, ...over });

const allow = (resource: string | string[], action: string | string[] = INVOKE) => ({ Effect: 'Allow', Action: action, Resource: resource });
const deny = (resource: string | string[], action: string | string[] = INVOKE) => ({ Effect: 'Deny', Action: action, Resource: resource });
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

/** The decision for ALICE holding `policies`, on `arn`. */
function decide(policies: object[] | undefined, arn: string | string[], o: { action?: string; caller?: IdentityCaller; req?: GatewayRequest } = {}): string {
  const credentials: Credential[] = [{ accessKeyId: ALICE.accessKey, secretAccessKey: 's', ...(policies ? { policies: policies as Record<string, unknown>[] } : {}) }];
  return compileIdentityPolicies(credentials).decide(o.caller ?? ALICE, o.action ?? INVOKE, typeof arn === 'string' ? [arn] : arn, o.req ?? request());
}

describe('identity policy decisions', () => {
  test('policy × ARN matrix: exact, *, ? and per-stage / per-method / per-path wildcards', () => {
    const cases: [string, string, string][] = [
      [ARN('prod/GET/pets'), ARN('prod/GET/pets'), 'allow'],
      [ARN('prod/GET/pets'), ARN('prod/GET/pets/1'), 'none'],
      [ARN('prod/GET/pets/*'), ARN('prod/GET/pets/1'), 'allow'],
      [ARN('prod/GET/pets/*'), ARN('prod/GET/pets/1/toys'), 'allow'],
      [ARN('prod/GET/pets/*'), ARN('prod/GET/pets'), 'none'],
      [ARN('*/GET/pets'), ARN('dev/GET/pets'), 'allow'],
      [ARN('prod/*/pets'), ARN('prod/DELETE/pets'), 'allow'],
      [ARN('prod/GET/pets/?'), ARN('prod/GET/pets/7'), 'allow'],
      [ARN('prod/GET/pets/?'), ARN('prod/GET/pets/17'), 'none'],
      ['arn:aws:execute-api:*:*:api1/*', ARN('prod/POST/pets'), 'allow'],
      ['arn:aws:execute-api:us-east-1:123456789012:other/*', ARN('prod/GET/pets'), 'none'],
      ['*', ARN('prod/GET/pets'), 'allow'],
      // ARNs compare case-sensitively.
      [ARN('prod/get/pets'), ARN('prod/GET/pets'), 'none'],
    ];
    for (const [resource, arn, expected] of cases) assert.equal(decide([doc(allow(resource))], arn), expected, `${resource} on ${arn}`);
  });

  test('actions: execute-api:* and * cover Invoke; actions compare case-insensitively; Invoke does not cover ManageConnections', () => {
    assert.equal(decide([doc(allow('*', 'execute-api:*'))], ARN('prod/GET/pets')), 'allow');
    assert.equal(decide([doc(allow('*', '*'))], ARN('prod/GET/pets')), 'allow');
    assert.equal(decide([doc(allow('*', 'Execute-API:invoke'))], ARN('prod/GET/pets')), 'allow');
    assert.equal(decide([doc(allow('*', 's3:GetObject'))], ARN('prod/GET/pets')), 'none');
    assert.equal(decide([doc(allow('*'))], ARN('prod/POST/@connections/{connectionId}'), { action: MANAGE_CONNECTIONS }), 'none');
  });

  test('an explicit Deny wins over any Allow, in the same document or another one', () => {
    assert.equal(decide([doc(allow(ARN('*')), deny(ARN('prod/DELETE/*')))], ARN('prod/DELETE/pets/1')), 'deny');
    assert.equal(decide([doc(allow(ARN('*'))), doc(deny(ARN('prod/DELETE/*')))], ARN('prod/DELETE/pets/1')), 'deny');
    assert.equal(decide([doc(allow(ARN('*'))), doc(deny(ARN('prod/DELETE/*')))], ARN('prod/GET/pets/1')), 'allow');
    // A Deny alone allows nothing else.
    assert.equal(decide([doc(deny(ARN('prod/DELETE/*')))], ARN('prod/GET/pets')), 'none');
  });

  test('NotAction and NotResource', () => {
    assert.equal(decide([doc({ Effect: 'Allow', NotAction: 'execute-api:ManageConnections', Resource: '*' })], ARN('prod/GET/pets')), 'allow');
    assert.equal(decide([doc({ Effect: 'Allow', NotAction: 'execute-api:ManageConnections', Resource: '*' })], ARN('prod/POST/@connections/{connectionId}'), { action: MANAGE_CONNECTIONS }), 'none');
    const allButAdmin = doc(allow('*'), { Effect: 'Deny', Action: INVOKE, NotResource: [ARN('prod/GET/*')] });
    assert.equal(decide([allButAdmin], ARN('prod/GET/admin')), 'allow');
    assert.equal(decide([allButAdmin], ARN('prod/POST/pets')), 'deny');
  });

  test('a credential without policies is unrestricted; one with an empty Statement list may do nothing', () => {
    assert.equal(decide(undefined, ARN('prod/GET/pets')), 'unrestricted');
    assert.equal(decide([doc()], ARN('prod/GET/pets')), 'none');
    // Another key of the same list is unaffected by ALICE's policies.
    const credentials: Credential[] = [{ accessKeyId: 'AKIDALICE', secretAccessKey: 's', policies: [doc()] }, { accessKeyId: 'AKIDBOB', secretAccessKey: 's' }];
    assert.equal(compileIdentityPolicies(credentials).decide({ ...ALICE, accessKey: 'AKIDBOB' }, INVOKE, [ARN('prod/GET/pets')], request()), 'unrestricted');
  });

  test('several ARNs (raw and decoded path): a Deny on either denies; an Allow must cover both', () => {
    const arns = requestArns('us-east-1', '123456789012', 'api1', 'prod', 'GET', '/pets/%61dmin');
    assert.deepEqual(arns, [ARN('prod/GET/pets/%61dmin'), ARN('prod/GET/pets/admin')]);
    assert.equal(decide([doc(allow(ARN('*')), deny(ARN('prod/GET/pets/admin')))], arns), 'deny');
    assert.equal(decide([doc(allow(ARN('prod/GET/pets/admin')))], arns), 'none');
    assert.deepEqual(requestArns('us-east-1', '123456789012', 'api1', 'prod', 'GET', '//pets//1/'), [ARN('prod/GET/pets/1')]);
    assert.deepEqual(requestArns('us-east-1', '123456789012', 'api1', '$default', 'GET', '/'), [ARN('$default/GET/')]);
  });

  test('conditions: aws:SourceIp, aws:PrincipalArn (a role for assumed-role sessions), aws:username, YAML booleans', () => {
    const fromNet = doc({ ...allow('*'), Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
    assert.equal(decide([fromNet], ARN('prod/GET/pets'), { req: request({ sourceIp: '10.1.2.3' }) }), 'allow');
    assert.equal(decide([fromNet], ARN('prod/GET/pets'), { req: request({ sourceIp: '::ffff:10.1.2.3' }) }), 'allow');
    assert.equal(decide([fromNet], ARN('prod/GET/pets'), { req: request({ sourceIp: '192.0.2.1' }) }), 'none');
    const session: IdentityCaller = { ...ALICE, userArn: 'arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-7' };
    const roleOnly = doc({ ...allow('*'), Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Deployer' } } });
    assert.equal(decide([roleOnly], ARN('prod/GET/pets'), { caller: session }), 'allow');
    assert.equal(decide([roleOnly], ARN('prod/GET/pets')), 'none');
    const byName = doc({ ...allow('*'), Condition: { StringLike: { 'aws:username': 'ali*' } } });
    assert.equal(decide([byName], ARN('prod/GET/pets')), 'allow');
    assert.equal(decide([byName], ARN('prod/GET/pets'), { caller: session }), 'none', 'roles have no aws:username');
    const tlsOnly = doc(allow('*'), { ...deny('*'), Condition: { StringEquals: { 'aws:SecureTransport': false } } });
    assert.equal(decide([tlsOnly], ARN('prod/GET/pets')), 'deny');
    assert.equal(decide([tlsOnly], ARN('prod/GET/pets'), { req: request({ scheme: 'https' }) }), 'allow');
  });

  test('a Deny testing a key the request lacks applies with a negated operator; an Allow with a positive one never does', () => {
    const vpceOnly = doc(allow('*'), { ...deny('*'), Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } });
    assert.equal(decide([vpceOnly], ARN('prod/GET/pets')), 'deny');
    const allowVpce = doc({ ...allow('*'), Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } });
    assert.equal(decide([allowVpce], ARN('prod/GET/pets')), 'none');
    // Keys are case-insensitive.
    const lower = doc({ ...allow('*'), Condition: { IpAddress: { 'AWS:SOURCEIP': '127.0.0.0/8' } } });
    assert.equal(decide([lower], ARN('prod/GET/pets')), 'allow');
  });
});

describe('refusals', () => {
  test("AWS's message: caller ARN as is, the resource's account masked, the explicit-deny suffix", () => {
    assert.equal(
      notAuthorizedMessage(ALICE.userArn, INVOKE, ARN('prod/GET/pets/1'), false),
      'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets/1',
    );
    assert.match(notAuthorizedMessage(ALICE.userArn, INVOKE, ARN('prod/GET/pets/1'), true), /api1\/prod\/GET\/pets\/1 with an explicit deny$/);
  });

  test('@connections: evaluated and reported on {stage}/{METHOD}/@connections/{connectionId}, the id literal', () => {
    const at = { region: 'us-east-1', accountId: '123456789012', apiId: 'api1', stage: 'dev' };
    const credentials: Credential[] = [{ accessKeyId: ALICE.accessKey, secretAccessKey: 's', policies: [doc(allow('arn:aws:execute-api:us-east-1:123456789012:api1/dev/POST/@connections/*', MANAGE_CONNECTIONS))] }];
    assert.equal(manageConnectionsRefusal(credentials, at, request({ method: 'POST' }), ALICE), undefined);
    assert.equal(
      manageConnectionsRefusal(credentials, at, request({ method: 'DELETE' }), ALICE),
      'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:********9012:api1/dev/DELETE/@connections/{connectionId}',
    );
    assert.equal(manageConnectionsRefusal([{ accessKeyId: ALICE.accessKey, secretAccessKey: 's' }], at, request({ method: 'DELETE' }), ALICE), undefined);
  });
});

/** A REST context after SigV4 for ALICE (or another account's caller), on GET /pets. */
function restCtx(accountId = '123456789012'): RestContext {
  const { ctx } = makeRestContext();
  const method = { httpMethod: 'GET', authorizationType: 'AWS_IAM' } as unknown as Method;
  return {
    ...ctx,
    stagePath: '/pets',
    httpMethod: 'GET',
    match: { resource: { id: 'r', path: '/pets', resourceMethods: {} }, method, pathParameters: {} },
    identity: { accessKey: ALICE.accessKey, accountId, caller: ALICE.userId, user: ALICE.userId, userArn: `arn:aws:iam::${accountId}:user/alice` },
  };
}

async function outcome(phase: ((ctx: RestContext) => unknown) | undefined, ctx: RestContext): Promise<string> {
  assert.ok(phase);
  try {
    await phase(ctx);
    return 'allowed';
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return `${err.type}${err.bodyMessage?.endsWith('explicit deny') ? ' (explicit)' : ''}`;
  }
}

describe('REST: identity policies alone, and with a resource policy', () => {
  const identity = { A: [doc(allow(ARN('prod/GET/pets')))], N: [doc()], D: [doc(allow('*'), deny(ARN('prod/GET/pets')))] };
  const resource = {
    A: doc({ ...allow('execute-api:/*'), Principal: '*' }),
    N: doc({ ...allow('execute-api:/*/POST/*'), Principal: '*' }),
    D: doc({ ...allow('execute-api:/*'), Principal: '*' }, { ...deny('execute-api:/*'), Principal: '*' }),
  };
  const credentialsFor = (policies: object[]): Credential[] => [{ accessKeyId: ALICE.accessKey, secretAccessKey: 's', policies: policies as Record<string, unknown>[] }];

  test('without a resource policy the identity policy decides: Allow → served, none → 403, Deny → 403 explicit', async () => {
    const deps = { region: 'us-east-1', accountId: '123456789012' };
    assert.equal(await outcome(createIdentityPolicyPhase(credentialsFor(identity.A), deps), restCtx()), 'allowed');
    assert.equal(await outcome(createIdentityPolicyPhase(credentialsFor(identity.N), deps), restCtx()), 'ACCESS_DENIED');
    assert.equal(await outcome(createIdentityPolicyPhase(credentialsFor(identity.D), deps), restCtx()), 'ACCESS_DENIED (explicit)');
    assert.equal(createIdentityPolicyPhase([{ accessKeyId: 'AKID', secretAccessKey: 's' }], deps), undefined, 'nothing to check');
  });

  // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
  const tableA: [keyof typeof identity, keyof typeof resource, string][] = [
    ['A', 'A', 'allowed'], ['A', 'N', 'allowed'], ['A', 'D', 'ACCESS_DENIED (explicit)'],
    ['N', 'A', 'allowed'], ['N', 'N', 'ACCESS_DENIED'], ['N', 'D', 'ACCESS_DENIED (explicit)'],
    ['D', 'A', 'ACCESS_DENIED (explicit)'], ['D', 'N', 'ACCESS_DENIED (explicit)'], ['D', 'D', 'ACCESS_DENIED (explicit)'],
  ];
  const tableB: [keyof typeof identity, keyof typeof resource, string][] = [
    ['A', 'A', 'allowed'], ['A', 'N', 'ACCESS_DENIED'], ['A', 'D', 'ACCESS_DENIED (explicit)'],
    ['N', 'A', 'ACCESS_DENIED'], ['N', 'N', 'ACCESS_DENIED'], ['N', 'D', 'ACCESS_DENIED (explicit)'],
    ['D', 'A', 'ACCESS_DENIED (explicit)'], ['D', 'N', 'ACCESS_DENIED (explicit)'], ['D', 'D', 'ACCESS_DENIED (explicit)'],
  ];
  for (const [name, table, account] of [['A (same account): either allows, none denies', tableA, '123456789012'], ['B (another account): both must allow', tableB, '999999999999']] as const) {
    test(`with a resource policy, outcome table ${name}`, async () => {
      for (const [id, rp, expected] of table) {
        const api = { ...makeRestContext().ctx.api, policy: resource[rp] };
        const phase = createResourcePolicyPhase(api, { region: 'us-east-1', accountId: '123456789012', identityPolicies: compileIdentityPolicies(credentialsFor(identity[id])) });
        assert.equal(await outcome(phase, { ...restCtx(account), api }), expected, `identity ${id}, resource policy ${rp}`);
      }
    });
  }
});
