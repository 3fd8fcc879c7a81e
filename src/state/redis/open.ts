/**
 * Opens the Redis implementations of every state interface on one shared client: what
 * `portico serve --redis URL` (or `state.redis` in portico.yaml) gives the gateway.
 * See docs/scale-out.md.
 */
import type { Logger } from 'pino';
import type { RateLimitStore } from '../rate-limit/types.ts';
import type { QuotaStore } from '../quota/types.ts';
import type { ConnectionRegistry } from '../connections/types.ts';
import type { AuthorizerCacheStore } from '../authorizer-cache/types.ts';
import { RedisAuthorizerCache } from '../authorizer-cache/redis.ts';
import type { ResponseCacheStore } from '../response-cache/types.ts';
import { RedisResponseCache } from '../response-cache/redis.ts';
import { RedisRateLimitStore } from '../rate-limit/redis.ts';
import { RedisQuotaStore } from '../quota/redis.ts';
import { RedisConnectionRegistry } from '../connections/redis.ts';
import { RedisConnection } from './connection.ts';

/** Options of {@link openRedisStores}. */
export interface OpenRedisStoresOptions {
  readonly url: string;
  /** This gateway process's id (its connection registry inbox). */
  readonly nodeId: string;
  readonly logger?: Logger;
  /** How long to wait for the first connection before serving anyway. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
}

/** The stores, sharing one client; each store's `close()` releases it, the last one closes it. */
export interface RedisStores {
  readonly rateLimits: RateLimitStore;
  readonly quotas: QuotaStore;
  readonly connections: ConnectionRegistry;
  /** Lambda authorizer results, shared so a caller is authorized once for every node. */
  readonly authorizerCache: AuthorizerCacheStore;
  /** The REST stage cache, shared so an entry filled through one node is a hit through any. */
  readonly responseCache: ResponseCacheStore;
  /** The shared client's counters and state (for metrics and tests). */
  readonly redis: RedisConnection;
}

/**
 * Connects and builds the stores. Never rejects for an unreachable Redis: it waits up to
 * `connectTimeoutMs`, logs PORTICO_ERR_REDIS_UNAVAILABLE, and the gateway serves per its fail
 * mode while ioredis keeps reconnecting.
 */
export async function openRedisStores(options: OpenRedisStoresOptions): Promise<RedisStores> {
  const logger = options.logger?.child({ log: 'state' });
  const redis = new RedisConnection({ url: options.url, ...(logger ? { logger } : {}) });
  const stores: RedisStores = {
    rateLimits: new RedisRateLimitStore(redis),
    quotas: new RedisQuotaStore(redis),
    connections: new RedisConnectionRegistry({ redis, nodeId: options.nodeId, ...(logger ? { logger } : {}) }),
    authorizerCache: new RedisAuthorizerCache(redis),
    responseCache: new RedisResponseCache(redis),
    redis,
  };
  if (await redis.waitReady(options.connectTimeoutMs ?? 3000)) {
    // The inbox subscribes on its own connection: wait for it too, briefly.
    await Promise.race([stores.connections.ready?.(), new Promise((r) => setTimeout(r, 1000).unref())]);
    logger?.info({ nodeId: options.nodeId }, 'shared state in redis');
  }
  return stores;
}
