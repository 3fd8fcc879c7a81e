import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { accessLine, formatAccessLinesFor, writeAccessRecord, type AccessRecord } from './access-line.ts';

/** What pino itself writes for `info(record)` on `pino({ base: null }).child({ log: 'access' })`. */
function pinoLine(record: AccessRecord): string {
  let out = '';
  const logger = pino({ base: null }, { write: (line: string) => void (out += line) }).child({ log: 'access' });
  logger.info(record);
  return out;
}

/** pino's line with its time replaced by `time`, to compare with one formatted at a known time. */
const atTime = (line: string, time: number): string => line.replace(/"time":\d+/, `"time":${time}`);

const RECORDS: AccessRecord[] = [
  { requestId: 'x3ZfsN2bkjB8oBw=', api: 'bench', apiId: '1e95vasj0o', stage: '$default', routeKey: 'GET /proxy', method: 'GET', path: '/proxy', status: 200, latency: 10.29, integrationLatency: 9.29, ip: '127.0.0.1', userAgent: 'curl/7.88.1' },
  // Strings a client controls: quotes, backslashes, control characters, non-ASCII; long ones.
  { path: '/a"b\\c\n\r\t\u0001\u007f', userAgent: 'é ü 漢字 🙂', long: 'y'.repeat(300) + '"', empty: '' },
  // null, integers, decimals, negative zero, exponents, and values pino prints as null; undefined members are left out.
  { integrationLatency: null, status: 0, latency: 0.1, neg: -0, big: 1e21, small: 1.5e-7, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, gone: undefined, errorMessage: 'Function error' },
  {},
];

test('accessLine: byte for byte what pino writes for the same record', () => {
  for (const record of RECORDS) {
    const time = 1796695577807;
    assert.equal(accessLine(record, ',"log":"access"', time), atTime(pinoLine(record), time), JSON.stringify(record));
  }
});

test('accessLine: a lone surrogate is escaped (well-formed JSON), where pino writes it raw', () => {
  const line = accessLine({ errorMessage: 'a\ud800b' }, '', 1);
  assert.equal(line, '{"level":30,"time":1,"errorMessage":"a\\ud800b"}\n');
  assert.equal((JSON.parse(line) as { errorMessage: string }).errorMessage, 'a\ud800b');
});

test('writeAccessRecord: through pino unless the logger was registered; registered lines go to the destination', () => {
  const viaPino: string[] = [];
  const direct: string[] = [];
  const logger = pino({ base: null }, { write: (line: string) => void viaPino.push(line) }).child({ log: 'access' });
  writeAccessRecord(logger, { status: 200 });
  assert.equal(viaPino.length, 1);
  formatAccessLinesFor(logger, (line) => direct.push(line));
  writeAccessRecord(logger, { status: 201, path: '/x' });
  assert.equal(viaPino.length, 1, 'no longer through pino');
  assert.equal(direct.length, 1);
  assert.deepEqual(JSON.parse(direct[0] as string), { ...JSON.parse(atTime(pinoLine({ status: 201, path: '/x' }), 0)), time: (JSON.parse(direct[0] as string) as { time: number }).time });
  assert.ok(Math.abs((JSON.parse(direct[0] as string) as { time: number }).time - Date.now()) < 5000);
});

test('formatAccessLinesFor: a logger above info level keeps pino (which drops the lines)', () => {
  const out: string[] = [];
  const quiet = pino({ base: null, level: 'warn' }, { write: (line: string) => void out.push(line) }).child({ log: 'access' });
  const direct: string[] = [];
  formatAccessLinesFor(quiet, (line) => direct.push(line));
  writeAccessRecord(quiet, { status: 200 });
  assert.deepEqual([out, direct], [[], []]);
});
