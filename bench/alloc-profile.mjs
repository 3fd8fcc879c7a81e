// `node bench/alloc-profile.mjs URL [PROJECT_DIR]` (after `npm run build`, with the bench project
// copied to PROJECT_DIR with its ports filled in, default /tmp/bp): serves it in-process, loads URL
// with wrk (H="name: value" adds a request header, e.g. an API key), and prints the bytes allocated per request by the innermost portico frame (V8's
// sampling heap profiler, counting objects the GC has already collected). docs/performance.md.
import { Session } from 'node:inspector/promises';
import { spawn, spawnSync } from 'node:child_process';
import { pino } from 'pino';
const { loadProject } = await import('../dist/config/load-project.js');
const { Gateway } = await import('../dist/server/gateway.js');
const gw = await Gateway.start(loadProject(process.argv[3] ?? '/tmp/bp'), { port: 4100, logger: pino({ base: null }, { write() {} }) });
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
const url = process.argv[2];
spawnSync('wrk', ['-t1', '-c50', '-d2s', ...(process.env.H ? ['-H', process.env.H] : []), url]);
await s.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
const w = spawn('wrk', ['-t1', '-c50', '-d5s', ...(process.env.H ? ['-H', process.env.H] : []), url]); let out = ''; w.stdout.on('data', (d) => (out += d));
await new Promise((r) => w.on('close', r));
const { profile } = await s.post('HeapProfiler.stopSampling');
const n = Number(/(\d+) requests in/.exec(out)?.[1]);
const acc = new Map(); let total = 0;
const walk = (node, stack) => { const f = node.callFrame; const here = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber}`; const st = [...stack, here]; total += node.selfSize; const d = [...st].reverse().find((x) => x.includes('dist/')) ?? `[node] ${here}`; acc.set(d, (acc.get(d) ?? 0) + node.selfSize); for (const c of node.children) walk(c, st); };
walk(profile.head, []);
console.log(`${n} requests, ${(total / n).toFixed(0)} bytes allocated per request`);
for (const [k, v] of [...acc].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log(`${(v / n).toFixed(0).padStart(6)} B/req  ${k}`);
await gw.close(); process.exit(0);
