/**
 * The Redis client the shared-state stores use (rate limits, quotas, the connection registry),
 * set up so that a Redis outage never takes the gateway down and never makes a request wait:
 *
 * - Every 'error' event has a listener (an EventEmitter 'error' without one throws and would
 *   crash the process). An outage is logged once when it starts (PORTICO_ERR_REDIS_UNAVAILABLE)
 *   and once when it ends, and counted in {@link RedisConnection.stats}.
 * - Commands fail fast while disconnected: `enableOfflineQueue: false` rejects at once instead
 *   of queueing, `maxRetriesPerRequest: 0` rejects the commands in flight when the socket
 *   drops, and `commandTimeout` bounds a Redis that still holds the socket but stops answering.
 *   The caller (throttle-phase.ts, usage-plan.ts) then fails open or closed.
 * - ioredis reconnects by itself; the retry delay is capped at 1 s, so limits are enforced
 *   again within about a second of Redis coming back.
 * https://github.com/redis/ioredis#auto-reconnect, https://github.com/redis/ioredis#offline-queue
 *
 * Keys: `{prefix}:{namespace}:{<logical key>}`. The braces are a Redis Cluster hash tag around
 * the whole logical key (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags),
 * so keys spread over the slots, and every script touches one key, which Cluster requires.
 * `{`, `}` and `%` in the logical key are percent-encoded so a route key such as
 * `GET /pets/{id}` can't end the tag early; the encoding is injective, so keys never collide.
 *
 * Redis Cluster (`redis+cluster://host:port,host:port`, cluster.ts): `client` is then an ioredis
 * `Cluster`, which sends each command to the master of its key's slot; the stores work through it
 * unchanged, since every multi-key script keeps its keys under one hash tag. What needs every
 * master (a SCAN, PUBSUB SHARDNUMSUB, INFO) goes through {@link RedisConnection.masters}. With
 * one master down, commands on its slots fail while the others succeed: an outage then ends
 * only once no command has failed for {@link CLUSTER_CALM_MS}, so it is logged once, not at
 * every alternation.
 */
import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { createClusterClient } from './cluster.ts';
import { isClusterUrl, parseClusterUrl, type ClusterTarget } from './url.ts';
import type { Logger } from 'pino';

/** Options of {@link RedisConnection}. */
export interface RedisConnectionOptions {
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS); a cluster:
   * `redis+cluster://[user:password@]host:port,host:port[/]` or `rediss+cluster://…` (cluster.ts).
   */
  readonly url: string;
  /** Where outages are reported. Default: not reported. */
  readonly logger?: Logger;
  /** First part of every key, so several deployments can share one Redis. Default `portico`. */
  readonly keyPrefix?: string;
  /** A command not answered within this many ms fails (the store is then down). Default 1000. */
  readonly commandTimeoutMs?: number;
}

/** Counters for metrics and tests. */
export interface RedisStats {
  /** Outages seen: transitions from connected to failing. */
  outages: number;
  /** Commands that failed (each one made a store call fail open or closed). */
  failedCommands: number;
}

/** A client of one server, or of a Redis Cluster (whose commands have the same signatures). */
export type RedisClient = Redis | Cluster;

/** In a cluster, how long commands must all succeed before an outage counts as over. */
export const CLUSTER_CALM_MS = 5000;

