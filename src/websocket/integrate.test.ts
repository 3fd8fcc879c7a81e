import type { AbortLike } from '../util/abort.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { InvokeResult, LambdaRuntime } from '../lambda/types.ts';
import type { Integration } from '../model/index.ts';
import { buildDisconnectEvent } from '../lambda/events/websocket.ts';
import { createWsIntegration, parseLambdaResult, withTimeout, WsIntegrationError, type WsInvocation } from './integrate.ts';

const event = buildDisconnectEvent(
  { apiId: 'a', stage: 'dev', connectionId: 'c', connectedAt: 0, domainName: 'd', host: 'd', sourceIp: '1.2.3.4', userAgent: undefined, stageVariables: {} },
  { requestId: 'r', requestTimeEpoch: 0 },
  { statusCode: 1000, reason: '' },
);
const invocation = (stageVariables: Record<string, string> = {}): WsInvocation => ({ event, stageVariables, log: pino({ enabled: false }) });

/** A runtime answering every invocation with `answer` and recording the names it was asked for. */
function fakeRuntime(answer: (signal: AbortLike | undefined) => Promise<InvokeResult>): LambdaRuntime & { called: string[] } {
  const called: string[] = [];
  return {
    called,
    invoke: (name, _event, options) => {
      called.push(name);
      return answer(options.signal);
    },
    has: (name) => name.startsWith('fn'),
    workers: () => 0,
    close: () => Promise.resolve(),
  };
}
const lambda = (functionName: string, timeoutInMillis = 29_000): Integration => ({
  integrationId: 'i', integrationType: 'AWS_PROXY', integrationUri: 'arn', functionName, payloadFormatVersion: '1.0', timeoutInMillis, source: 'test',
});
const noDispatcher = () => assert.fail('no HTTP call expected');

test('parseLambdaResult: statusCode, body and headers of an object result', () => {
  assert.deepEqual(parseLambdaResult({ statusCode: 401, body: 'no', headers: { 'Sec-WebSocket-Protocol': 'p', n: 1, bad: { x: 1 } } }), {
    statusCode: 401, body: 'no', headers: { 'Sec-WebSocket-Protocol': 'p', n: '1' },
  });
  assert.deepEqual(parseLambdaResult({ statusCode: '204' }), { statusCode: 204, headers: {} });
  assert.deepEqual(parseLambdaResult({ body: { a: 1 } }), { body: '{"a":1}', headers: {} });
  assert.deepEqual(parseLambdaResult({ body: 'AQID', isBase64Encoded: true }), { body: Buffer.from([1, 2, 3]), headers: {} });
});

test('parseLambdaResult: anything but an object answers 200 with nothing to send', () => {
  for (const payload of [null, 'text', 42, [1]]) assert.deepEqual(parseLambdaResult(payload), {});
});

test('parseLambdaResult: a statusCode that is not an HTTP status is a malformed response (502)', () => {
  for (const statusCode of ['abc', 42, 600, 200.5, '2000']) {
    assert.throws(() => parseLambdaResult({ statusCode }), (err: unknown) => err instanceof WsIntegrationError && err.kind === 'malformed-response' && err.status === 502);
  }
});

test('Lambda: resolves the function name from stage variables and returns the parsed result', async () => {
  const runtime = fakeRuntime(() => Promise.resolve({ ok: true, payload: { statusCode: 200, body: 'hi' } }));
  const integrate = createWsIntegration(lambda('fn-${stageVariables.v}'), { runtime, dispatcher: noDispatcher });
  assert.deepEqual(await integrate(invocation({ v: 'blue' })), { statusCode: 200, body: 'hi', headers: {} });
  assert.deepEqual(runtime.called, ['fn-blue']);
});

test('Lambda: a function error is a function-error (502); an unknown function a configuration error', async () => {
  const runtime = fakeRuntime(() => Promise.resolve({ ok: false, kind: 'handler-error', errorType: 'Error', errorMessage: 'boom', trace: [] }));
  const failing = createWsIntegration(lambda('fn'), { runtime, dispatcher: noDispatcher });
  await assert.rejects(failing(invocation()), (err: unknown) => err instanceof WsIntegrationError && err.kind === 'function-error' && err.status === 502 && err.code === 'PORTICO_ERR_WS_INTEGRATION');
  const missing = createWsIntegration(lambda('other'), { runtime, dispatcher: noDispatcher });
  await assert.rejects(missing(invocation()), (err: unknown) => err instanceof WsIntegrationError && err.kind === 'configuration');
});

test('Lambda: past the integration timeout the invocation is aborted and the failure is a timeout (504)', async () => {
  const runtime = fakeRuntime(
    (signal) => new Promise((resolve) => signal?.addEventListener('abort', () => resolve({ ok: false, kind: 'aborted', errorType: 'AbortError', errorMessage: 'aborted', trace: [] }))),
  );
  const integrate = createWsIntegration(lambda('fn', 20), { runtime, dispatcher: noDispatcher });
  await assert.rejects(integrate(invocation()), (err: unknown) => err instanceof WsIntegrationError && err.kind === 'timeout' && err.status === 504);
});

test('the timeout never exceeds the 29 s WebSocket limit, and wraps any integration', async () => {
  let seen: AbortLike | undefined;
  const wrapped = withTimeout(10, (_inv, signal) => {
    seen = signal;
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  });
  await assert.rejects(wrapped(invocation()), (err: unknown) => err instanceof WsIntegrationError && err.kind === 'timeout');
  assert.equal(seen?.aborted, true);
});

test('MOCK answers 200 with its responseBody, or nothing', async () => {
  const deps = { runtime: fakeRuntime(() => assert.fail()), dispatcher: noDispatcher };
  const base = { integrationId: 'm', timeoutInMillis: 29_000, source: 'test' } as const;
  assert.deepEqual(await createWsIntegration({ ...base, integrationType: 'MOCK', responseBody: '{"pong":true}' }, deps)(invocation()), { statusCode: 200, body: '{"pong":true}' });
  assert.deepEqual(await createWsIntegration({ ...base, integrationType: 'MOCK' }, deps)(invocation()), { statusCode: 200 });
});
