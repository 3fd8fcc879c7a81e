/**
 * Node-to-node requests for the Redis connection registry (redis.ts): how a PostToConnection or
 * DeleteConnection that reaches node B gets to the node A that holds the socket, and how A's
 * answer gets back.
 *
 *   B                                    Redis                                   A
 *   relay(A, send c1 "hi") ── PUBLISH portico:node:{A} {k:req,id,op,c,d,b,r:B} ──▶ handler(op)
 *     (0 receivers: A is not listening → 'gone' at once)                            │ local socket
 *   ◀── message on portico:node:{B} ◀── PUBLISH portico:node:{B} {k:res,id,result} ◀─┘
 *   (no answer within relayTimeoutMs → rejects PORTICO_ERR_WS_RELAY_TIMEOUT → 500, not 410)
 *
 * Pub/sub rather than a stream (the first design in memory.ts's header): PUBLISH says how many
 * nodes received the message, so a dead node is known at once instead of after a timeout, and
 * a dead node leaves no inbox to trim or expire. Delivery is at most once: a message lost while
 * a node reconnects surfaces as a timeout (an error for the caller, who may retry), never as a
 * silent success. Messages from one node to another arrive in the order they were published
 * (one connection each way), so posts from B to one connection keep their order.
 * https://redis.io/docs/latest/develop/interact/pubsub/ ("Integer reply: the number of clients
 * that received the message").
 *
 * In a Redis Cluster, inboxes use sharded pub/sub (Redis 7+): SSUBSCRIBE and SPUBLISH go to the
 * master of the channel's slot (its hash tag is the node id), so SPUBLISH's count is exact, every
 * message to one inbox passes through one server in order, and a message is not copied to every
 * node of the cluster. Classic PUBLISH would not do: the cluster bus broadcasts it to every node,
 * and its reply counts only the subscribers of the node that received it, so a live inbox
 * subscribed elsewhere would look dead. Whether an inbox is listening is PUBSUB SHARDNUMSUB,
 * summed over the masters (only the slot's owner has subscribers).
 * https://redis.io/docs/latest/develop/interact/pubsub/#sharded-pubsub
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { closeClient, type RedisClient, type RedisConnection } from '../redis/connection.ts';

/** What a node can be asked to do for one of its connections. */
export type RelayRequest =
  | { readonly op: 'send'; readonly connectionId: string; readonly data: Buffer; readonly binary: boolean }
  | { readonly op: 'close'; readonly connectionId: string };

/** What the holding node answers. */
export type RelayResult = 'sent' | 'closed' | 'gone';

/** What a relayed call ends with: the holder's answer, or `no-listener` when PUBLISH reached nobody. */
export type RelayOutcome = RelayResult | 'no-listener';

/** Runs a request on the node that received it (the registry's local path). */
export type RelayHandler = (request: RelayRequest) => Promise<RelayResult>;

interface Pending {
  readonly resolve: (result: RelayResult) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The wire shape; short names keep a 128 KB post's envelope small. */
interface Envelope {
  readonly k: 'req' | 'res';
  readonly id: string;
  /** req: the operation, connection id, base64 data, binary flag, reply-to node. */
  readonly op?: 'send' | 'close';
  readonly c?: string;
  readonly d?: string;
  readonly b?: boolean;
  readonly r?: string;
  /** res: the result, or an error message from the holding node. */
  readonly result?: RelayResult;
  readonly error?: string;
}

/** A node's inbox and outbox. */
export class NodeRelay {
  readonly #redis: RedisConnection;
  readonly #nodeId: string;
  readonly #subscriber: RedisClient;
  readonly #handler: RelayHandler;
  readonly #logger: Logger | undefined;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #subscribed: Promise<unknown>;

