/**
 * WebSocket e2e helpers: a real `ws` client that queues what it receives, and a "sink" HTTP
 * server the Lambda handler fixtures POST their events to, so a test can wait for an event
 * (even `$disconnect`'s, whose result nobody sees) instead of sleeping.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';

export type Json = Record<string, unknown>;

/** What a handler fixture posted: the function's name and the event it got. */
export interface Recorded {
  readonly fn: string;
  readonly event: Json & { requestContext: Json & { connectionId: string; eventType: string; routeKey: string } };
}

export interface Sink {
  /** `http://127.0.0.1:{port}/`, for the functions' `SINK` variable. */
  readonly url: string;
  readonly records: Recorded[];
  /** Resolves with the first record (already received or still to come) matching `pred`. */
  waitFor(pred: (r: Recorded) => boolean): Promise<Recorded>;
}

/** Starts the sink; closed after the test. */
export async function startSink(t: TestContext): Promise<Sink> {
  const records: Recorded[] = [];
  const waiters: { pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record = JSON.parse(Buffer.concat(chunks).toString()) as Recorded;
      records.push(record);
      for (const w of [...waiters]) {
        if (w.pred(record)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    records,
    waitFor(pred) {
      const found = records.find(pred);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** The statement a handler fixture uses to report its event: `await record('name', event)`. */
export const RECORD_JS = `const record = (fn, event) => fetch(process.env.SINK, { method: 'POST', body: JSON.stringify({ fn, event }) });`;

export interface Client {
  readonly ws: WebSocket;
  /** The subprotocol the server chose (`''` for none). */
  readonly protocol: string;
  /** The next message received (text as a string, binary as a Buffer). */
  next(): Promise<string | Buffer>;
  /** Resolves when the connection is closed, with the code and reason the server sent. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** A handshake the server refused. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: IncomingHttpHeaders,
  ) {
    super(`refused with ${status}`);
  }
}

/** Opens a connection; rejects with {@link Refused} when the server answers without a 101. */
export function open(t: TestContext, url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<Client> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const queue: (string | Buffer)[] = [];
  const takers: ((m: string | Buffer) => void)[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const m = isBinary ? data : data.toString('utf8');
    const taker = takers.shift();
    if (taker) taker(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  t.after(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new Refused(res.statusCode ?? 0, Buffer.concat(chunks).toString(), res.headers)));
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        protocol: ws.protocol,
        closed,
        next: () => (queue.length > 0 ? Promise.resolve(queue.shift() as string | Buffer) : new Promise((r) => takers.push(r))),
      }),
    );
  });
}

/** Resolves with the rejection of `promise` (fails if it resolves). */
export async function refusal(promise: Promise<unknown>): Promise<Refused> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Refused) return err;
    throw err;
  }
  throw new Error('the handshake was accepted');
}
