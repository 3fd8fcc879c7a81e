/**
 * Load-time checks of `credentials[].policies`: malformed documents are errors located by
 * file:line and JSON path (from the schema, or from the check of a single-statement document),
 * unsupported Allow conditions and policy variables are warnings, and a project mixing keys
 * with and without policies gets one warning naming the unrestricted ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, load, loadErrors, y } from '../../../test/config/helpers.ts';
import { checkIdentityPolicy } from './identity-policy-check.ts';

const problems = (doc: unknown): string[] => checkIdentityPolicy(doc).map((p) => `${p.path.join('.')}: ${p.reason}${p.warning ? ' (warning)' : ''}`);

test('a sound document has no problems, a statement alone or in a list', () => {
  assert.deepEqual(problems({ Version: '2012-10-17', Statement: [{ Sid: 'a', Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ['arn:aws:execute-api:*:*:api1/*'] }] }), []);
  assert.deepEqual(problems({ Statement: { Effect: 'Deny', NotAction: ['execute-api:*'], NotResource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } } } }), []);
});

test('malformed documents: every problem, located inside the document', () => {
  assert.deepEqual(problems('Allow everything'), [': must be an IAM policy document (an object with Version and Statement)']);
  assert.deepEqual(problems({ Version: '2020-01-01', Statement: 1, Extra: true }), [
    'Extra: unknown key "Extra" (expected one of Version, Id, Statement)',
    'Version: must be one of "2012-10-17", "2008-10-17", got "2020-01-01"',
    'Statement: must be a statement or a list of statements',
  ]);
  assert.deepEqual(problems({ Version: '2012-10-17' }), [': missing required key "Statement"']);
  assert.deepEqual(
    problems({
      Statement: {
        Effect: 'Permit',
        Principal: '*',
        Action: ['execute-api:Invoke', 'Invoke', 3],
        Action2: 'x',
        Resource: 'execute-api:/*',
        NotResource: '*',
        Condition: { StringEquals: 'x', ForAnyValue: { k: { nested: true } } },
      },
    }),
    [
      'Statement.Principal: Policy document should not specify a principal.',
      'Statement.Action2: unknown key "Action2" (expected one of Sid, Effect, Action, NotAction, Resource, NotResource, Condition)',
      'Statement.Effect: must be one of "Allow", "Deny", got "Permit"',
      'Statement.Action: must be a string or a list of strings',
      'Statement.NotResource: a statement has either Resource or NotResource, not both',
      'Statement.Condition.StringEquals: must be a map of condition keys to a value or a list of values',
      'Statement.Condition.ForAnyValue.k: must be a value or a list of values',
      'Statement.Condition.ForAnyValue: condition operator ForAnyValue is not supported (supported: IpAddress, NotIpAddress, StringEquals, StringNotEquals, StringLike, StringNotLike); this statement never allows anything (warning)',
    ],
  );
  assert.deepEqual(problems({ Statement: [{ Effect: 'Allow', Action: ['execute-api:Invoke', 'Invoke'], Resource: ['*', 'execute-api:/*'] }, { Resource: '*' }] }), [
    'Statement.0.Action.1: "Invoke": Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    'Statement.0.Resource.1: Resource execute-api:/* must be in ARN format or "*".',
    'Statement.1: missing required key "Effect"',
    'Statement.1: missing required key "Action" (or "NotAction")',
  ]);
});

test('a Deny with an unsupported operator is an error; policy variables are a warning', () => {
  assert.deepEqual(problems({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }] }), [
    'Statement.0.Condition.DateGreaterThan: condition operator DateGreaterThan is not supported (supported: IpAddress, NotIpAddress, StringEquals, StringNotEquals, StringLike, StringNotLike); the Deny would never apply',
  ]);
  assert.deepEqual(problems({ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:execute-api:*:*:api1/*/GET/users/${aws:username}' }] }), [
    'Statement.0.Resource: policy variables (${…}) are not substituted by portico: this resource is matched literally (warning)',
  ]);
});

const API = 'apis: [{ name: web, type: HTTP, routes: { "GET /x": { http: "http://127.0.0.1:9" } } }]\n';

test('portico.yaml: schema errors and check errors carry file:line and the JSON path', (t) => {
  const errors = loadErrors(t, {
    'portico.yaml':
      API +
      y`
      credentials:
        - accessKeyId: AKIDONE
          secretAccessKey: s
          policies:
            - Version: "2012-10-17"
              Statement:
                - { Effect: Permit, Action: execute-api:Invoke, Resource: "*" }
                - { Effect: Allow, Action: { a: 1 }, Resource: "*" }
      `,
  });
  assertError(errors, 'portico.yaml:8', '$.credentials[0].policies[0].Statement[0].Effect', /^must be one of "Allow", "Deny", got "Permit"$/);
  assertError(errors, 'portico.yaml:9', '$.credentials[0].policies[0].Statement[1].Action', /^must be a string or a list of strings$/);
  assert.equal(errors.length, 2, errors.map((e) => e.message).join('\n'));

  const single = loadErrors(t, {
    'portico.yaml':
      API +
      y`
      credentials:
        - accessKeyId: AKIDONE
          secretAccessKey: s
          policies:
            - Statement: { Effect: Allow, Principal: "*", Action: Invoke, Resource: "*" }
      `,
  });
  assertError(single, 'portico.yaml:6', '$.credentials[0].policies[0].Statement.Principal', /^Policy document should not specify a principal\.$/);
  assertError(single, 'portico.yaml:6', '$.credentials[0].policies[0].Statement.Action', /Actions\/Conditions must be prefaced by a vendor/);
  assert.equal(single.length, 2);
});

test('portico.yaml: keys without policies beside keys with some get one warning; policies load into the model', (t) => {
  const { project } = load(t, {
    'portico.yaml':
      API +
      y`
      credentials:
        - { accessKeyId: AKIDONE, secretAccessKey: s, policies: [{ Version: "2012-10-17", Statement: [{ Effect: Allow, Action: execute-api:Invoke, Resource: "*" }] }] }
        - { accessKeyId: AKIDTWO, secretAccessKey: s }
        - { accessKeyId: AKIDTHREE, secretAccessKey: s }
      `,
  });
  assert.deepEqual(project.credentials[0]?.policies, [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] }]);
  assert.equal(project.credentials[1]?.policies, undefined);
  assert.equal(project.warnings.length, 1);
  assert.match(project.warnings[0] ?? '', /portico\.yaml:2: \$\.credentials: AKIDTWO, AKIDTHREE have no policies, so they may call every AWS_IAM method and route and every @connections operation$/);
  // Without any policies, nothing is said: the project has not opted in.
  const plain = load(t, { 'portico.yaml': `${API}credentials: [{ accessKeyId: AKIDONE, secretAccessKey: s }]\n` });
  assert.deepEqual(plain.project.warnings, []);
});
