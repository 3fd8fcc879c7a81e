#!/usr/bin/env node
// The CLI entry. Runs the compiled build (made by `npm run build`, which `npm ci` runs via `prepare`).
import { setFlagsFromString } from 'node:v8';

// Loading the modules would grow V8's young generation to 16–32 MB for nothing; growth is held
// here and `serve` lets it grow to a small cap afterwards (dist/util/heap-tuning.js).
if (process.env.PORTICO_YOUNG_GENERATION_MB !== '0') setFlagsFromString('--semi-space-growth-factor=1');

import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    console.error('portico: the build is missing; run `npm run build` (npm ci does it via prepare).');
    process.exit(1);
  }
  throw err;
});
