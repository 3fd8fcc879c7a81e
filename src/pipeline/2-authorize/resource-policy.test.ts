/**
 * Resource policies combined with each authorization type, principal matching, `execute-api:/`
 * expansion, path normalisation and AWS's ACCESS_DENIED wording.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors/index.ts';
import type { Method, RestApi, RestAuthorizationType } from '../../model/index.ts';
import { makeRestContext } from '../../../test/helpers/rest-context.ts';
import type { RestContext } from '../types.ts';
import { createResourcePolicyPhase } from './resource-policy.ts';

const DEPS = { region: 'us-east-1', accountId: '123456789012' };

function api(policy: Record<string, unknown> | undefined): RestApi {
  const { ctx } = makeRestContext();
  return { ...ctx.api, apiId: 'api1', ...(policy ? { policy } : {}) };
}

const allowFrom = (cidr: string, resource: string | string[] = 'execute-api:/*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: resource, Condition: { IpAddress: { 'aws:SourceIp': cidr } } }],
});

interface Call {
  readonly type?: RestAuthorizationType;
  readonly sourceIp?: string;
  readonly path?: string;
  readonly method?: string;
  readonly identity?: Record<string, string | null>;
}

function ctxFor(a: RestApi, call: Call = {}): RestContext {
  const { ctx } = makeRestContext();
  const method = { httpMethod: call.method ?? 'GET', authorizationType: call.type ?? 'NONE' } as unknown as Method;
  return {
    ...ctx,
    api: a,
    request: { ...ctx.request, sourceIp: call.sourceIp ?? '127.0.0.1' },
    stagePath: call.path ?? '/pets',
    httpMethod: call.method ?? 'GET',
    match: { resource: { id: 'r', path: '/pets', resourceMethods: {} }, method, pathParameters: {} },
    ...(call.identity ? { identity: call.identity } : {}),
  };
}

async function outcome(policy: Record<string, unknown>, call: Call = {}): Promise<string> {
  const phase = createResourcePolicyPhase(api(policy), DEPS);
  assert.ok(phase);
  try {
    await phase(ctxFor(api(policy), call));
    return 'allowed';
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return `${err.type}: ${err.bodyMessage ?? ''}`;
  }
}

const IAM_SAME = { accessKey: 'AKID', accountId: '123456789012', caller: 'AIDA1', user: 'AIDA1', userArn: 'arn:aws:iam::123456789012:user/alice' };
const IAM_OTHER = { accessKey: 'AKID2', accountId: '999999999999', caller: 'AIDA2', user: 'AIDA2', userArn: 'arn:aws:iam::999999999999:user/bob' };

describe('resource policy', () => {
  test('no policy: no phase', () => {
    assert.equal(createResourcePolicyPhase(api(undefined), DEPS), undefined);
  });

  test('NONE: an allow list by aws:SourceIp lets 127.0.0.1 in and keeps others out, with AWS wording', async () => {
    assert.equal(await outcome(allowFrom('127.0.0.0/8')), 'allowed');
    assert.equal(await outcome(allowFrom('127.0.0.0/8'), { sourceIp: '::ffff:127.0.0.1' }), 'allowed');
    assert.equal(await outcome(allowFrom('10.0.0.0/8')), 'ACCESS_DENIED: User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets');
  });

  test('an explicit deny wins and says so', async () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      ],
    };
    assert.equal(await outcome(policy), 'ACCESS_DENIED: User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets with an explicit deny');
    assert.equal(await outcome(policy, { sourceIp: '10.1.2.3' }), 'allowed');
  });

  test('a Deny on a path cannot be stepped around with double slashes, a trailing slash or percent-encoding', async () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/prod/GET/admin/*' },
      ],
    };
    for (const path of ['/admin/x', '//admin//x', '/admin/x/', '/%61dmin/x']) assert.match(await outcome(policy, { path }), /explicit deny$/, path);
    assert.equal(await outcome(policy, { path: '/pets' }), 'allowed');
  });

  test('AWS_IAM: a same-account caller needs no Allow; a cross-account one does; a Deny stops both', async () => {
    const onlyIp = allowFrom('10.0.0.0/8');
    assert.equal(await outcome(onlyIp, { type: 'AWS_IAM', identity: IAM_SAME }), 'allowed');
    assert.equal(await outcome(onlyIp, { type: 'AWS_IAM', identity: IAM_OTHER }), 'ACCESS_DENIED: User: arn:aws:iam::999999999999:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets');
    const byPrincipal = { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }] };
    assert.equal(await outcome(byPrincipal, { type: 'AWS_IAM', identity: IAM_OTHER }), 'allowed');
    // Principal-restricted Allows don't admit anonymous callers.
    assert.match(await outcome(byPrincipal), /^ACCESS_DENIED: User: anonymous/);
    const denyBob = { Statement: [{ Effect: 'Deny', Principal: { AWS: ['arn:aws:iam::999999999999:user/bob'] }, Action: 'execute-api:*', Resource: '*' }, ...byPrincipal.Statement] };
    assert.match(await outcome(denyBob, { type: 'AWS_IAM', identity: IAM_OTHER }), /explicit deny$/);
    assert.equal(await outcome(denyBob, { type: 'AWS_IAM', identity: IAM_SAME }), 'allowed');
  });

  test('AWS_IAM conditions see the principal; a Deny on a key the request lacks still denies', async () => {
    const policy = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '123456789012' } } }] };
    assert.equal(await outcome(policy, { type: 'AWS_IAM', identity: IAM_SAME }), 'allowed');
    assert.match(await outcome(policy, { type: 'AWS_IAM', identity: IAM_OTHER }), /explicit deny$/);
    const vpce = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }] };
    assert.match(await outcome(vpce, { type: 'AWS_IAM', identity: IAM_SAME }), /explicit deny$/);
  });

  test('CUSTOM: only the explicit-deny pre-check; COGNITO: an Allow is needed', async () => {
    assert.equal(await outcome(allowFrom('10.0.0.0/8'), { type: 'CUSTOM' }), 'allowed');
    assert.match(await outcome(allowFrom('10.0.0.0/8'), { type: 'COGNITO_USER_POOLS' }), /^ACCESS_DENIED/);
  });

  test('an AWS_IAM method whose SigV4 phase did not run fails closed', async () => {
    assert.match(await outcome(allowFrom('127.0.0.0/8'), { type: 'AWS_IAM' }), /^API_CONFIGURATION_ERROR/);
  });

  test('load errors name the statement: unsupported operator in a Deny, missing Principal, malformed document', () => {
    const deny = { Statement: [{ Sid: 'NoOld', Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }] };
    assert.throws(() => createResourcePolicyPhase(api(deny), DEPS), /Statement\[0\] \(Sid "NoOld"\): condition operator DateLessThan is not supported/);
    assert.throws(() => createResourcePolicyPhase(api({ Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] }), DEPS), /Statement\[0\] has no Principal/);
    assert.throws(() => createResourcePolicyPhase(api({ Statement: [{ Effect: 'allow', Principal: '*', Action: 'x', Resource: '*' }] }), DEPS), /x-amazon-apigateway-policy.*Effect/);
  });

  test('resources already written as full ARNs are used as is', async () => {
    assert.equal(await outcome(allowFrom('127.0.0.1/32', 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets')), 'allowed');
    assert.match(await outcome(allowFrom('127.0.0.1/32', 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/pets')), /^ACCESS_DENIED/);
  });
});
