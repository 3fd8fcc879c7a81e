/**
 * The connection registry of a cluster: one per gateway node, all sharing one Redis, so a
 * `@connections` call that reaches any node finds the connection and is delivered through the
 * node holding its socket. Passes test/contract/connection-registry.ts, with the semantics
 * listed in memory.ts's header.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 *
 * Shared state:
 * - `portico:conn:{<connectionId>}`: a hash with the ConnectionInfo fields plus `via`, the node
 *   whose inbox reaches the socket (this registry's own node id, whatever `info.nodeId` says).
 *   `touch` raises `lastActiveAt` in a script (a `max`, so a late touch can't move it back).
 * - `portico:node:{<nodeId>}`: the node's inbox, a pub/sub channel (redis-relay.ts).
 *
 * Local first: `send`, `disconnect`, `get` and `touch` of a connection this node holds use the
 * local Map; Redis carries only what crosses nodes. So while Redis is down, this node's own
 * connections keep working, and calls for other nodes' connections fail (→ 500, never 410).
 *
 * No ghosts: a record expires `ttlMs` after its last refresh. Every `ttlMs / 3` (and at once
 * after a reconnection) the node rewrites the records of the connections it holds, which also
 * restores them after Redis restarted empty. A node that dies stops refreshing; until its
 * records expire, `get` asks whether its inbox still has a subscriber (PUBSUB NUMSUB) and a
 * relayed call sees PUBLISH reach nobody, so both answer gone at once (in a Redis Cluster:
 * SHARDNUMSUB and SPUBLISH, see redis-relay.ts).
 */
import type { Logger } from 'pino';
import type { ConnectionInfo, ConnectionRegistry, LocalConnection } from './types.ts';
import { MemoryConnectionRegistry } from './memory.ts';
import { RedisScript, type RedisConnection } from '../redis/connection.ts';
import { NodeRelay, type RelayRequest, type RelayResult } from './redis-relay.ts';

/** Options of {@link RedisConnectionRegistry}. */
export interface RedisConnectionRegistryOptions {
  /** The shared client (a reference is taken and released by `close`). */
  readonly redis: RedisConnection;
  /** This node's id: other nodes reach its connections through its inbox. Unique per process. */
  readonly nodeId: string;
  /** Where refused sends are reported (PORTICO_ERR_WS_SEND_FAILED). Default: not reported. */
  readonly logger?: Logger;
  /** How long a record outlives its node's last heartbeat. Default 15 s. */
  readonly ttlMs?: number;
  /** How long a call relayed to another node waits for its answer. Default 5 s. */
  readonly relayTimeoutMs?: number;
}

/** The ConnectionInfo fields, in the order they are written. */
const FIELDS = ['connectionId', 'apiId', 'stage', 'connectedAt', 'lastActiveAt', 'sourceIp', 'userAgent', 'nodeId'] as const;