  constructor(options: { redis: RedisConnection; nodeId: string; handler: RelayHandler; logger?: Logger | undefined; timeoutMs: number }) {
    this.#redis = options.redis;
    this.#nodeId = options.nodeId;
    this.#handler = options.handler;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    // A subscriber connection can't run other commands. It queues SUBSCRIBE until connected
    // and re-subscribes by itself after a reconnection (ioredis `autoResubscribe`; in a cluster,
    // ioredis re-subscribes when the slot's master changes).
    const sharded = this.#redis.isCluster;
    this.#subscriber = this.#redis.createClient({ enableOfflineQueue: true, maxRetriesPerRequest: null }, { shardedSubscribers: sharded });
    this.#subscriber.on(sharded ? 'smessage' : 'message', (_channel: string, message: string) => this.#onMessage(message));
    const inbox = this.channel(this.#nodeId);
    this.#subscribed = (sharded ? this.#subscriber.ssubscribe(inbox) : this.#subscriber.subscribe(inbox)).catch(() => {});
  }

  /** The channel of a node's inbox. */
  channel(nodeId: string): string {
    return this.#redis.key('node', nodeId);
  }

  /** True when `nodeId` is subscribed to its inbox right now (PUBSUB NUMSUB; SHARDNUMSUB on every cluster master). */
  async listening(nodeId: string): Promise<boolean> {
    const channel = this.channel(nodeId);
    if (!this.#redis.isCluster) {
      const reply = await this.#redis.call(() => this.#redis.client.pubsub('NUMSUB', channel));
      return Number((reply as unknown[])[1]) > 0;
    }
    const replies = await this.#redis.call(() => Promise.all(this.#redis.masters().map((node) => node.pubsub('SHARDNUMSUB', channel))));
    return replies.some((reply) => Number((reply as unknown[])[1]) > 0);
  }

  /** PUBLISH, or SPUBLISH in a cluster (see the header): resolves how many subscribers received it. */
  #publish(nodeId: string, envelope: Envelope): Promise<number> {
    const channel = this.channel(nodeId);
    const message = JSON.stringify(envelope);
    // ioredis types SPUBLISH's reply as unknown; it is an integer, as PUBLISH's.
    return this.#redis.call(async () => Number(await (this.#redis.isCluster ? this.#redis.client.spublish(channel, message) : this.#redis.client.publish(channel, message))));
  }

  /** True when the inbox is subscribed. */
  async ready(): Promise<boolean> {
    await this.#subscribed;
    return this.#subscriber.status === 'ready';
  }

  /** Asks `nodeId` to run `request`; 'no-listener' when no such node is listening. */
  async request(nodeId: string, request: RelayRequest): Promise<RelayOutcome> {
    const id = randomUUID();
    const envelope: Envelope =
      request.op === 'send'
        ? { k: 'req', id, op: 'send', c: request.connectionId, d: request.data.toString('base64'), b: request.binary, r: this.#nodeId }
        : { k: 'req', id, op: 'close', c: request.connectionId, r: this.#nodeId };
    // Registered before publishing: the answer may arrive before PUBLISH's own reply.
    const answer = new Promise<RelayResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(Object.assign(new Error(`node ${nodeId} did not answer a ${request.op} for ${request.connectionId} within ${this.#timeoutMs} ms`), { code: 'PORTICO_ERR_WS_RELAY_TIMEOUT' }));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.#publish(nodeId, envelope);
    } catch (err) {
      this.#settle(id);
      answer.catch(() => {});
      throw err;
    }
    if (receivers === 0) {
      // Nobody holds that inbox: the node is dead (its records expire with their TTL), or
      // Redis restarted and it has not re-subscribed yet (the registry tells the two apart).
      this.#settle(id);
      answer.catch(() => {});
      return 'no-listener';
    }
    return answer;
  }

  /** Stops listening; requests still waiting reject. */
  async close(): Promise<void> {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new Error('the connection registry is closing'));
    await closeClient(this.#subscriber);
  }

  /** Removes a pending request and clears its timer; returns it. */
  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  #onMessage(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.k === 'res') {
      const pending = this.#settle(envelope.id);
      if (envelope.error !== undefined) pending?.reject(new Error(`the holding node failed: ${envelope.error}`));
      else pending?.resolve(envelope.result ?? 'gone');
      return;
    }
    if (envelope.k !== 'req' || envelope.c === undefined || envelope.r === undefined) return;
    const request: RelayRequest = envelope.op === 'send' ? { op: 'send', connectionId: envelope.c, data: Buffer.from(envelope.d ?? '', 'base64'), binary: envelope.b === true } : { op: 'close', connectionId: envelope.c };
    // Called synchronously, so requests reach the sockets in the order they arrived.
    const replyTo = envelope.r;
    this.#handler(request).then(
      (result) => this.#reply(replyTo, { k: 'res', id: envelope.id, result }),
      (err: unknown) => this.#reply(replyTo, { k: 'res', id: envelope.id, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  #reply(nodeId: string, envelope: Envelope): void {
    this.#publish(nodeId, envelope).catch((err: unknown) => this.#logger?.debug({ err, nodeId }, 'could not answer a relayed request; the caller times out'));
  }
}
