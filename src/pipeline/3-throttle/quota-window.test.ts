import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quotaLimit, quotaWindow } from './quota-window.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (w: { startMs: number; endMs: number }): [string, string] => [new Date(w.startMs).toISOString(), new Date(w.endMs).toISOString()];

test('DAY is the UTC calendar day holding the instant', () => {
  assert.deepEqual(iso(quotaWindow('DAY', at('2024-03-10T15:30:00Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('DAY', at('2024-03-10T00:00:00Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('DAY', at('2024-03-10T23:59:59.999Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('DAY', at('2024-12-31T23:00:00Z'))), ['2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
});

test('WEEK runs from Sunday 00:00 UTC to the next Sunday', () => {
  // 2024-03-10 is a Sunday.
  assert.deepEqual(iso(quotaWindow('WEEK', at('2024-03-10T00:00:00Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-17T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('WEEK', at('2024-03-13T12:00:00Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-17T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('WEEK', at('2024-03-16T23:59:59.999Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-17T00:00:00.000Z']);
  // A week across a month and a year boundary.
  assert.deepEqual(iso(quotaWindow('WEEK', at('2025-01-01T08:00:00Z'))), ['2024-12-29T00:00:00.000Z', '2025-01-05T00:00:00.000Z']);
});

test('MONTH is the UTC calendar month, whatever its length', () => {
  assert.deepEqual(iso(quotaWindow('MONTH', at('2024-02-29T23:59:59.999Z'))), ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('MONTH', at('2023-02-15T00:00:00Z'))), ['2023-02-01T00:00:00.000Z', '2023-03-01T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('MONTH', at('2024-12-31T23:59:59.999Z'))), ['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  assert.deepEqual(iso(quotaWindow('MONTH', at('2024-01-01T00:00:00Z'))), ['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z']);
});

test('UTC decides, not the local time zone', () => {
  const before = process.env['TZ'];
  try {
    process.env['TZ'] = 'Pacific/Kiritimati'; // UTC+14
    assert.deepEqual(iso(quotaWindow('DAY', at('2024-03-10T15:30:00Z'))), ['2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z']);
  } finally {
    if (before === undefined) delete process.env['TZ'];
    else process.env['TZ'] = before;
  }
});

test('the offset is subtracted in the period the plan was created in, and only there', () => {
  const quota = { limit: 100, offset: 30, period: 'DAY' as const };
  const created = at('2024-03-10T15:00:00Z');
  assert.equal(quotaLimit(quota, quotaWindow('DAY', at('2024-03-10T18:00:00Z')), created), 70);
  assert.equal(quotaLimit(quota, quotaWindow('DAY', at('2024-03-11T01:00:00Z')), created), 100);
  assert.equal(quotaLimit({ ...quota, offset: 0 }, quotaWindow('DAY', created), created), 100);
});

test('an offset above the limit leaves nothing for the initial period, never a negative limit', () => {
  const now = at('2024-03-10T15:00:00Z');
  assert.equal(quotaLimit({ limit: 5, offset: 9, period: 'MONTH' }, quotaWindow('MONTH', now), now), 0);
});
