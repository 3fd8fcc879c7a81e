/**
 * Caps the main thread's young generation. Under load V8 grows a Node process's new space to
 * 16 MB semi-spaces (32 MB of new space); portico's requests are short-lived garbage that a few
 * MB of new space collect as well, and a smaller space stays in the CPU caches: on the
 * benchmark's rows, RSS 205–213 → 141–153 MB (Lambda) and 139 → 103 MB (HTTP_PROXY) at the same
 * or better req/s (docs/performance.md). The heap's maximum is fixed when the process starts, but the growth
 * factor is read at each growth, so once the new space reaches the cap, growth is turned off.
 * V8 flags are process-wide, and starting a worker thread resets them: the pool calls
 * {@link reholdYoungGeneration} when a worker is online.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The new-space size (MB) at which growth stops; `PORTICO_YOUNG_GENERATION_MB=0` keeps V8's default. */
export const DEFAULT_YOUNG_GENERATION_MB = 8;

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

const setGrowth = (factor: number): void => setFlagsFromString(`--semi-space-growth-factor=${factor}`);

let held = false;

/** Turns growth off again if {@link capYoungGeneration} had (a new worker thread reset V8's flags). */
export function reholdYoungGeneration(): void {
  if (held) setGrowth(1);
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
  held = true;
  return newSpaceBytes();
}

/** The cap `portico serve` applies: PORTICO_YOUNG_GENERATION_MB, else the default. */
export function youngGenerationMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['PORTICO_YOUNG_GENERATION_MB'];
  const n = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_YOUNG_GENERATION_MB;
}
