import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntegrationResponse, PassthroughBehavior } from '../../model/index.ts';
import { compileIntegrationResponses, compileJavaRegex, selectIntegrationResponse, selectRequestTemplate, selectResponseTemplate } from './selection.ts';

const json = new Map([['application/json', 'J']]);
const none = new Map<string, string>();

// Spec §4.4's table, row by row.
const table: ReadonlyArray<readonly [string, ReadonlyMap<string, string>, string | undefined, PassthroughBehavior, string]> = [
  ['matching template', json, 'application/json', 'WHEN_NO_MATCH', 'template'],
  ['matching template', json, 'application/json', 'WHEN_NO_TEMPLATES', 'template'],
  ['matching template', json, 'application/json', 'NEVER', 'template'],
  ['templates, none matching', json, 'text/plain', 'WHEN_NO_MATCH', 'passthrough'],
  ['templates, none matching', json, 'text/plain', 'WHEN_NO_TEMPLATES', 'unsupported'],
  ['templates, none matching', json, 'text/plain', 'NEVER', 'unsupported'],
  ['no templates', none, 'text/plain', 'WHEN_NO_MATCH', 'passthrough'],
  ['no templates', none, 'text/plain', 'WHEN_NO_TEMPLATES', 'passthrough'],
  ['no templates', none, 'text/plain', 'NEVER', 'unsupported'],
];
for (const [row, templates, contentType, behavior, expected] of table) {
  test(`request template: ${row} with ${behavior} → ${expected}`, () => {
    assert.equal(selectRequestTemplate(templates, contentType, behavior).kind, expected);
  });
}

test('request template: a missing Content-Type counts as application/json; parameters and case are ignored', () => {
  assert.deepEqual(selectRequestTemplate(json, undefined, 'NEVER'), { kind: 'template', template: 'J' });
  assert.deepEqual(selectRequestTemplate(json, 'Application/JSON; charset=utf-8', 'NEVER'), { kind: 'template', template: 'J' });
  assert.deepEqual(selectRequestTemplate(new Map([['Text/Plain', 'T']]), 'text/plain', 'NEVER'), { kind: 'template', template: 'T' });
});

test('response template: the first Accept type only, then application/json, then the first defined', () => {
  const templates = new Map([['application/xml', 'X'], ['text/plain', 'T'], ['application/json', 'J']]);
  assert.equal(selectResponseTemplate(templates, 'text/plain'), 'T');
  assert.equal(selectResponseTemplate(templates, 'image/png, text/plain'), 'J');
  assert.equal(selectResponseTemplate(templates, undefined), 'J');
  assert.equal(selectResponseTemplate(templates, '*/*'), 'J');
  assert.equal(selectResponseTemplate(new Map([['application/xml', 'X'], ['text/plain', 'T']]), 'image/png'), 'X');
});

test('response template: no templates means the body passes through', () => {
  assert.equal(selectResponseTemplate(none, 'application/json'), undefined);
});

const response = (statusCode: string, selectionPattern?: string): IntegrationResponse => ({
  statusCode,
  responseParameters: {},
  responseTemplates: {},
  ...(selectionPattern === undefined ? {} : { selectionPattern }),
});
const select = (responses: readonly IntegrationResponse[], value: string | undefined): string | undefined =>
  selectIntegrationResponse(compileIntegrationResponses(responses, 'api.yaml#/x'), value)?.statusCode;

test('selection: `.*four hundred.*` matches the whole errorMessage, a bare word would not', () => {
  const rs = [response('200'), response('400', '.*four hundred.*'), response('401', 'four hundred')];
  assert.equal(select(rs, 'Error: four hundred (bad input)'), '400');
  assert.equal(select([response('200'), response('401', 'four hundred')], 'Error: four hundred'), '200');
});

test('selection: `.+` misses a Lambda success (no errorMessage) while `.*` catches it', () => {
  assert.equal(select([response('200'), response('500', '.+')], undefined), '200');
  assert.equal(select([response('200'), response('500', '.+')], 'boom'), '500');
  assert.equal(select([response('200'), response('500', '.*')], undefined), '500');
});

