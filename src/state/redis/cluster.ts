/**
 * Redis Cluster URLs and clients. A cluster is named by its own scheme, so it can never be
 * mistaken for a single server: `redis+cluster://[user:password@]host1:6379,host2:6379[/]`
 * (`rediss+cluster://` for TLS). The hosts are seed nodes: the client learns every master from
 * any one of them (CLUSTER SLOTS) and follows MOVED/ASK redirections. The credentials and TLS
 * apply to every node; a cluster has only database 0, so no `/db`.
 * https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/
 *
 * The client is ioredis's `Cluster`, with the same fail-fast policy as a single server
 * (connection.ts): no offline queue, `maxRetriesPerRequest: 0` and the command timeout on every
 * node, reconnection capped at 1 s. What a cluster adds: a command whose master is unreachable
 * is retried a few times 100 ms apart (it may be failing over to a replica, or the slot moving),
 * then fails, so a request waits at most about half a second longer than on one server.
 * https://github.com/redis/ioredis#cluster
 */
import { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';

import type { ClusterTarget } from './url.ts';

/** Extra cluster options of {@link createClusterClient}. */
export interface ClusterClientOptions {
  /** Reconnection delay after the whole cluster became unreachable. */
  readonly retryStrategy: (attempt: number) => number;
  /** One subscriber connection per master, for SSUBSCRIBE (sharded pub/sub). */
  readonly shardedSubscribers?: boolean;
}

/**
 * A `Cluster` client for `target`. `overrides` are the per-connection options a single-server
 * client would get; `enableOfflineQueue` applies to the cluster (commands sent while it has no
 * slot map), the rest to each node's connection.
 */
export function createClusterClient(target: ClusterTarget, overrides: RedisOptions, options: ClusterClientOptions): Cluster {
  // Options a node connection can't take (the cluster manages them) are split off.
  const { enableOfflineQueue, retryStrategy: _retry, host: _host, port: _port, path: _path, sentinels: _sentinels, readOnly: _readOnly, ...nodeOptions } = overrides;
  const cluster: ClusterOptions = {
    clusterRetryStrategy: options.retryStrategy,
    enableOfflineQueue: enableOfflineQueue ?? true,
    // Every key is read and written on its master: a replica may lag behind a token bucket.
    scaleReads: 'master',
    maxRedirections: 5,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    ...(options.shardedSubscribers ? { shardedSubscribers: true } : {}),
    // With TLS, keep host names as given so certificates are checked against them (ioredis
    // would otherwise resolve seed names to addresses first).
    ...(target.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
    redisOptions: {
      connectTimeout: 2000,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
      ...nodeOptions,
    },
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    cluster,
  );
}
