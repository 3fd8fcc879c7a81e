import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluatePolicy, ipInCidr, methodArn, parsePolicyDocument, wildcardMatch } from './iam-policy.ts';

const ARN = methodArn('us-east-1', '123456789012', 'abc123', 'prod', 'GET', '/pets/7');
const policy = (...statements: object[]) => parsePolicyDocument({ Version: '2012-10-17', Statement: statements });

describe('IAM policy evaluation (execute-api:Invoke)', () => {
  test('the method ARN is arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}', () => {
    assert.equal(ARN, 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7');
    assert.equal(methodArn('us-east-1', '1', 'a', 's', 'GET', '/'), 'arn:aws:execute-api:us-east-1:1:a/s/GET/');
  });

  test('an Allow on the exact ARN or a wildcard allows', () => {
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ARN }), ARN), 'allow');
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:*', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*' }), ARN), 'allow');
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: ['arn:aws:execute-api:*:*:abc123/prod/*'] }), ARN), 'allow');
  });

  test('an explicit Deny wins over any Allow', () => {
    const doc = policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }, { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:abc123/prod/GET/pets/*' });
    assert.equal(evaluatePolicy(doc, ARN), 'deny');
    assert.equal(evaluatePolicy(doc, methodArn('us-east-1', '123456789012', 'abc123', 'prod', 'POST', '/pets')), 'allow');
  });

  test('no applicable statement is an implicit deny (none)', () => {
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:other/*' }), ARN), 'none');
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), ARN), 'none');
  });

  test('actions compare case-insensitively, resources case-sensitively', () => {
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 'Execute-API:invoke', Resource: ARN }), ARN), 'allow');
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ARN.replace('GET', 'get') }), ARN), 'none');
  });

  test('? matches one character; * spans slashes', () => {
    assert.ok(wildcardMatch('a?c', 'abc'));
    assert.ok(!wildcardMatch('a?c', 'abbc'));
    assert.ok(wildcardMatch('a/*', 'a/b/c/d'));
    assert.ok(wildcardMatch('a.b', 'a.b'));
    assert.ok(!wildcardMatch('a.b', 'axb'));
  });

  test('NotAction / NotResource invert the match', () => {
    assert.equal(evaluatePolicy(policy({ Effect: 'Deny', NotAction: 's3:*', Resource: '*' }), ARN), 'deny');
    assert.equal(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:execute-api:*:*:abc123/prod/POST/*' }), ARN), 'allow');
  });

  test('aws:SourceIp conditions (IpAddress / NotIpAddress) for resource policies', () => {
    const doc = policy(
      { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
      { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '127.0.0.1'] } } },
    );
    assert.equal(evaluatePolicy(doc, ARN, 'execute-api:Invoke', { 'aws:SourceIp': '10.1.2.3' }), 'none'); // resource `execute-api:/*` is not rewritten here
    assert.equal(evaluatePolicy(doc, ARN, 'execute-api:Invoke', { 'aws:SourceIp': '192.168.0.1' }), 'deny');
    assert.ok(ipInCidr('::ffff:127.0.0.1', '127.0.0.1/32'));
    assert.ok(!ipInCidr('11.0.0.1', '10.0.0.0/8'));
    assert.ok(ipInCidr('1.2.3.4', '0.0.0.0/0'));
  });

  test('malformed documents are refused with the reason', () => {
    assert.throws(() => parsePolicyDocument(null), /must be an object/);
    assert.throws(() => parsePolicyDocument({ Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }), /Effect must be "Allow" or "Deny"/);
    assert.throws(() => parsePolicyDocument({ Statement: [{ Effect: 'Allow', Resource: '*' }] }), /no Action/);
    assert.throws(() => parsePolicyDocument({ Version: '2012-10-17' }), /no Statement/);
    assert.equal(parsePolicyDocument({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }).Statement.length, 1);
  });
});

test('negated condition operators hold for a key the request lacks (IAM semantics)', () => {
  const doc = parsePolicyDocument({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } }] });
  assert.equal(evaluatePolicy(doc, ARN, 'execute-api:Invoke', {}), 'deny');
  assert.equal(evaluatePolicy(doc, ARN, 'execute-api:Invoke', { 'aws:SourceVpce': 'vpce-1' }), 'none');
});
