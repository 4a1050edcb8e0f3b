/**
 * The event store as the domain sees it. Adapters: mysql/ (sharded MariaDB/MySQL, group commit,
 * outbox) and in-memory/ (unit tests). Both pass the same contract suite.
 */
export const EVENT_STORE = Symbol('EventStore');

export interface EventMetadata {
  eventId: string;
  /** The command that produced the event; a repeated command id appends nothing. */
  commandId: string;
  correlationId: string;
  causationId: string | null;
  actor: string | null;
}

export interface EventToAppend {
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
}

export interface StoredEvent extends EventToAppend {
  shard: number;
  /** Per-shard, monotonically allocated (not commit-ordered: see SPEC "gaps"). */
  position: string;
  streamId: string;
  streamVersion: number;
  createdTime: Date;
}

/** Everything one stream gets from one command, written atomically with the rest of its command. */
export interface StreamWrite<TState = unknown> {
  streamId: string;
  /**
   * Month partition (YYYYMM) of the stream: fixed for the stream's whole life (records take the
   * month of their Snowflake id), which makes the unique key (stream, version, month) as strong
   * as (stream, version).
   */
  partitionMonth: number;
  /** Stream version before these events; 0 for a new stream. Enforced by a unique key. */
  expectedVersion: number;
  events: EventToAppend[];
  /** Key that consumers partition by (the Kafka message key): the business id. */
  partitionKey: string;
  /** Change to the inline state table, applied in the same transaction by the inline projection. */
  state: TState;
}

/** What a repeated command gets back instead of being executed again. */
export interface StoredCommandResult {
  commandId: string;
  /** Fingerprint of the original request, so a reused key with a different body is refused. */
  requestHash: string;
  response: unknown;
}

export interface AppendCommand<TState = unknown> {
  shard: number;
  writes: StreamWrite<TState>[];
  /** Present when the command id came from the client and must be remembered. */
  idempotency?: StoredCommandResult;
}

export type AppendOutcome = { kind: 'appended' } | { kind: 'duplicate'; stored: StoredCommandResult };

export interface EventStore<TState = unknown> {
  /** Appends one command's writes; concurrent commands for the same shard share a transaction. */
  append(command: AppendCommand<TState>): Promise<AppendOutcome>;
  /** Appends a pre-grouped command (a batch part for one shard) as one multi-row transaction. */
  appendBatch(command: AppendCommand<TState>): Promise<AppendOutcome>;
  findCommandResult(shard: number, commandId: string): Promise<StoredCommandResult | null>;
  readStream(shard: number, streamId: string): Promise<StoredEvent[]>;
}
