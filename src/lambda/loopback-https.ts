/**
 * Lets unchanged handler code reach portico's own APIs over `https://`: the usual WebSocket
 * handler builds `new ApiGatewayManagementApiClient({ endpoint: \`https://${domainName}/${stage}\` })`,
 * and portico listens without TLS. Loaded inside a Lambda worker before the handler, this
 * wraps `https.request`/`https.get` so that a request to a loopback host (`localhost`,
 * `127.0.0.1`, `::1`, `*.execute-api.localhost`) on one of portico's ports goes over plain
 * HTTP to 127.0.0.1, keeping the Host header the SDK signed. Every other request is untouched
 * and certificate checks stay on; the requests rewritten here could only fail before.
 * See docs/websocket-connections.md. Imports nothing from the pipeline (worker code).
 */
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

type Callback = (res: http.IncomingMessage) => void;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]' || host.endsWith('.execute-api.localhost');

/** Installs the rewrite for `ports` (portico's listeners). Idempotent per worker. */
export function installLoopbackHttps(ports: readonly number[]): void {
  if (ports.length === 0) return;
  const served = new Set(ports);
  const original = https.request;

  function request(...args: unknown[]): http.ClientRequest {
    let url: URL | undefined;
    let options: https.RequestOptions = {};
    let callback: Callback | undefined;
    const [a0, a1, a2] = args;
    if (typeof a0 === 'string' || a0 instanceof URL) {
      url = new URL(a0);
      if (typeof a1 === 'function') callback = a1 as Callback;
      else {
        options = (a1 as https.RequestOptions | undefined) ?? {};
        callback = a2 as Callback | undefined;
      }
    } else {
      options = (a0 as https.RequestOptions | undefined) ?? {};
      callback = a1 as Callback | undefined;
    }
    const host = options.hostname ?? options.host?.replace(/:\d+$/, '') ?? url?.hostname ?? 'localhost';
    const port = Number(options.port ?? (url?.port || 443));
    if (!isLoopback(host) || !served.has(port)) return (original as (...a: unknown[]) => http.ClientRequest).apply(https, args);
    const headers = { ...(options.headers as Record<string, string> | undefined) };
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers['host'] = `${host}:${port}`;
    const { agent: _agent, host: _host, ...rest } = options;
    return http.request(
      {
        ...rest,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port,
        path: options.path ?? (url ? url.pathname + url.search : '/'),
        method: options.method ?? 'GET',
        headers,
      },
      callback,
    );
  }

  https.request = request as typeof https.request;
  https.get = ((...args: unknown[]) => {
    const req = request(...args);
    req.end();
    return req;
  }) as typeof https.get;
  // ESM `import { request } from 'node:https'` sees the wrappers too.
  syncBuiltinESMExports();
}