test('selection: `.` does not cross a newline, so a multi-line errorMessage misses `.+`', () => {
  assert.equal(select([response('200'), response('500', '.+')], 'line one\nline two'), '200');
  assert.equal(select([response('200'), response('500', '(?s).+')], 'line one\nline two'), '500');
});

test('selection: status-code patterns such as 4\\d{2}', () => {
  const rs = [response('200'), response('400', '4\\d{2}'), response('502', '5\\d{2}')];
  assert.equal(select(rs, '404'), '400');
  assert.equal(select(rs, '503'), '502');
  assert.equal(select(rs, '200'), '200');
  assert.equal(select(rs, '4040'), '200');
});

test('selection: the default alone, an empty pattern as default, and no match without default', () => {
  assert.equal(select([response('201')], '500'), '201');
  assert.equal(select([response('202', '')], 'x'), '202');
  assert.equal(select([response('400', '4\\d{2}')], '500'), undefined);
  assert.equal(select([], '200'), undefined);
});

test('selection: the first matching pattern in definition order wins', () => {
  assert.equal(select([response('400', '4\\d\\d'), response('404', '404')], '404'), '400');
});

test('a pattern that cannot be translated fails at compile, naming where and the pattern', () => {
  assert.throws(() => compileIntegrationResponses([response('400', 'a++')], 'api.yaml#/x'), /api\.yaml#\/x: selectionPattern "a\+\+" \(status 400\): possessive/);
  assert.throws(() => compileIntegrationResponses([response('400', '(')], 'api.yaml#/x'), /api\.yaml#\/x/);
});

test('Java regex: leading inline flags, \\A / \\Z / \\z, and `$` before a final line terminator', () => {
  assert.ok(compileJavaRegex('(?i)not found').test('NOT FOUND'));
  assert.throws(() => compileJavaRegex('a(?i)b'), /only supported at the start/);
  assert.ok(compileJavaRegex('\\Aabc\\z').test('abc'));
  // matches() still needs the whole value: \Z only differs from \z before a final terminator.
  assert.ok(!compileJavaRegex('\\Aabc\\Z').test('abc\n'));
  assert.ok(compileJavaRegex('abc\\Z\\n').test('abc\n'));
  assert.ok(!compileJavaRegex('abc\\z\\n').test('abc\n'));
  assert.ok(compileJavaRegex('abc$\\n').test('abc\n'));
  assert.ok(!compileJavaRegex('abc').test('xabc'));
});

test('Java regex: \\p{…} (POSIX, categories, scripts), \\Q…\\E, \\h, escaped punctuation', () => {
  assert.ok(compileJavaRegex('\\p{Alpha}+\\p{Digit}').test('abc1'));
  assert.ok(!compileJavaRegex('\\p{Alpha}+').test('é'));
  assert.ok(compileJavaRegex('\\p{L}+').test('é'));
  assert.ok(compileJavaRegex('\\p{IsGreek}+').test('αβ'));
  assert.ok(compileJavaRegex('[\\p{Lu}\\d]+').test('A1'));
  assert.ok(compileJavaRegex('\\Q1+1=2\\E').test('1+1=2'));
  assert.ok(compileJavaRegex('a\\hb').test('a\u00A0b'));
  assert.ok(compileJavaRegex('\\-\\_\\@\\"').test('-_@"'));
  assert.ok(compileJavaRegex('[]a]+').test(']a'));
  assert.ok(!compileJavaRegex('\\s').test('\u00A0'));
});

test('Java regex: constructs with no JS equivalent are refused', () => {
  assert.throws(() => compileJavaRegex('(?>a)'), /atomic/);
  assert.throws(() => compileJavaRegex('[a-z&&[^e]]'), /unions|intersections/);
  assert.throws(() => compileJavaRegex('\\p{InGreek}'), /blocks/);
  assert.throws(() => compileJavaRegex('a{'), /illegal repetition/);
});
