/**
 * The connection registry of a single gateway process: every live WebSocket connection this
 * node holds, by connection id, next to the socket that reaches it. The @connections API
 * (websocket/connections-api.ts) delivers PostToConnection and DeleteConnection through it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 *
 * Semantics every implementation shares (test/contract/connection-registry.ts):
 * - `disconnect` forgets the record at once, then closes the socket. A post or a GET that
 *   arrives during the closing handshake answers 410 GoneException, as a connection deleted on
 *   AWS does; the core's later `remove` (after `$disconnect`) is then a no-op.
 * - A socket that refuses a message (it is already closing) counts as gone: `send` resolves
 *   'gone', so the caller answers 410 rather than 500. A refusal other than the connection's
 *   own PORTICO_ERR_WS_GONE is logged with PORTICO_ERR_WS_SEND_FAILED.
 * - Messages to one connection are handed to its socket in call order.
 *
 * ## The Redis implementation (redis.ts)
 *
 * A cluster runs one registry per node; a socket lives on exactly one node, but a call can
 * reach any node. redis.ts keeps this class for the node's own sockets and adds a record per
 * connection in Redis (`portico:conn:{id}`, with a TTL its node's heartbeat refreshes) and an
 * inbox per node (a pub/sub channel, redis-relay.ts) through which other nodes' posts and
 * deletes reach the socket. An earlier draft of this note chose a Redis stream per node; pub/sub
 * won because PUBLISH tells at once that no node listens (a dead node: 410 without waiting), and
 * leaves no per-node stream to trim or expire. redis-relay.ts has the request/response diagram.
 */
import type { Logger } from 'pino';
import type { ConnectionInfo, ConnectionRegistry, LocalConnection } from './types.ts';

/**
 * The close frame DeleteConnection sends: 1000 Normal Closure (RFC 6455 §7.4.1). AWS documents
 * no code; a $disconnect event after a DeleteConnection is reported with `disconnectReason:
 * "Connection Closed Normally"` (https://github.com/aws/chalice/issues/2060), so the same words
 * go in the frame and the core can pass them through to its DISCONNECT event.
 */
export const DELETE_CLOSE = { code: 1000, reason: 'Connection Closed Normally' } as const;

/** Options of {@link MemoryConnectionRegistry}. */
export interface MemoryConnectionRegistryOptions {
  /** Where refused sends are reported (PORTICO_ERR_WS_SEND_FAILED). Default: not reported. */
  readonly logger?: Logger;
}

interface Entry {
  info: ConnectionInfo;
  readonly local: LocalConnection;
}

/** {@link ConnectionRegistry} held in process memory: one node, no sharing. */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #logger: Logger | undefined;

  constructor(options: MemoryConnectionRegistryOptions = {}) {
    this.#logger = options.logger;
  }

  /** How many connections are registered (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** The records of every registered connection (the Redis registry's heartbeat rewrites them). */
  *infos(): IterableIterator<ConnectionInfo> {
    for (const entry of this.#entries.values()) yield entry.info;
  }

  /** {@inheritDoc ConnectionRegistry.add} A second `add` with the same id replaces the first. */
  add(info: ConnectionInfo, local: LocalConnection): Promise<void> {
    this.#entries.set(info.connectionId, { info, local });
    return Promise.resolve();
  }

  /** {@inheritDoc ConnectionRegistry.get} */
  get(connectionId: string): Promise<ConnectionInfo | undefined> {
    return Promise.resolve(this.#entries.get(connectionId)?.info);
  }

  /** {@inheritDoc ConnectionRegistry.touch} An earlier time than the one held is ignored. */
  touch(connectionId: string, at: number): Promise<void> {
    const entry = this.#entries.get(connectionId);
    // Records are replaced, never mutated: a caller holding an earlier `get` result keeps it.
    if (entry !== undefined && at > entry.info.lastActiveAt) entry.info = { ...entry.info, lastActiveAt: at };
    return Promise.resolve();
  }

  /** {@inheritDoc ConnectionRegistry.remove} Unknown ids are ignored. */
  remove(connectionId: string): Promise<void> {
    this.#entries.delete(connectionId);
    return Promise.resolve();
  }

  /** {@inheritDoc ConnectionRegistry.send} */
  async send(connectionId: string, data: Buffer, binary: boolean): Promise<'sent' | 'gone'> {
    const entry = this.#entries.get(connectionId);
    if (entry === undefined) return 'gone';
    try {
      // Called synchronously up to the socket write, so sends keep their call order.
      await entry.local.send(data, binary);
      return 'sent';
    } catch (err) {
      // A connection that began closing refuses writes (websocket/connection.ts rejects with
      // PORTICO_ERR_WS_GONE): an expected race, not worth a line. Anything else is logged; for
      // the caller the client is gone either way.
      if ((err as { code?: unknown } | null)?.code !== 'PORTICO_ERR_WS_GONE') {
        this.#logger?.warn({ code: 'PORTICO_ERR_WS_SEND_FAILED', connectionId, err }, 'the socket refused a message');
      }
      return 'gone';
    }
  }

  /** {@inheritDoc ConnectionRegistry.disconnect} Closes with {@link DELETE_CLOSE}. */
  disconnect(connectionId: string): Promise<'closed' | 'gone'> {
    const entry = this.#entries.get(connectionId);
    if (entry === undefined) return Promise.resolve('gone');
    // Forget first: from here on the connection is gone for @connections, as on AWS.
    this.#entries.delete(connectionId);
    try {
      entry.local.close(DELETE_CLOSE.code, DELETE_CLOSE.reason);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return Promise.resolve('closed');
  }

  /** Always ready: the state is in this process. */
  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Forgets every record. Sockets are not closed: the WebSocket API's own `close()` does that (1001). */
  close(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }
}
