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
  /**
   * The business a command WITHOUT writes is about (a no-op under a client key): its remembered key
   * then belongs to that business's slot like a write would (fenced, and carried by a slot move,
   * docs/adr/0008 4.8). Ignored when the command has writes (their partition keys decide).
   */
  partitionKey?: string;
  /**
   * Stage the writes under this commit point id (docs/adr/0003): events and state rows are written
   * marked and NO outbox rows, so nothing is published and readers resolve the marker against the
   * commit point; `releaseStaged` or `discardStaged` ends the staging.
   */
  stagedBy?: string;
}

/** A stream staged by a write set, as release and discard need it. */
export interface StagedStream {
  streamId: string;
  partitionMonth: number;
  /** The outbox rows written at release carry it (the Kafka key). */
  partitionKey: string;
}

export type AppendOutcome = { kind: 'appended' } | { kind: 'duplicate'; stored: StoredCommandResult };

export interface EventStore<TState = unknown> {
  /** Appends one command's writes; concurrent commands for the same shard share a transaction. */
  append(command: AppendCommand<TState>): Promise<AppendOutcome>;
  /** Appends a pre-grouped command (a batch part for one shard) as one multi-row transaction. */
  appendBatch(command: AppendCommand<TState>): Promise<AppendOutcome>;
  findCommandResult(shard: number, commandId: string): Promise<StoredCommandResult | null>;
  /**
   * Every remembered command on the shard whose id starts with `prefix`, in id order: the parts of a
   * batch under one client key (`key#shardN`, re-split `…#moved-…`, and parts of other shards copied
   * here with a moved slot, docs/adr/0008 4.8). One index range read.
   */
  findCommandResultsByPrefix(shard: number, prefix: string): Promise<StoredCommandResult[]>;
  /** Every event of the stream, staged ones included. */
  readStream(shard: number, streamId: string): Promise<StoredEvent[]>;
  /**
   * The write set committed: its staged events on these streams get their outbox rows (in position
   * order) and lose the marker, and so do their state rows, in one transaction. Idempotent: a
   * stream already released is skipped. Returns the number of events released now.
   */
  releaseStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number>;
  /** The write set was voided: its staged events and state rows on these streams are deleted (they were never visible). Idempotent. */
  discardStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number>;
}
