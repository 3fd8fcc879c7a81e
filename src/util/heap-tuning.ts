/**
 * The main thread's V8 heap, sized for a gateway: many small requests whose objects die young.
 * https://v8.dev/blog/trash-talk
 *
 * - **Young generation capped** (default 8 MB). Under load V8 grows a Node process's new space
 *   to 16 MB semi-spaces (32 MB); a request's garbage is collected as well in a few MB, and a
 *   smaller space stays in the CPU caches: RSS 205–213 → 141–153 MB on the benchmark's Lambda
 *   row and 139 → 103 MB on HTTP_PROXY, at the same or better req/s. The heap's maximum is fixed
 *   when the process starts, but V8 reads the growth factor at each growth, so growth is made
 *   here up to the cap, then turned off.
 * - **Old generation growth limited** (default 50 %). After a full collection V8 lets the old
 *   generation reach about 1.6× its live size before the next one; requests that wait on a
 *   worker or an upstream are promoted and die there, so that headroom is garbage: a full
 *   collection at 1.5× keeps the VTL row at 145–155 MB instead of 190–196, req/s within noise.
 *
 * V8 flags are process-wide (worker threads see them too), and starting a worker thread resets
 * them: the pool calls {@link reapplyHeapTuning} when a worker is online. docs/performance.md.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The new-space size (MB) at which growth stops; `PORTICO_YOUNG_GENERATION_MB=0` keeps V8's default. */
export const DEFAULT_YOUNG_GENERATION_MB = 8;
/** How far (%) the old generation may grow past its live size; `PORTICO_HEAP_GROWING_PERCENT=0` keeps V8's heuristics. */
export const DEFAULT_HEAP_GROWING_PERCENT = 50;

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

const setGrowth = (factor: number): void => setFlagsFromString(`--semi-space-growth-factor=${factor}`);

let youngHeld = false;
let growingPercent = 0;

/** Applies the tuning again (a new worker thread reset V8's flags). */
export function reapplyHeapTuning(): void {
  if (youngHeld) setGrowth(1);
  if (growingPercent > 0) setFlagsFromString(`--heap-growing-percent=${growingPercent}`);
}

/**
 * Grows the new space to about `maxMb` now, then stops its growth. V8 grows it in a scavenge
 * that finds enough survivors, and no JavaScript runs during a collection to stop it at the
 * right size, so the growth is made here, synchronously: short-lived arrays kept just long
 * enough to survive a scavenge or two, until the size is reached (a few ms, at startup).
 * Returns the new space's size (bytes).
 */
export function capYoungGeneration(maxMb: number): number {
  const cap = maxMb * 1024 * 1024;
  if (newSpaceBytes() < cap) {
    setGrowth(2);
    let keep: unknown[] = [];
    for (let i = 0; i < 5_000_000 && newSpaceBytes() < cap; i++) {
      keep.push([i, i, i, i]);
      if (keep.length >= 50_000) keep = [];
    }
  }
  setGrowth(1);
  youngHeld = true;
  return newSpaceBytes();
}

/**
 * Lets the young generation grow as V8 likes again: `bin/portico.js` holds its growth unless
 * PORTICO_YOUNG_GENERATION_MB is exactly `0`, so a `0` written otherwise (` 0`, `0.0`) ends here.
 */
export function releaseYoungGeneration(): void {
  youngHeld = false;
  setGrowth(2);
}

/** Lets the old generation grow `percent` % past its live size before a full collection. */
export function limitOldGenerationGrowth(percent: number): void {
  growingPercent = percent;
  reapplyHeapTuning();
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** The cap `portico serve` applies: PORTICO_YOUNG_GENERATION_MB, else the default. */
export function youngGenerationMb(env: NodeJS.ProcessEnv = process.env): number {
  return envNumber(env, 'PORTICO_YOUNG_GENERATION_MB', DEFAULT_YOUNG_GENERATION_MB);
}

/** The old-generation growth `portico serve` applies: PORTICO_HEAP_GROWING_PERCENT, else the default. */
export function heapGrowingPercent(env: NodeJS.ProcessEnv = process.env): number {
  return Math.round(envNumber(env, 'PORTICO_HEAP_GROWING_PERCENT', DEFAULT_HEAP_GROWING_PERCENT));
}
