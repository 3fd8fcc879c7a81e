import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC_BEGIN, DOC_END, schemaReference } from '../../src/config/schema-doc.ts';

test('docs/project-file.md carries the reference generated from the schema (run `npm run docs` after a schema change)', () => {
  const text = readFileSync(new URL('../../docs/project-file.md', import.meta.url), 'utf8');
  const start = text.indexOf(DOC_BEGIN);
  const end = text.indexOf(DOC_END);
  assert.ok(start >= 0 && end > start, 'markers present');
  assert.equal(text.slice(start + DOC_BEGIN.length, end).trim(), schemaReference().trim());
});

test('every key of the schema has a description', () => {
  for (const row of schemaReference().split('\n').slice(2)) {
    const cells = row.split(' | ');
    assert.notEqual(cells[cells.length - 1]?.replace(/\s*\|$/, '').trim(), '', `no description: ${row}`);
  }
});
