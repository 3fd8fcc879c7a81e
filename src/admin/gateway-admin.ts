/**
 * The admin port of one gateway: the built-in routes (`/health`, `/ready`, `/metrics`) plus
 * the routes other features pass in `GatewayOptions.admin.routes`, on their own listener.
 */
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { registerRedisMetrics } from '../metrics/redis-metrics.ts';
import { metricsRoute } from '../metrics/route.ts';
import type { RedisConnection } from '../state/redis/connection.ts';
import { healthRoutes } from './health.ts';
import { AdminServer } from './server.ts';
import type { AdminRoute } from './types.ts';

/** What the gateway hands its admin port. */
export interface GatewayAdminOptions {
  readonly host: string;
  readonly port: number;
  /** Routes besides the built-in ones; tried after them. */
  readonly routes?: readonly AdminRoute[];
  readonly metrics: GatewayMetrics;
  /** The shared-state connection, when Redis is configured (readiness, `portico_redis_*`). */
  readonly redis?: RedisConnection;
  readonly closing: () => boolean;
  readonly logger: Logger;
}

/** Starts the admin listener. */
export function startGatewayAdmin(o: GatewayAdminOptions): Promise<AdminServer> {
  if (o.redis) registerRedisMetrics(o.metrics.registry, o.redis);
  const routes = [...healthRoutes({ closing: o.closing, ...(o.redis ? { redis: o.redis } : {}) }), metricsRoute(o.metrics), ...(o.routes ?? [])];
  return AdminServer.start({ host: o.host, port: o.port, routes, logger: o.logger.child({ log: 'admin' }) });
}
