/**
 * The admin port's routes (`portico serve --admin-port`): health, readiness, Prometheus
 * metrics, and control-plane-shaped endpoints (usage, cache flushes) that answer as AWS's
 * apigateway v1 API does, so `aws apigateway ... --endpoint-url` works against them.
 * Each feature exports its routes; server.ts serves the union.
 */
import type { IncomingMessage } from 'node:http';

/** What a route answers: a JSON body (or text for /metrics) with a status. */
export interface AdminReply {
  readonly status: number;
  /** JSON-serialised unless a string (sent as is, e.g. Prometheus text). */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One admin endpoint. `path` is matched against the URL path (no query); its groups are passed on. */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  readonly path: RegExp;
  handle(match: RegExpExecArray, url: URL, req: IncomingMessage): Promise<AdminReply> | AdminReply;
}
