/**
 * The admin port (`portico serve --admin-port`): a plain node:http server for operators and
 * tooling, apart from the API listeners so it is never exposed by accident with them. It
 * serves a list of {@link AdminRoute}s; each feature contributes its own (health.ts,
 * metrics/route.ts, control-plane routes). Anything else is 404 `{"message":"Not Found"}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AdminReply, AdminRoute } from './types.ts';

/** Options of {@link AdminServer.start}. */
export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly routes: readonly AdminRoute[];
  readonly logger: Logger;
}

const NOT_FOUND: AdminReply = { status: 404, body: { message: 'Not Found' } };

/** A listening admin server. */
export class AdminServer {
  readonly #server: Server;
  readonly #routes: readonly AdminRoute[];
  readonly #logger: Logger;

  private constructor(server: Server, routes: readonly AdminRoute[], logger: Logger) {
    this.#server = server;
    this.#routes = routes;
    this.#logger = logger;
  }

  /** Listens on `host:port`; rejects (PORTICO_ERR_LISTEN_IN_USE) when the port is taken. */
  static start(options: AdminServerOptions): Promise<AdminServer> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    const admin = new AdminServer(server, options.routes, options.logger);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void admin.#handle(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? Object.assign(new Error(`admin port ${options.port} on ${options.host} is already in use (PORTICO_ERR_LISTEN_IN_USE)`, { cause: err }), { code: 'PORTICO_ERR_LISTEN_IN_USE' }) : err);
      });
      server.listen(options.port, options.host, () => resolve(admin));
    });
  }

  /** The bound port. */
  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Admin requests carry no body worth reading for the built-in routes; others read their own.
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    let reply: AdminReply = NOT_FOUND;
    try {
      for (const route of this.#routes) {
        if (route.method !== req.method) continue;
        const match = route.path.exec(url.pathname);
        if (match) {
          reply = await route.handle(match, url, req);
          break;
        }
      }
    } catch (err) {
      this.#logger.error({ code: 'PORTICO_ERR_ADMIN', err, path: url.pathname }, 'admin request failed');
      reply = { status: 500, body: { message: 'Internal server error' } };
    }
    if (!req.readableEnded) req.resume();
    const text = typeof reply.body === 'string';
    const body = text ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** Stops listening and ends open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
