#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test (+ tsx). Node 20's --test takes no
// glob patterns, so the files are found here. Extra arguments are passed to node --test
// (e.g. `npm run test:only -- --test-name-pattern=CORS`); file arguments narrow the run.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const find = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    return statSync(path).isDirectory() ? find(path) : name.endsWith('.test.ts') ? [path] : [];
  });

const args = process.argv.slice(2);
const fileArgs = args.filter((a) => a.endsWith('.ts'));
const flags = args.filter((a) => !a.endsWith('.ts'));
const files = fileArgs.length ? fileArgs : ['src', 'test'].flatMap((d) => find(join(root, d))).map((f) => relative(root, f)).sort();

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
