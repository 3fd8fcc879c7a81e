#!/usr/bin/env node
// The CLI entry. Runs the compiled build (made by `npm run build`, which `npm ci` runs via `prepare`).
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    console.error('portico: the build is missing; run `npm run build` (npm ci does it via prepare).');
    process.exit(1);
  }
  throw err;
});
