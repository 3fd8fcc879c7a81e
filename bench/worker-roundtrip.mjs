// `node bench/worker-roundtrip.mjs`: the main thread's CPU per invocation round trip over worker
// MessagePorts, as lambda/pool.ts does it (4 workers, one invocation in flight each, a 2.0-sized
// event as JSON text, a small result back). Nothing else runs, so this is the floor under
// portico's Lambda and WebSocket rows (docs/performance.md).
import { Worker } from 'node:worker_threads';

const WORKERS = 4;
const N = 200_000;
const event = JSON.stringify({
  version: '2.0',
  routeKey: 'GET /lambda',
  rawPath: '/lambda',
  rawQueryString: '',
  headers: { host: '127.0.0.1:4100', 'user-agent': 'wrk', accept: '*/*', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-port': '4100', 'x-forwarded-proto': 'http' },
  requestContext: { accountId: '123456789012', apiId: 'abcdef', http: { method: 'GET', path: '/lambda', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'wrk' }, requestId: 'abc', routeKey: 'GET /lambda', stage: '$default', timeEpoch: 1 },
  isBase64Encoded: false,
});
const WORKER = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  JSON.parse(m.event);
  parentPort.postMessage({ t: 'result', id: m.id, payload: JSON.stringify({ statusCode: 200, body: '{"ok":true}' }) });
});`;

let started = 0;
let done = 0;
let cpu0;
let wall0 = 0;
const send = (worker) => {
  if (started < N) worker.postMessage({ id: started++, requestId: 'r', event, timeoutMs: 3000 });
};
const workers = Array.from({ length: WORKERS }, () => {
  const worker = new Worker(WORKER, { eval: true });
  worker.on('message', (m) => {
    JSON.parse(m.payload);
    if (++done < N) send(worker);
    else {
      const c = process.cpuUsage(cpu0);
      const per = (us) => (us / N).toFixed(1);
      process.stdout.write(`main-thread CPU per round trip: ${per(c.user + c.system)} µs (user ${per(c.user)}, system ${per(c.system)}); ${Math.round(N / ((Date.now() - wall0) / 1000))} round trips/s\n`);
      process.exit(0);
    }
  });
  return worker;
});
setTimeout(() => {
  cpu0 = process.cpuUsage();
  wall0 = Date.now();
  for (const w of workers) send(w);
}, 300);
