/**
 * The shared-state Redis connection's health as metrics: outages and failed store calls (each
 * one made a throttle or quota fail open or closed, docs/scale-out.md "When Redis fails"), and
 * whether it is connected now. Read from RedisConnection's counters at scrape time, so the
 * request path pays nothing.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RedisStats } from '../state/redis/connection.ts';

/** What the metrics read of a Redis connection. */
export interface RedisHealth {
  readonly stats: RedisStats;
  readonly connected: boolean;
}

/** Registers `portico_redis_*` in `registry`, read from `redis` when scraped. */
export function registerRedisMetrics(registry: Registry, redis: RedisHealth): void {
  new Gauge({
    name: 'portico_redis_connected',
    help: '1 while the shared-state Redis connection is ready, else 0.',
    registers: [registry],
    collect() {
      this.set(redis.connected ? 1 : 0);
    },
  });
  // Counters read from the connection's own counts: reset() then inc() sets the current total.
  new Counter({
    name: 'portico_redis_outages_total',
    help: 'Redis outages seen (connected → failing transitions); limits fail per state.failMode during each.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(redis.stats.outages);
    },
  });
  new Counter({
    name: 'portico_redis_failed_commands_total',
    help: 'Shared-state store calls that failed (each one failed open or closed per state.failMode).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(redis.stats.failedCommands);
    },
  });
}
