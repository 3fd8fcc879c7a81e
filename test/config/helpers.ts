/**
 * Helpers for loader tests: write a project, load it, and look for located errors.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { loadProject } from '../../src/config/load-project.ts';
import { ConfigError, ConfigErrors } from '../../src/errors/index.ts';
import type { HttpApi, Method, Project, Resource, RestApi } from '../../src/model/index.ts';
import { writeProject } from '../helpers/gateway.ts';

/** A Lambda handler file every test project gets as `h.mjs` (handler `h.handler`). */
export const HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "ok" });\n';

/** The API Gateway form of a Lambda integration URI, as AWS exports write it. */
export const ARN = (fn: string): string =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/**
 * A template tag that drops the first (empty) line and the common indentation, so line 1 of
 * the file is the first line written and line numbers in tests can be read off the source.
 */
export function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '\n').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** Writes the files (plus `h.mjs`) to a temp dir and loads it. */
export function load(t: TestContext, files: Record<string, string>): { dir: string; project: Project } {
  const dir = writeProject(t, { 'h.mjs': HANDLER, ...files });
  return { dir, project: loadProject(dir) };
}

/** Writes the files (plus `h.mjs`), loads them, and returns the errors of the ConfigErrors thrown. */
export function loadErrors(t: TestContext, files: Record<string, string>): readonly ConfigError[] {
  const dir = writeProject(t, { 'h.mjs': HANDLER, ...files });
  let thrown: unknown;
  try {
    loadProject(dir);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof ConfigErrors, `expected ConfigErrors, got ${thrown === undefined ? 'a successful load' : String(thrown)}`);
  assert.equal(thrown.code, 'PORTICO_ERR_CONFIG_INVALID');
  assert.ok(thrown.errors.length > 0, 'ConfigErrors without errors');
  for (const e of thrown.errors) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'PORTICO_ERR_CONFIG_INVALID');
    assert.ok(e.file.startsWith(dir + '/'), `error file ${e.file} is not in the project directory`);
    assert.ok(e.jsonPath.startsWith('$'), `JSON path ${e.jsonPath} does not start with $`);
    assert.equal(e.message, `${e.file}: ${e.jsonPath}: ${e.reason}`);
  }
  return thrown.errors;
}

/** Asserts that one of `errors` is at `at` (`file:line`, relative), at `jsonPath`, with a reason matching `reason`. */
export function assertError(errors: readonly ConfigError[], at: string, jsonPath: string, reason: RegExp): void {
  const found = errors.some((e) => e.file.endsWith(`/${at}`) && e.jsonPath === jsonPath && reason.test(e.reason));
  assert.ok(found, `no error at ${at} ${jsonPath} matching ${String(reason)}; got:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
}

/** Loads the files and asserts that exactly one error is reported, as described. */
export function expectOneError(t: TestContext, files: Record<string, string>, at: string, jsonPath: string, reason: RegExp): ConfigError {
  const errors = loadErrors(t, files);
  assertError(errors, at, jsonPath, reason);
  assert.equal(errors.length, 1, `expected one error, got:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  return errors[0] as ConfigError;
}

/** The API at `index`, which must be an HTTP API. */
export function httpApi(project: Project, index = 0): HttpApi {
  const api = project.apis[index];
  assert.ok(api && api.protocolType === 'HTTP', `apis[${index}] is an HTTP API`);
  return api;
}

/** The API at `index`, which must be a REST API. */
export function restApi(project: Project, index = 0): RestApi {
  const api = project.apis[index];
  assert.ok(api && api.protocolType === 'REST', `apis[${index}] is a REST API`);
  return api;
}

/** The resource of a REST API at `path` (`/pets/{petId}`). */
export function resourceAt(api: RestApi, path: string): Resource {
  const r = api.resources.find((x) => x.path === path);
  assert.ok(r, `no resource ${path}; resources: ${api.resources.map((x) => x.path).join(', ')}`);
  return r;
}

/** The method `httpMethod` of the resource at `path`. */
export function methodAt(api: RestApi, path: string, httpMethod: string): Method {
  const m = resourceAt(api, path).resourceMethods[httpMethod];
  assert.ok(m, `no ${httpMethod} on ${path}`);
  return m;
}
