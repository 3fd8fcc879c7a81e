/**
 * Who is connected where: the WebSocket connection registry behind the @connections API.
 * memory.ts for one process; redis.ts shares it across nodes, so a post that reaches node B for
 * a client held by node A is delivered through A. Both pass test/contract/connection-registry.ts.
 */

/** What GetConnection returns, plus where the connection lives. */
export interface ConnectionInfo {
  readonly connectionId: string;
  readonly apiId: string;
  readonly stage: string;
  /** Epoch ms of the upgrade. */
  readonly connectedAt: number;
  /** Epoch ms of the last message from the client (or post to it). */
  readonly lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The node holding the socket (one per process; used by the Redis implementation). */
  readonly nodeId: string;
}

/** The socket side of a connection held by this node. */
export interface LocalConnection {
  /** Sends one message; `binary` selects the frame type. Resolves when handed to the socket. */
  send(data: Buffer, binary: boolean): Promise<void>;
  /** Closes the connection (DeleteConnection: 1000 "Normal closure"? see websocket/connection.ts). */
  close(code: number, reason: string): void;
}

export interface ConnectionRegistry {
  /** Registers a connection held by this node. */
  add(info: ConnectionInfo, local: LocalConnection): Promise<void>;
  /** The connection's record, or undefined when unknown or gone. */
  get(connectionId: string): Promise<ConnectionInfo | undefined>;
  /** Updates lastActiveAt. */
  touch(connectionId: string, at: number): Promise<void>;
  /** Forgets a connection (after it closed). */
  remove(connectionId: string): Promise<void>;
  /** Delivers a message wherever the connection is held; 'gone' when it isn't connected. */
  send(connectionId: string, data: Buffer, binary: boolean): Promise<'sent' | 'gone'>;
  /** Closes a connection wherever it is held; 'gone' when it isn't connected. */
  disconnect(connectionId: string): Promise<'closed' | 'gone'>;
  /**
   * Resolves true when the store can serve right now (a shared store: its server answers);
   * never rejects. For a later `/ready` endpoint. Absent on test doubles: always ready.
   */
  ready?(): Promise<boolean>;
  close(): Promise<void>;
}
