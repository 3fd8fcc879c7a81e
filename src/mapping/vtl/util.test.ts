import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64Decode, base64Encode, escapeJavaScript, parseJson, urlDecode, urlEncode } from './util.ts';
import { VtlError } from './errors.ts';

// Apache Commons Lang 2.6 StringEscapeUtils.escapeJavaScript, which AWS documents as
// "Escapes the characters in a string using JavaScript string rules".
test("escapeJavaScript turns ' into \\' (AWS doc: not valid JSON, hence .replaceAll(\"\\\\'\",\"'\"))", () => {
  assert.equal(escapeJavaScript("it's"), "it\\'s");
});

test('escapeJavaScript escapes double quotes, backslashes and forward slashes', () => {
  assert.equal(escapeJavaScript('{"foo": 123}'), '{\\"foo\\": 123}');
  assert.equal(escapeJavaScript('a\\b'), 'a\\\\b');
  assert.equal(escapeJavaScript('</script>'), '<\\/script>');
});

test('escapeJavaScript uses short escapes for \\b \\t \\n \\f \\r and \\u00XX for other control chars', () => {
  assert.equal(escapeJavaScript('a\nb\tc\r\b\f'), 'a\\nb\\tc\\r\\b\\f');
  assert.equal(escapeJavaScript('\u0001\u001f'), '\\u0001\\u001F');
});

test('escapeJavaScript escapes every non-ASCII char as upper-case \\uXXXX, per UTF-16 unit', () => {
  assert.equal(escapeJavaScript('ü€'), '\\u00FC\\u20AC');
  assert.equal(escapeJavaScript('😀'), '\\uD83D\\uDE00');
});

test('urlEncode is java.net.URLEncoder: space → +, .-*_ kept, the rest %XX of UTF-8', () => {
  assert.equal(urlEncode('x=a+b'), 'x%3Da%2Bb');
  assert.equal(urlEncode("a b.c-d*e_f~g!'()"), "a+b.c-d*e_f%7Eg%21%27%28%29");
  assert.equal(urlEncode('ü'), '%C3%BC');
});

test('urlDecode is java.net.URLDecoder: + → space, %XX as UTF-8', () => {
  assert.equal(urlDecode('x=a+b'), 'x=a b');
  assert.equal(urlDecode('%C3%BC%2f'), 'ü/');
});

test('urlDecode of a broken % escape is a RUNTIME error, as URLDecoder throws', () => {
  assert.throws(() => urlDecode('100%'), (e: unknown) => e instanceof VtlError && e.code === 'PORTICO_ERR_VTL_RUNTIME');
});

test('base64Encode / base64Decode round-trip UTF-8 text', () => {
  assert.equal(base64Encode('hello ü'), 'aGVsbG8gw7w=');
  assert.equal(base64Decode('aGVsbG8gw7w='), 'hello ü');
});

test('parseJson returns native values and fails with RUNTIME on bad JSON', () => {
  assert.deepEqual(parseJson('[1,2,3]'), [1, 2, 3]);
  assert.equal(parseJson('"string"'), 'string');
  assert.equal(parseJson('true'), true);
  assert.throws(() => parseJson('{nope'), (e: unknown) => e instanceof VtlError && e.code === 'PORTICO_ERR_VTL_RUNTIME');
});