/** How long to wait between reconnection attempts: 100 ms more each time, at most 1 s. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1000);

/** Percent-encodes the characters that would break the hash tag (`%` first, for injectivity). */
const tagSafe = (s: string): string => s.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A Lua script run by SHA (EVALSHA), loaded again when Redis answers NOSCRIPT (after a restart). */
export class RedisScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs the script on one key. */
  async run(client: RedisClient, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.#lua, 1, key, ...args);
    }
  }

  /** Runs the script on several keys; in a Cluster they must share a hash tag (one slot). */
  async runKeys(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.#lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * One Redis client shared by the stores of a gateway process. Each store {@link acquire}s it
 * and releases it in its own `close()`; the client quits when the last store has released it.
 */
export class RedisConnection {
  /** The command client (never in subscriber mode): a `Cluster` for a cluster URL. */
  readonly client: RedisClient;
  /** True when the URL names a Redis Cluster. */
  readonly isCluster: boolean;
  readonly stats: RedisStats = { outages: 0, failedCommands: 0 };
  readonly #url: string;
  readonly #cluster: ClusterTarget | undefined;
  #lastFailureAt = 0;
  readonly #prefix: string;
  readonly #logger: Logger | undefined;
  readonly #commandTimeoutMs: number;
  #refs = 0;
  #downSince: number | undefined;
  #closed = false;

  constructor(options: RedisConnectionOptions) {
    this.#url = options.url;
    this.isCluster = isClusterUrl(options.url);
    this.#cluster = this.isCluster ? parseClusterUrl(options.url) : undefined;
    this.#prefix = options.keyPrefix ?? 'portico';
    this.#logger = options.logger;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.client = this.createClient({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.#commandTimeoutMs,
    });
    this.client.on('error', (err: Error) => this.#down(err));
    this.client.on('close', () => {
      if (!this.#closed) this.#down(new Error('connection closed'));
    });
    this.client.on('ready', () => this.#up());
  }

  /**
   * A new client to the same server (or cluster) with this connection's reconnection policy and
   * an 'error' listener, for a subscriber (which can't send ordinary commands). `overrides` win.
   * `shardedSubscribers` (clusters only): one subscriber connection per master, for SSUBSCRIBE.
   */
  createClient(overrides: RedisOptions, cluster: { readonly shardedSubscribers?: boolean } = {}): RedisClient {
    const client: RedisClient =
      this.#cluster !== undefined
        ? createClusterClient(this.#cluster, overrides, { retryStrategy, ...cluster })
        : new Redis(this.#url, { retryStrategy, connectTimeout: 2000, ...overrides });
    // Reported once per outage through the command client; a listener must exist regardless.
    if (overrides.commandTimeout === undefined) client.on('error', () => {});
    return client;
  }

  /** The Redis key of `logical` in `namespace` (see the header). */
  key(namespace: string, logical: string): string {
    return `${this.#prefix}:${namespace}:{${tagSafe(logical)}}`;
  }

  /** True while the command client is connected and ready. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Runs one store call: a failure is counted (and, when the socket is still up, a timeout or
   * server error starts an outage, logged once) and rethrown for the caller's fail mode; a
   * success after such an outage ends it.
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      this.stats.failedCommands++;
      this.#lastFailureAt = Date.now();
      this.#down(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    // In a cluster a success proves only its own master is back (see the header).
    if (this.#downSince !== undefined && (!this.isCluster || Date.now() - this.#lastFailureAt >= CLUSTER_CALM_MS)) this.#up();
    return result;
  }

  /**
   * Resolves true when Redis answers PING within the command timeout (in a cluster: every
   * master does); never rejects.
   */
  async ready(): Promise<boolean> {
    try {
      if (!this.isCluster) return (await this.client.ping()) === 'PONG';
      const replies = await Promise.all(this.masters().map((node) => node.ping()));
      return replies.length > 0 && replies.every((r) => r === 'PONG');
    } catch {
      return false;
    }
  }

  /**
   * The servers that hold keys: the one server, or every master of the cluster. Throws when a
   * master that owns slots is not connected (its keys can't be reached), so a caller that must
   * see every key (a flush, a subscriber count) fails rather than answer from part of the data.
   */
  masters(): Redis[] {
    const client = this.client;
    if (!(client instanceof Cluster)) return [client];
    const masters = client.nodes('master');
    const known = new Set(masters.map((n) => `${n.options.host ?? ''}:${n.options.port ?? ''}`));
    const owners = new Set(client.slots.map((nodes) => nodes[0]).filter((key) => key !== undefined));
    for (const owner of owners) if (!known.has(owner)) throw new Error(`Redis Cluster master ${owner} is not connected`);
    if (masters.length === 0) throw new Error('no Redis Cluster master is connected');
    return masters;
  }

  /**
   * When Redis last started (epoch ms, from INFO's uptime): in a cluster, the latest start of any
   * master, since a master that restarted empty lost its slots' keys. Rejects when Redis fails.
   */
  async startedAt(): Promise<number> {
    const infos = await this.call(() => Promise.all(this.masters().map((node) => node.info('server'))));
    let latest = 0;
    for (const info of infos) {
      const uptime = /^uptime_in_seconds:(\d+)/m.exec(info);
      if (uptime) latest = Math.max(latest, Date.now() - Number(uptime[1]) * 1000);
    }
    return latest;
  }

  /** Waits up to `timeoutMs` for the first connection; resolves whether it came. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  /** Takes a reference; pair with {@link release}. */
  acquire(): this {
    this.#refs++;
    return this;
  }

  /** Drops a reference; the last one closes the client (QUIT, or a disconnect when Redis is down). */
  async release(): Promise<void> {
    if (--this.#refs > 0 || this.#closed) return;
    this.#closed = true;
    await closeClient(this.client);
  }

  #up(): void {
    if (this.#downSince === undefined) return;
    this.#logger?.info({ downMs: Date.now() - this.#downSince }, 'redis reachable again; shared limits are enforced again');
    this.#downSince = undefined;
  }

  #down(err: Error): void {
    if (this.#closed || this.#downSince !== undefined) return;
    this.#downSince = Date.now();
    this.stats.outages++;
    this.#logger?.warn({ code: 'PORTICO_ERR_REDIS_UNAVAILABLE', err: { message: err.message } }, 'redis unreachable; shared limits fail per state.failMode until it is back');
  }
}

/** Closes a client: QUIT when connected (pending replies still arrive), else just disconnect. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the socket went away meanwhile
    }
  }
  client.disconnect();
}
