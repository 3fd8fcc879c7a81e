/** `state:` in portico.yaml: where shared state lives and how an outage of it fails (docs/scale-out.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOneError, load } from './helpers.ts';

const API = 'apis: [{ name: a, type: HTTP, routes: { "GET /": { function: f } } }]\nfunctions: { f: { handler: h.handler } }\n';

test('state.redis and state.failMode reach the project', (t) => {
  const { project } = load(t, { 'portico.yaml': `${API}state: { redis: "redis://:secret@cache:6379/2", failMode: closed }\n` });
  assert.deepEqual(project.state, { redis: 'redis://:secret@cache:6379/2', failMode: 'closed' });
});

test('without state: the project has none (memory)', (t) => {
  assert.equal(load(t, { 'portico.yaml': API }).project.state, undefined);
});

test('a Redis address without a redis:// or rediss:// scheme is refused, located', (t) => {
  expectOneError(t, { 'portico.yaml': `${API}state:\n  redis: localhost:6379\n` }, 'portico.yaml:4', '$.state.redis', /does not match \^rediss\?:\/\//);
});

test('a failMode other than open or closed is refused', (t) => {
  expectOneError(t, { 'portico.yaml': `${API}state: { failMode: ajar }\n` }, 'portico.yaml:3', '$.state.failMode', /open.*closed|allowed/);
});
