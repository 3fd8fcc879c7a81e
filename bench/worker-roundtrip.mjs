// `node bench/worker-roundtrip.mjs`: the process CPU per invocation round trip over worker
// MessagePorts (a 2.0-sized event as JSON text out, a small result back), nothing else running:
// the floor under portico's Lambda and WebSocket rows (docs/performance.md). Two ways:
// - one in flight per worker (4 workers): each message wakes a sleeping thread, both ways;
// - pipelined, as lambda/pool.ts does for fast functions (1 worker, 50 in flight): the worker
//   finds its next invocation waiting and never sleeps.
import { Worker } from 'node:worker_threads';

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

/** Runs N round trips with `workers` threads and `inFlight` invocations outstanding; resolves the figures. */
function run(label, workers, inFlight) {
  return new Promise((resolve) => {
    const threads = Array.from({ length: workers }, () => new Worker(WORKER, { eval: true }));
    let started = 0;
    let done = 0;
    let next = 0;
    let cpu0;
    let wall0 = 0;
    const send = (worker) => {
      if (started < N) worker.postMessage({ id: started++, requestId: 'r', event, timeoutMs: 3000 });
    };
    for (const worker of threads) {
      worker.on('message', (m) => {
        JSON.parse(m.payload);
        if (++done < N) {
          send(workers === inFlight ? worker : threads[next++ % workers]);
          return;
        }
        const c = process.cpuUsage(cpu0);
        const per = (us) => (us / N).toFixed(1);
        const line = `${label}: ${per(c.user + c.system)} µs of process CPU per round trip (user ${per(c.user)}, system ${per(c.system)}); ${Math.round(N / ((Date.now() - wall0) / 1000))} round trips/s`;
        Promise.all(threads.map((t) => t.terminate())).then(() => resolve(line));
      });
    }
    setTimeout(() => {
      cpu0 = process.cpuUsage();
      wall0 = Date.now();
      for (let i = 0; i < inFlight; i++) send(threads[i % workers]);
    }, 300);
  });
}

process.stdout.write(`${await run('one in flight per worker (4 workers)', 4, 4)}\n`);
process.stdout.write(`${await run('pipelined (1 worker, 50 in flight)', 1, 50)}\n`);
