import assert from 'node:assert/strict';
import { test } from 'node:test';
import { essence, firstAccept, isBinaryMediaType, mediaTypeMatches } from './media-types.ts';

test('essence drops parameters and lower-cases', () => {
  assert.equal(essence('Application/JSON; charset=utf-8'), 'application/json');
  assert.equal(essence(undefined), '');
});

test('firstAccept takes only the first media type, as AWS does', () => {
  assert.equal(firstAccept('image/png, application/json;q=0.9'), 'image/png');
  assert.equal(firstAccept('text/html;q=1'), 'text/html');
});

test('binary media types match exactly, by type wildcard and by */*', () => {
  assert.ok(mediaTypeMatches('image/png', 'image/*'));
  assert.ok(!mediaTypeMatches('application/png', 'image/*'));
  assert.ok(isBinaryMediaType('image/png', ['application/octet-stream', 'image/png']));
  assert.ok(isBinaryMediaType('text/plain', ['*/*']));
  assert.ok(!isBinaryMediaType('', ['*/*']));
  assert.ok(!isBinaryMediaType('image/png', []));
});
