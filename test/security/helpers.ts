/**
 * Shared pieces of the hostile suite (test/security/): a Lambda handler that records every
 * invocation in a file of the project directory (so a test can prove the integration was never
 * reached), a raw HTTP client that returns exactly what came back, an SDK signer for
 * `execute-api`, and the refusal assertions. Each case asserts status, exact body, AWS's
 * headers where AWS sends them, and the invocation count. The table in docs/security.md lists
 * the same cases: keep both in sync.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { startGateway, writeProject, type TestGateway } from '../helpers/gateway.ts';

/** The Lambda integration URI of a portico.yaml function. */
export const lambdaUri = (fn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

/**
 * The integration every protected route uses: appends one line per invocation to
 * `invocations.log` beside portico.yaml, then answers 200 `reached`.
 */
export const RECORDER_JS = `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(new URL('../invocations.log', import.meta.url), (event.rawPath ?? event.path ?? '?') + '\\n');
  return { statusCode: 200, body: 'reached' };
};
`;

/** A gateway serving `files` (plus `fns/recorder.mjs`), and how often the recorder ran. */
export interface Served extends TestGateway {
  readonly dir: string;
  /** Invocations of the recorder so far. */
  readonly invocations: () => number;
}

/** Writes the project (the recorder included) and starts it. */
export async function serve(t: TestContext, files: Record<string, string>): Promise<Served> {
  const dir = writeProject(t, { 'fns/recorder.mjs': RECORDER_JS, ...files });
  const gw = await startGateway(t, dir);
  const log = join(dir, 'invocations.log');
  return { ...gw, dir, invocations: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length : 0) };
}

/** What came back, as received. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One request; `headers` as a list keeps repeated names apart. */
export async function send(base: string, path: string, opts: { method?: string; headers?: Record<string, string> | string[]; body?: string } = {}): Promise<Reply> {
  const res = await request(base + path, { method: (opts.method ?? 'GET') as 'GET', ...(opts.headers ? { headers: opts.headers } : {}), ...(opts.body !== undefined ? { body: opts.body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Asserts a refusal: status, exact body, the given headers (undefined = must be absent), and no invocation. */
export function assertRefused(served: Served, before: number, res: Reply, status: number, body: string, headers: Record<string, string | undefined> = {}): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.text, body);
  for (const [name, value] of Object.entries(headers)) assert.equal(res.headers[name], value, name);
  assert.equal(served.invocations(), before, 'the integration must not be invoked');
}

/** An IAM key pair. */
export interface Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request signed by the AWS SDK's signer, ready to send. */
export interface Signed {
  readonly method: string;
  /** Path plus the query the signer saw, encoded as SDKs send it. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Options of {@link sign}: what is signed and how. */
export interface SignOptions {
  readonly method?: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly key: Key;
  readonly region?: string;
  readonly service?: string;
  readonly signingDate?: Date;
  /** Headers the signer must leave out of SignedHeaders. */
  readonly unsigned?: readonly string[];
  /** Presign (query placement) for this many seconds instead of an Authorization header. */
  readonly presignSeconds?: number;
}

/** The query string as SDKs encode it (RFC 3986; a space is %20). */
export function encodeQuery(query: Record<string, string | string[] | null | undefined>): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const value of Array.isArray(v) ? v : [v ?? '']) pairs.push(`${rfc3986(k)}=${rfc3986(value)}`);
  }
  return pairs.length ? `?${pairs.join('&')}` : '';
}

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Signs (or presigns) a request for `execute-api` with `@smithy/signature-v4`, as every SDK client does. */
export async function sign(base: string, o: SignOptions): Promise<Signed> {
  const url = new URL(base);
  const signer = new SignatureV4({ credentials: o.key, region: o.region ?? 'us-east-1', service: o.service ?? 'execute-api', sha256: Sha256 });
  const req = {
    method: o.method ?? 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: o.path,
    query: o.query ?? {},
    headers: { host: url.host, ...(o.headers ?? {}) },
    ...(o.body !== undefined ? { body: o.body } : {}),
  };
  const options = { ...(o.signingDate ? { signingDate: o.signingDate } : {}), ...(o.unsigned ? { unsignableHeaders: new Set(o.unsigned) } : {}) };
  const signed = o.presignSeconds === undefined ? await signer.sign(req, options) : await signer.presign(req, { ...options, expiresIn: o.presignSeconds });
  return { method: signed.method, url: signed.path + encodeQuery(signed.query ?? {}), headers: signed.headers, ...(o.body !== undefined ? { body: o.body } : {}) };
}

/** Sends a signed request (after the test's tampering). */
export function sendSigned(base: string, s: Signed): Promise<Reply> {
  return send(base, s.url, { method: s.method, headers: s.headers, ...(s.body !== undefined ? { body: s.body } : {}) });
}

/** Writes `text` on a fresh connection and returns everything read until the server closes it. */
export function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5000, () => socket.destroy(new Error('no close within 5 s')));
  });
}
