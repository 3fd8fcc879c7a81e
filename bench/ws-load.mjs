// WebSocket load: `connections` clients, `senders` of them each keeping one message in flight
// (send, wait for the reply, send again) for `seconds`; prints round trips/s and latency.
// With `idle`, opens that many connections and waits (for RSS per connection), then exits.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const [url, mode, a, b, c] = process.argv.slice(2);

async function openMany(n) {
  const out = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

if (mode === 'idle') {
  const sockets = await openMany(Number(a));
  process.stdout.write(`open ${sockets.length}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  const [connections, senders, seconds] = [Number(a), Number(b), Number(c)];
  const sockets = await openMany(connections);
  const msg = JSON.stringify({ action: 'echo', data: 'x'.repeat(32) });
  let trips = 0;
  const lat = [];
  let running = true;
  setTimeout(() => (running = false), seconds * 1000);
  await Promise.all(sockets.slice(0, senders).map((ws) => new Promise((resolve) => {
    let t0 = 0;
    const send = () => { t0 = performance.now(); ws.send(msg); };
    ws.on('message', () => {
      trips++;
      lat.push(performance.now() - t0);
      if (running) send(); else resolve();
    });
    send();
  })));
  lat.sort((x, y) => x - y);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]?.toFixed(2);
  process.stdout.write(JSON.stringify({ rps: trips / seconds, p50: `${pct(0.5)}ms`, p99: `${pct(0.99)}ms` }) + '\n');
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}
