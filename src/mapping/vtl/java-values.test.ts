import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyTree, isJavaList, javaEquals, javaList, javaNumber, javaToString, javaTruthy, newMap, mapPut, toJsonText } from './java-values.ts';
import { callJavaMethod, getJavaProperty } from './java-methods.ts';
import { javaSplit } from './java-regex.ts';

test('maps render as Java LinkedHashMap text {foo=bar, a=1} (spec §4.6)', () => {
  assert.equal(javaToString({ foo: 'bar', a: 1 }), '{foo=bar, a=1}');
});

test('JSON lists render as JSON, also inside maps: {list=[{"foo":"bar"}]} (localstack#12379, AWS-validated)', () => {
  assert.equal(javaToString([{ foo: 'bar' }]), '[{"foo":"bar"}]');
  assert.equal(javaToString({ list: [{ foo: 'bar' }] }), '{list=[{"foo":"bar"}]}');
  assert.equal(javaToString({ a: { b: 'c' } }), '{a={b=c}}');
});

test('template-made lists render as Java ArrayList [a, b]', () => {
  assert.equal(javaToString(javaList(['a', 1, { k: 'v' }])), '[a, 1, {k=v}]');
});

test('numbers render as Java Long / Double', () => {
  assert.equal(javaNumber(1), '1');
  assert.equal(javaNumber(1.5), '1.5');
  assert.equal(javaNumber(1.5e-7), '1.5E-7');
  assert.equal(javaNumber(1e-7), '1.0E-7');
  assert.equal(javaNumber(12345678.5), '1.23456785E7');
});

test('toJsonText writes compact JSON', () => {
  assert.equal(toJsonText({ a: 1, b: [true, null, 'x'] }), '{"a":1,"b":[true,null,"x"]}');
});

test('Velocity 1.7 truthiness: only null and false are false', () => {
  assert.equal(javaTruthy(''), true);
  assert.equal(javaTruthy(0), true);
  assert.equal(javaTruthy(null), false);
  assert.equal(javaTruthy(false), false);
});

test('Velocity equality compares numbers by value and other classes by toString()', () => {
  assert.equal(javaEquals(1, 1.0), true);
  assert.equal(javaEquals('1', 1), true);
  assert.equal(javaEquals(null, undefined), true);
  assert.equal(javaEquals(null, ''), false);
});

test('Java String methods behave as on the JVM', () => {
  const s = '  Hello World  ';
  assert.equal(callJavaMethod(s, 'trim', []), 'Hello World');
  assert.equal(callJavaMethod(s, 'length', []), 15);
  assert.equal(callJavaMethod('abc', 'toUpperCase', []), 'ABC');
  assert.equal(callJavaMethod('abc', 'contains', ['b']), true);
  assert.equal(callJavaMethod('abc', 'startsWith', ['ab']), true);
  assert.equal(callJavaMethod('abc', 'endsWith', ['bc']), true);
  assert.equal(callJavaMethod('abc', 'equalsIgnoreCase', ['ABC']), true);
  assert.equal(callJavaMethod('abc', 'indexOf', ['c']), 2);
  assert.equal(callJavaMethod('abc', 'substring', [1]), 'bc');
  assert.equal(callJavaMethod('abc', 'substring', [0, 2]), 'ab');
  assert.equal(callJavaMethod('', 'isEmpty', []), true);
  assert.equal(callJavaMethod('a.b.c', 'replace', ['.', '-']), 'a-b-c');
  assert.equal(callJavaMethod('abc123', 'matches', ['[a-z]+\\d+']), true);
  assert.equal(callJavaMethod('abc123x', 'matches', ['[a-z]+\\d+']), false);
});

test('replaceAll uses Java regex and Java replacement syntax ($1, \\$)', () => {
  assert.equal(callJavaMethod('a1b22', 'replaceAll', ['(\\d+)', '<$1>']), 'a<1>b<22>');
  assert.equal(callJavaMethod('cost', 'replaceAll', ['^', '\\$']), '$cost');
  assert.equal(callJavaMethod("it\\'s", 'replaceAll', ["\\\\'", "'"]), "it's");
  assert.equal(callJavaMethod('ABC', 'replaceAll', ['(?i)b', 'x']), 'AxC');
});