/** KEYS[1] the record; ARGV: ttl ms, lastActiveAt, then field/value pairs. Keeps the later lastActiveAt. */
const UPSERT = new RedisScript(`
local at = tonumber(ARGV[2])
local cur = tonumber(redis.call('HGET', KEYS[1], 'lastActiveAt'))
if cur ~= nil and cur > at then at = cur end
redis.call('HSET', KEYS[1], 'lastActiveAt', string.format('%.17g', at), unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);

/** KEYS[1] the record; ARGV[1] the time. Raises lastActiveAt of an existing record only. */
const TOUCH = new RedisScript(`
local cur = redis.call('HGET', KEYS[1], 'lastActiveAt')
if not cur then return 0 end
if tonumber(ARGV[1]) > tonumber(cur) then redis.call('HSET', KEYS[1], 'lastActiveAt', ARGV[1]) end
return 1
`);

/** {@link ConnectionRegistry} shared through Redis by every node of a cluster. */
export class RedisConnectionRegistry implements ConnectionRegistry {
  /** The connections this node holds: the same local semantics as a single node. */
  readonly #local: MemoryConnectionRegistry;
  readonly #redis: RedisConnection;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #relay: NodeRelay;
  readonly #heartbeat: NodeJS.Timeout;
  /** Records whose DEL failed (Redis down): deleted again at the next heartbeat. */
  readonly #orphans = new Set<string>();
  readonly #onReconnect = (): void => {
    this.#redisStartedAt = undefined;
    this.#refresh();
  };
  /** When the Redis server started (epoch ms, from INFO uptime), learnt on the first 'gone' after each (re)connection. */
  #redisStartedAt: number | undefined;
  /** The outage count when {@link #redisStartedAt} was learnt: a later outage (a cluster master restarting) makes it stale. */
  #startedAtOutages = 0;
  #closed = false;

  constructor(options: RedisConnectionRegistryOptions) {
    this.#redis = options.redis.acquire();
    this.#nodeId = options.nodeId;
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#local = new MemoryConnectionRegistry(options.logger ? { logger: options.logger } : {});
    this.#relay = new NodeRelay({ redis: this.#redis, nodeId: this.#nodeId, handler: (r) => this.#onRelayed(r), logger: options.logger, timeoutMs: options.relayTimeoutMs ?? 5_000 });
    this.#heartbeat = setInterval(() => this.#refresh(), Math.max(100, Math.floor(this.#ttlMs / 3))).unref();
    this.#redis.client.on('ready', this.#onReconnect);
  }

  /** How many connections this node holds. */
  get size(): number {
    return this.#local.size;
  }

  /** {@inheritDoc ConnectionRegistry.add} Kept locally even while Redis is down; the heartbeat publishes it later. */
  async add(info: ConnectionInfo, local: LocalConnection): Promise<void> {
    await this.#local.add(info, local);
    this.#orphans.delete(info.connectionId);
    await this.#upsert(info).catch(() => {});
  }

  /** {@inheritDoc ConnectionRegistry.get} */
  async get(connectionId: string): Promise<ConnectionInfo | undefined> {
    const mine = await this.#local.get(connectionId);
    let fields: Record<string, string>;
    try {
      fields = await this.#redis.call(() => this.#redis.client.hgetall(this.#key(connectionId)));
    } catch (err) {
      if (mine !== undefined) return mine;
      throw err;
    }
    const shared = toInfo(fields);
    if (mine !== undefined) {
      // A post relayed from another node touched the shared record only.
      return shared !== undefined && shared.lastActiveAt > mine.lastActiveAt ? { ...mine, lastActiveAt: shared.lastActiveAt } : mine;
    }
    const via = fields['via'];
    // Ours but no longer held (a DEL that failed): gone.
    if (via === this.#nodeId) return undefined;
    if (shared === undefined || via === undefined || !(await this.#relay.listening(via))) {
      // No record, or its node's inbox has no subscriber: gone, unless Redis has just restarted.
      await this.#unlessRecovering(connectionId);
      return undefined;
    }
    return shared;
  }

  /** {@inheritDoc ConnectionRegistry.touch} Never rejects: the time is best effort, as on a single node. */
  async touch(connectionId: string, at: number): Promise<void> {
    await this.#local.touch(connectionId, at);
    await this.#redis.call(() => TOUCH.run(this.#redis.client, this.#key(connectionId), [at])).catch(() => {});
  }

  /** {@inheritDoc ConnectionRegistry.remove} */
  async remove(connectionId: string): Promise<void> {
    await this.#local.remove(connectionId);
    await this.#delete(connectionId);
  }

  /** {@inheritDoc ConnectionRegistry.send} */
  async send(connectionId: string, data: Buffer, binary: boolean): Promise<'sent' | 'gone'> {
    if ((await this.#local.get(connectionId)) !== undefined) return this.#local.send(connectionId, data, binary);
    const result = await this.#remote({ op: 'send', connectionId, data, binary });
    return result === 'sent' ? 'sent' : 'gone';
  }

  /** {@inheritDoc ConnectionRegistry.disconnect} */
  async disconnect(connectionId: string): Promise<'closed' | 'gone'> {
    if ((await this.#local.get(connectionId)) !== undefined) return this.#disconnectLocal(connectionId);
    const result = await this.#remote({ op: 'close', connectionId });
    return result === 'closed' ? 'closed' : 'gone';
  }

  /** {@inheritDoc ConnectionRegistry.ready} Redis answers and this node's inbox is subscribed. */
  async ready(): Promise<boolean> {
    const [commands, inbox] = await Promise.all([this.#redis.ready(), this.#relay.ready()]);
    return commands && inbox;
  }

  /** Forgets this node's connections here and in Redis (sockets are not closed), stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#redis.client.off('ready', this.#onReconnect);
    const ids = [...[...this.#local.infos()].map((i) => i.connectionId), ...this.#orphans];
    this.#orphans.clear();
    await this.#local.close();
    await Promise.allSettled(ids.map((id) => this.#redis.client.del(this.#key(id))));
    await this.#relay.close();
    await this.#redis.release();
  }

  #key(connectionId: string): string {
    return this.#redis.key('conn', connectionId);
  }

  /** Routes a call for a connection this node doesn't hold to the node that does. */
  async #remote(request: RelayRequest): Promise<RelayResult> {
    const via = await this.#redis.call(() => this.#redis.client.hget(this.#key(request.connectionId), 'via'));
    if (via === this.#nodeId) return 'gone';
    const outcome = via === null ? 'no-listener' : await this.#relay.request(via, request);
    if (outcome !== 'no-listener') return outcome;
    await this.#unlessRecovering(request.connectionId);
    return 'gone';
  }

  /**
   * A missing record or an inbox without a subscriber means the connection is gone, except
   * in the first heartbeat TTL after Redis (re)started: records are rewritten and inboxes
   * re-subscribed only as nodes reconnect, so a live connection may look gone. Then this
   * rejects (→ 500, which callers retry) rather than answer 410, after which a backend would
   * drop a live connection id. Only a node that has itself seen Redis go away suspects this
   * (a node that joins a freshly restarted Redis does not). Costs one INFO per reconnection (per
   * master in a cluster, where the latest restart of any master counts; a master restarting
   * alone doesn't reconnect the cluster client, but its failed commands start an outage).
   */
  async #unlessRecovering(connectionId: string): Promise<void> {
    const outages = this.#redis.stats.outages;
    if (outages === 0) return;
    if (this.#redisStartedAt === undefined || this.#startedAtOutages !== outages) {
      this.#redisStartedAt = await this.#redis.startedAt();
      this.#startedAtOutages = outages;
    }
    if (Date.now() - this.#redisStartedAt < this.#ttlMs) {
      throw Object.assign(new Error(`connection ${connectionId} is not registered, but Redis restarted less than ${this.#ttlMs} ms ago: its node may not have re-registered yet`), {
        code: 'PORTICO_ERR_WS_REGISTRY_RECOVERING',
      });
    }
  }

  /** A call relayed from another node, for a connection this node may hold. */
  async #onRelayed(request: RelayRequest): Promise<RelayResult> {
    if ((await this.#local.get(request.connectionId)) === undefined) return 'gone';
    return request.op === 'send' ? this.#local.send(request.connectionId, request.data, request.binary) : this.#disconnectLocal(request.connectionId);
  }

  /** Forgets first (here and in Redis), then closes, as on a single node. */
  async #disconnectLocal(connectionId: string): Promise<'closed' | 'gone'> {
    const entry = await this.#local.get(connectionId);
    if (entry === undefined) return 'gone';
    // The DEL is sent before the local close, so a relayed caller's next GET no longer sees it.
    const deleted = this.#delete(connectionId);
    const result = await this.#local.disconnect(connectionId);
    await deleted;
    return result;
  }

  /** Deletes a record; a failure leaves it for the next heartbeat. Never rejects. */
  async #delete(connectionId: string): Promise<void> {
    try {
      await this.#redis.call(() => this.#redis.client.del(this.#key(connectionId)));
      this.#orphans.delete(connectionId);
    } catch {
      this.#orphans.add(connectionId);
    }
  }

  #upsert(info: ConnectionInfo): Promise<unknown> {
    const pairs = FIELDS.flatMap((f) => (f === 'lastActiveAt' ? [] : [f, String(info[f])]));
    return this.#redis.call(() => UPSERT.run(this.#redis.client, this.#key(info.connectionId), [this.#ttlMs, info.lastActiveAt, ...pairs, 'via', this.#nodeId]));
  }

  /**
   * The heartbeat: rewrites every held connection's record (refreshing its TTL, or restoring it
   * after a Redis restart) and retries failed deletes. The commands are issued in one
   * synchronous pass, before any later `remove` can issue its DEL on the same connection.
   */
  #refresh(): void {
    if (this.#closed || !this.#redis.connected) return;
    for (const info of this.#local.infos()) this.#upsert(info).catch(() => {});
    for (const id of this.#orphans) void this.#delete(id);
  }
}

/** A record read back from Redis, or undefined when it is missing or incomplete. */
function toInfo(fields: Record<string, string>): ConnectionInfo | undefined {
  const { connectionId, apiId, stage, connectedAt, lastActiveAt, sourceIp, userAgent, nodeId } = fields;
  if (connectionId === undefined || apiId === undefined || stage === undefined || connectedAt === undefined || lastActiveAt === undefined || sourceIp === undefined || userAgent === undefined || nodeId === undefined) return undefined;
  return { connectionId, apiId, stage, connectedAt: Number(connectedAt), lastActiveAt: Number(lastActiveAt), sourceIp, userAgent, nodeId };
}
