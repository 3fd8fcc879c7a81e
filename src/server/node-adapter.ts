/**
 * The edge: node:http request → GatewayRequest, GatewayResponse → node:http response.
 * Nothing below this file knows about sockets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayRequest, GatewayResponse } from '../pipeline/types.ts';
import { IncomingBody } from './request-body.ts';
import { normalizeIp, type ClientAddress } from '../util/client-address.ts';

/**
 * Builds the transport-free request. `rawPath` is the path as received (not decoded).
 * `client`: the address resolved behind trusted proxies (client-address.ts); absent, the TCP peer.
 */
export function toGatewayRequest(req: IncomingMessage, rawUrl: string = req.url ?? '/', client?: ClientAddress): GatewayRequest {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  // No prototype: a client's `constructor` or `__proto__` header is just a header.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    // HTTP APIs join repeated headers with "," (no space).
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const socket = req.socket;
  const peerIp = client?.peerIp ?? normalizeIp(socket.remoteAddress ?? '');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQuery,
    rawHeaders: raw,
    headers,
    host: headers['host'] ?? '',
    sourceIp: client?.sourceIp ?? peerIp,
    peerIp,
    protocol: `HTTP/${req.httpVersion}`,
    scheme: 'encrypted' in socket && socket.encrypted ? 'https' : 'http',
    localPort: socket.localPort ?? 0,
    body: new IncomingBody(req),
  };
}


/**
 * Writes a response; streams a Readable body. Never throws: a response Node refuses to write
 * (an invalid header from a handler or a mapping) becomes a 500, logged through `onError`.
 */
export function writeResponse(res: ServerResponse, response: GatewayResponse, onError: (err: Error) => void): void {
  const body = response.body;
  const streamed = body !== null && typeof body !== 'string' && !Buffer.isBuffer(body);
  // The client left while the integration ran: stop the body (and so the upstream) at once.
  if (res.destroyed) {
    if (streamed) body.destroy();
    return;
  }
  const flat: string[] = [];
  for (const [k, v] of response.headers) flat.push(k, v);
  try {
    if (!streamed) {
      const buf = body === null ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
      // 204 and 304 carry no body and no length (RFC 9110 §8.6).
      if (response.statusCode !== 204 && response.statusCode !== 304) flat.push('content-length', String(buf?.length ?? 0));
      res.writeHead(response.statusCode, flat);
      res.end(buf);
      return;
    }
    res.writeHead(response.statusCode, flat);
  } catch (err) {
    if (streamed) body.destroy();
    onError(err as Error);
    if (!res.headersSent) {
      const text = '{"message":"Internal Server Error"}';
      const id = response.headers.find(([n]) => n === 'apigw-requestid');
      res.writeHead(500, ['content-type', 'application/json', 'content-length', String(text.length), ...(id ? id : [])]);
      res.end(text);
    } else res.destroy();
    return;
  }
  // pipe() with two listeners, not stream.pipeline(): the latter's bookkeeping cost a third of
  // a proxied request's throughput (bench/). A failing body aborts the client's response; a
  // client that goes away stops the body.
  body.once('error', (err) => {
    onError(err);
    res.destroy(err);
  });
  res.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(res);
}
