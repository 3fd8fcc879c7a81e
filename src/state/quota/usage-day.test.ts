import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageDay } from './types.ts';

test('usageDay: the UTC day, across midnight both ways and far apart', () => {
  const midnight = Date.UTC(2026, 11, 8);
  assert.equal(usageDay(midnight - 1), '2026-12-07');
  assert.equal(usageDay(midnight), '2026-12-08');
  assert.equal(usageDay(midnight + 86_399_999), '2026-12-08');
  assert.equal(usageDay(midnight + 86_400_000), '2026-12-09');
  assert.equal(usageDay(midnight - 1), '2026-12-07', 'an earlier instant after a later one');
  assert.equal(usageDay(0), '1970-01-01');
  assert.equal(usageDay(Date.UTC(2024, 1, 29, 12)), '2024-02-29');
  for (let ms = midnight - 5 * 3_600_000; ms < midnight + 5 * 3_600_000; ms += 997_003) {
    assert.equal(usageDay(ms), new Date(ms).toISOString().slice(0, 10), String(ms));
  }
});
