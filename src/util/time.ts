const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** AWS's `requestTime` format, CLF style in UTC: `12/Mar/2020:19:03:58 +0000`. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Milliseconds between two `process.hrtime.bigint()` marks. */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}
