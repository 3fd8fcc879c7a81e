import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { heapGrowingPercent, youngGenerationMb } from './heap-tuning.ts';

const MODULE = fileURLToPath(new URL('./heap-tuning.ts', import.meta.url));

/**
 * Runs `body` in a fresh Node process (V8 flags are process-wide) with the module imported as
 * `yg`; `ns()` is the new space's size in MB. Returns what the script printed, parsed.
 */
function run(body: string): Record<string, number> {
  const script = `
    import v8 from 'node:v8';
    import { Worker } from 'node:worker_threads';
    const yg = await import(${JSON.stringify(MODULE)});
    const ns = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    // Garbage with survivors: what makes V8 grow the new space.
    const churn = () => { let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 20000) keep = keep.slice(10000); } };
    const out = {};
    ${body}
    process.stdout.write(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Record<string, number>;
}

test('capYoungGeneration: the new space grows to the cap now and no further under churn', () => {
  const out = run(`
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    out.before = ns();
    out.capped = yg.capYoungGeneration(8) / 1048576;
    churn();
    out.after = ns();`);
  assert.ok(out.before! < 8, `started at ${out.before} MB`);
  assert.ok(out.capped! >= 8 && out.capped! <= 16, `grew to ${out.capped} MB`);
  assert.equal(out.after, out.capped, 'churn did not grow it');
});

test('without the cap the same churn grows it past the cap (the test above can fail)', () => {
  const out = run(`churn(); out.after = ns();`);
  assert.ok(out.after! > 16, `V8 grew it to ${out.after} MB`);
});

test('a worker thread resets V8 flags; reapplyHeapTuning keeps the cap', () => {
  const out = run(`
    yg.capYoungGeneration(8);
    const start = () => new Promise((resolve) => { const w = new Worker('setTimeout(() => {}, 50)', { eval: true }); w.once('online', () => resolve(w)); });
    await start();
    yg.reapplyHeapTuning();
    churn();
    out.reheld = ns();
    await start();
    churn();
    out.reset = ns();`);
  assert.ok(out.reheld! <= 16, `with rehold: ${out.reheld} MB`);
  assert.ok(out.reset! > out.reheld!, `a worker start without rehold let it grow (${out.reset} MB)`);
});

test('youngGenerationMb: PORTICO_YOUNG_GENERATION_MB, 0 keeps V8 default, junk falls back', () => {
  assert.equal(youngGenerationMb({}), 8);
  assert.equal(youngGenerationMb({ PORTICO_YOUNG_GENERATION_MB: '16' }), 16);
  assert.equal(youngGenerationMb({ PORTICO_YOUNG_GENERATION_MB: '0' }), 0);
  assert.equal(youngGenerationMb({ PORTICO_YOUNG_GENERATION_MB: 'lots' }), 8);
  assert.equal(youngGenerationMb({ PORTICO_YOUNG_GENERATION_MB: '-1' }), 8);
});

test('heapGrowingPercent: PORTICO_HEAP_GROWING_PERCENT, 0 keeps V8 heuristics, junk falls back', () => {
  assert.equal(heapGrowingPercent({}), 50);
  assert.equal(heapGrowingPercent({ PORTICO_HEAP_GROWING_PERCENT: '20' }), 20);
  assert.equal(heapGrowingPercent({ PORTICO_HEAP_GROWING_PERCENT: '0' }), 0);
  assert.equal(heapGrowingPercent({ PORTICO_HEAP_GROWING_PERCENT: 'x' }), 50);
});

test('limitOldGenerationGrowth: old garbage is collected near the live size (and re-applied after a worker start)', () => {
  // Live data of ~20 MB and a stream of promoted garbage: the old space's peak follows the limit.
  const churnOld = `
    const live = Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'x'.repeat(40) + i }));
    let peak = 0;
    for (let round = 0; round < 60; round++) {
      let hold = [];
      for (let i = 0; i < 40_000; i++) hold.push({ i, a: [i, i, i] });
      for (let k = 0; k < 3; k++) { let junk = []; for (let i = 0; i < 100_000; i++) junk.push([i]); }
      const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
      if (old > peak) peak = old;
      hold = null;
    }
    out.peak = peak / 1048576; out.live = live.length;`;
  const limited = run(`
    yg.limitOldGenerationGrowth(20);
    await new Promise((resolve) => { const w = new Worker('0', { eval: true }); w.once('online', () => { yg.reapplyHeapTuning(); resolve(w.terminate()); }); });
    ${churnOld}`);
  const plain = run(churnOld);
  assert.ok(limited.peak! < plain.peak!, `old space peak ${limited.peak} MB limited, ${plain.peak} MB with V8's heuristics`);
});

test('releaseYoungGeneration: after a hold, V8 grows the new space again', () => {
  const out = run(`
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    yg.releaseYoungGeneration();
    churn();
    out.after = ns();`);
  assert.ok(out.after! > 16, `grew to ${out.after} MB`);
});
