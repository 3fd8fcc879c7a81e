/** The project files shown in README.md and docs/project-file.md load as shown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadProject } from '../../src/config/load-project.ts';
import { writeProject } from '../helpers/gateway.ts';
import { httpApi } from './helpers.ts';

const yamlBlocks = (file: string): string[] => {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
};
const firstYamlBlock = (file: string): string => {
  const block = yamlBlocks(file)[0];
  assert.ok(block, `${file} has a yaml block`);
  return block;
};

const handler = 'export const handler = async () => ({ ok: true });';

test("README's first example loads", (t) => {
  const dir = writeProject(t, { 'portico.yaml': firstYamlBlock('README.md'), 'handlers/hello.mjs': handler });
  const project = loadProject(dir);
  assert.deepEqual(project.apis.map((a) => ('routes' in a ? a.routes.map((r) => r.routeKey) : [])), [['GET /hello/{name}']]);
});

test("docs/project-file.md's example loads", (t) => {
  const dir = writeProject(t, {
    'portico.yaml': firstYamlBlock('docs/project-file.md'),
    'handlers/hello.mjs': handler,
    'pets.openapi.yaml': 'openapi: 3.0.1\ninfo: { title: pets, version: "1" }\npaths: {}\n',
  });
  const project = loadProject(dir);
  assert.deepEqual(project.apis[0]?.stages.map((s) => s.stageName), ['dev', 'prod']);
  assert.equal(httpApi(project).routes.length, 3);
});

test("README's tour of the project file loads", (t) => {
  const tour = yamlBlocks('README.md')[1];
  assert.ok(tour);
  const arn = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations';
  const dir = writeProject(t, {
    'portico.yaml': tour,
    'handlers/hello.mjs': handler,
    'pets.openapi.yaml': `openapi: 3.0.1\ninfo: { title: pets, version: "1" }\npaths:\n  /pets:\n    post:\n      x-amazon-apigateway-integration: { type: aws_proxy, uri: "${arn}" }\n`,
  });
  assert.equal(httpApi(loadProject(dir)).routes.length, 3);
});
