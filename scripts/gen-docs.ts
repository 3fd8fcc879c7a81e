// Rewrites the generated reference in docs/project-file.md from the project schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { DOC_BEGIN, DOC_END, schemaReference } from '../src/config/schema-doc.ts';

const file = new URL('../docs/project-file.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const start = text.indexOf(DOC_BEGIN);
const end = text.indexOf(DOC_END);
if (start < 0 || end < start) throw new Error('docs/project-file.md lacks the generated-reference markers');
writeFileSync(file, `${text.slice(0, start + DOC_BEGIN.length)}\n${schemaReference()}\n${text.slice(end)}`);
console.log('docs/project-file.md: reference regenerated');
