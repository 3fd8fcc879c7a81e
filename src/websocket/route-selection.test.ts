import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteSelection, createRouteTable, RouteSelectionExpressionError, stringify } from './route-selection.ts';

const evaluate = (expression: string, message: unknown): string | undefined =>
  compileRouteSelection(expression).evaluate(typeof message === 'string' ? message : JSON.stringify(message));

// The example message and table of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
const doc = { service: 'chat', action: 'join', data: { room: 'room1234' } };

test("evaluates the AWS routes page's table", () => {
  assert.equal(evaluate('$request.body.action', doc), 'join');
  assert.equal(evaluate('${request.body.action}', doc), 'join');
  assert.equal(evaluate('${request.body.service}/${request.body.action}', doc), 'chat/join');
  assert.equal(evaluate('${request.body.action}-${request.body.invalidPath}', doc), 'join-');
  assert.equal(evaluate('action', doc), 'action');
  assert.equal(evaluate('\\$default', doc), '$default');
});

test('follows nested paths and array indices', () => {
  assert.equal(evaluate('$request.body.data.room', doc), 'room1234');
  assert.equal(evaluate('${request.body.a.b.c}', { a: { b: { c: 'deep' } } }), 'deep');
  assert.equal(evaluate('$request.body.items[1]', { items: ['x', 'y'] }), 'y');
  assert.equal(evaluate("${request.body['odd key']}", { 'odd key': 'k' }), 'k');
});

test('a missing path evaluates to ""', () => {
  assert.equal(evaluate('$request.body.action', { other: 1 }), '');
  assert.equal(evaluate('$request.body.a.b', { a: 'string, not an object' }), '');
  assert.equal(evaluate('$request.body.action', [1, 2]), '');
  assert.equal(evaluate('$request.body.action', 42), '');
});

test('stringifies non-string results: numbers, booleans, arrays as "[item1, item2]", objects as JSON', () => {
  assert.equal(evaluate('$request.body.n', { n: 7 }), '7');
  assert.equal(evaluate('$request.body.b', { b: false }), 'false');
  assert.equal(evaluate('$request.body.list', { list: ['item1', 'item2'] }), '[item1, item2]');
  assert.equal(evaluate('$request.body.o', { o: { a: 1 } }), '{"a":1}');
  assert.equal(evaluate('$request.body.z', { z: null }), '');
  assert.equal(stringify([1, [2, 3]]), '[1, [2, 3]]');
});

test('a non-JSON message evaluates to undefined (it goes to $default)', () => {
  assert.equal(evaluate('$request.body.action', 'hello'), undefined);
  assert.equal(evaluate('action', '{not json'), undefined);
  assert.equal(evaluate('$request.body.action', ''), undefined);
});

test('evaluates once: a value that looks like a variable stays literal', () => {
  assert.equal(evaluate('$request.body.a', { a: '${request.body.b}', b: 'no' }), '${request.body.b}');
});

test('reads own properties only (__proto__ in a path is message data)', () => {
  assert.equal(evaluate('$request.body.constructor', {}), '');
  assert.equal(evaluate('$request.body.__proto__', JSON.parse('{"__proto__":"p"}')), 'p');
});

test('rejects expressions it cannot evaluate, with a stable code', () => {
  for (const bad of ['$request.header.x', '${request.body.a', '$default', '$', '${context.routeKey}', '${request.body.a[x]}']) {
    assert.throws(() => compileRouteSelection(bad), (err: unknown) => err instanceof RouteSelectionExpressionError && err.code === 'PORTICO_ERR_WS_ROUTE_SELECTION', bad);
  }
});

test('route table: exact match, else $default, else undefined', () => {
  const selector = compileRouteSelection('$request.body.action');
  const withDefault = createRouteTable(selector, ['$connect', '$disconnect', '$default', 'sendmessage']);
  assert.equal(withDefault.select('{"action":"sendmessage"}'), 'sendmessage');
  assert.equal(withDefault.select('{"action":"SendMessage"}'), '$default', 'matching is exact (case-sensitive)');
  assert.equal(withDefault.select('{"action":"nope"}'), '$default');
  assert.equal(withDefault.select('plain text'), '$default');
  assert.equal(withDefault.select(undefined), '$default', 'a binary message goes to $default');
  const without = createRouteTable(selector, ['sendmessage']);
  assert.equal(without.select('{"action":"nope"}'), undefined);
  assert.equal(without.select('plain text'), undefined);
});

test('route table never selects $connect or $disconnect from a message', () => {
  const table = createRouteTable(compileRouteSelection('$request.body.action'), ['$connect', '$disconnect']);
  assert.equal(table.select('{"action":"$connect"}'), undefined);
  assert.equal(table.select('{"action":"$disconnect"}'), undefined);
});

test('\\$default as a static expression sends every JSON message to $default', () => {
  const table = createRouteTable(compileRouteSelection('\\$default'), ['$default', 'x']);
  assert.equal(table.select('{"action":"x"}'), '$default');
});
