/**
 * Headers AWS's front end adds before a request reaches an integration: X-Forwarded-For
 * (the client's value with the source IP appended), X-Forwarded-Port, X-Forwarded-Proto,
 * X-Amzn-Trace-Id (kept when the client sent one) and, for Lambda, Content-Length (also "0" on
 * a GET). Seen in every real HTTP API event; HTTP_PROXY backends get the same (spec §2.1).
 * One place for every integration and for WebSocket `$connect` (websocket/upgrade.ts): what
 * differs (hop-by-hop fields, Host, the length of a streamed body) is the caller's `drop` and
 * `contentLength`.
 */
import { randomPooled } from '../../util/ids.ts';
import type { GatewayRequest } from '../types.ts';

/** What the additions are made from: a GatewayRequest, or a WebSocket upgrade request's parts. */
export type ForwardedFrom = Pick<GatewayRequest, 'rawHeaders' | 'sourceIp' | 'peerIp' | 'localPort' | 'scheme'>;

/**
 * The request's raw header list (flat, client casing and order) with AWS's additions.
 * `drop(lowerName)` removes client headers the integration must not get. `contentLength` is
 * added when no Content-Length header is kept.
 */
export function forwardedHeaders(request: ForwardedFrom, contentLength: string | undefined, drop?: (lowerName: string) => boolean): string[] {
  const out: string[] = [];
  let xff: string | undefined;
  let trace = false;
  let length = false;
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (drop?.(lower)) continue;
    // A chain the client sent is kept, and the client's address appended, as a proxy does.
    if (lower === 'x-forwarded-for') {
      xff = xff === undefined ? value : `${xff}, ${value}`;
      continue;
    }
    // The port and scheme are the gateway's own; a client's claim is replaced.
    if (lower === 'x-forwarded-port' || lower === 'x-forwarded-proto') continue;
    if (lower === 'x-amzn-trace-id') trace = true;
    else if (lower === 'content-length') length = true;
    out.push(name, value);
  }
  if (!length && contentLength !== undefined) out.push('Content-Length', contentLength);
  // The address appended is the TCP peer, as every hop does (AWS's front end behind CloudFront
  // appends CloudFront's): behind a trusted proxy the chain already ends with the client the
  // proxy saw, and `sourceIp` says which entry is the client (docs/security.md).
  const peer = request.peerIp ?? request.sourceIp;
  out.push('X-Forwarded-For', xff === undefined ? peer : `${xff}, ${peer}`);
  out.push('X-Forwarded-Port', String(request.localPort));
  out.push('X-Forwarded-Proto', request.scheme);
  if (!trace) out.push('X-Amzn-Trace-Id', traceId());
  return out;
}

/** The request's raw header list with AWS's additions, as the Lambda event should show it. */
export function withAwsAddedHeaders(request: GatewayRequest, bodyLength: number): string[] {
  return forwardedHeaders(request, String(bodyLength));
}

/** An X-Ray trace header: `Root=1-{epoch seconds, 8 hex}-{96 random bits, 24 hex}`. */
export function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomPooled(12).toString('hex')}`;
}