test('split follows Java: trailing empty strings dropped, no leading empty for a zero-width match', () => {
  assert.deepEqual(javaSplit('a,b,,', ','), ['a', 'b']);
  assert.deepEqual(javaSplit(',a', ','), ['', 'a']);
  assert.deepEqual(javaSplit('abc', ''), ['a', 'b', 'c']);
  assert.deepEqual(javaSplit('a,b,c', ',', 2), ['a', 'b,c']);
  assert.deepEqual(javaSplit('', ','), ['']);
});

test('substring out of range is a RUNTIME error (StringIndexOutOfBoundsException)', () => {
  assert.throws(() => callJavaMethod('abc', 'substring', [5]), { code: 'PORTICO_ERR_VTL_RUNTIME' });
});

test('Map methods: get keySet entrySet containsKey size isEmpty values', () => {
  const m = newMap();
  mapPut(m, 'a', 1);
  mapPut(m, 'b', 'x');
  assert.equal(callJavaMethod(m, 'get', ['b']), 'x');
  assert.equal(javaToString(callJavaMethod(m, 'keySet', [])), '[a, b]');
  assert.equal(javaToString(callJavaMethod(m, 'entrySet', [])), '[a=1, b=x]');
  assert.equal(callJavaMethod(m, 'containsKey', ['a']), true);
  assert.equal(callJavaMethod(m, 'size', []), 2);
  assert.equal(callJavaMethod(m, 'isEmpty', []), false);
  assert.equal(javaToString(callJavaMethod(m, 'values', [])), '[1, x]');
});

test('List methods: size get isEmpty contains', () => {
  const l = ['a', 2];
  assert.equal(callJavaMethod(l, 'size', []), 2);
  assert.equal(callJavaMethod(l, 'get', [1]), 2);
  assert.equal(callJavaMethod(l, 'isEmpty', []), false);
  assert.equal(callJavaMethod(l, 'contains', ['a']), true);
  assert.throws(() => callJavaMethod(l, 'get', [5]), { code: 'PORTICO_ERR_VTL_RUNTIME' });
});

test('no JS internals: prototype members and unknown methods are undefined', () => {
  assert.equal(getJavaProperty({}, 'constructor'), undefined);
  assert.equal(getJavaProperty({}, '__proto__'), undefined);
  assert.equal(getJavaProperty('abc', 'constructor'), undefined);
  assert.equal(callJavaMethod('abc', 'constructor', []), undefined);
  assert.equal(callJavaMethod({}, 'hasOwnProperty', ['x']), undefined);
  assert.equal(callJavaMethod([], 'map', []), undefined);
});

test('bean properties: $s.empty is isEmpty(), $l.empty too', () => {
  assert.equal(getJavaProperty('', 'empty'), true);
  assert.equal(getJavaProperty([1], 'empty'), false);
});

test('copyTree: a deep copy into maps and Java lists; __proto__ and constructor keys stay data', () => {
  const source = JSON.parse('{"a":{"b":[1,{"c":"d"}]},"__proto__":{"polluted":true},"constructor":"x","n":null}') as Record<string, unknown>;
  const copy = copyTree(source) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(copy), Object.prototype, 'the __proto__ key did not set the prototype');
  assert.deepEqual(Object.keys(copy), ['a', '__proto__', 'constructor', 'n']);
  assert.equal(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value !== undefined, true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(copy.constructor, 'x');
  const list = (copy.a as Record<string, unknown>).b as unknown[];
  assert.ok(isJavaList(list));
  (list[1] as Record<string, unknown>).c = 'changed';
  assert.equal((((source.a as Record<string, unknown>).b as unknown[])[1] as Record<string, unknown>).c, 'd', 'the source is untouched');
  const map = newMap();
  assert.equal(mapPut(map, 'k', 1), undefined);
  assert.equal(mapPut(map, 'k', 2), 1);
  mapPut(map, '__proto__', 3);
  assert.equal(Object.getPrototypeOf(map), null);
  assert.equal(Object.getOwnPropertyDescriptor(map, '__proto__')?.value, 3);
});
