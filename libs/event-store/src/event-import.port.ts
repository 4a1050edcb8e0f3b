import type { EventToAppend, StoredEvent } from './event-store.port';

/** A recorded event as an import writes it: its version and time as recorded, its position when it can keep it. */
export interface ImportedEvent extends EventToAppend {
  /** The recorded position, kept on this shard; null: the shard allocates the next one (as an append does). */
  position: string | null;
  streamVersion: number;
  createdTime: Date;
}

/** One stream's imported events, written all or nothing, with the inline state they leave. */
export interface StreamImport<TState = unknown> {
  streamId: string;
  /** Month partition of the stream (StreamWrite.partitionMonth). */
  partitionMonth: number;
  /** The Kafka key of its outbox rows (the business id). */
  partitionKey: string;
  /** Versions the store held when the import read the stream; the first event is version expectedVersion + 1. */
  expectedVersion: number;
  events: ImportedEvent[];
  /** The inline state change the events make (e.g. the `records` row), or null when they leave none. */
  state: TState | null;
}

/**
 * Writing a recording back into an event store (the developer kit's import of JSONL envelopes):
 * events keep their versions, times, ids and (when free) positions, unlike append, which mints
 * positions and times. Implemented by InMemoryEventStore and MysqlEventImport; the decisions —
 * which events are new, which conflict, which positions are kept — are the importer's
 * (@shardline/event-export importRecording), so both adapters only write.
 */
export interface EventImportTarget<TState = unknown> {
  /** Every event of the stream, as EventStore.readStream. */
  readStream(shard: number, streamId: string): Promise<StoredEvent[]>;
  /** Which of these positions the shard already holds. */
  takenPositions(shard: number, positions: readonly string[]): Promise<Set<string>>;
  /**
   * Writes these streams in ONE transaction (all or none): events, their inline state and, with
   * `outbox`, their outbox rows (so a relay publishes them; otherwise they count as published).
   * A stream that gained a version meanwhile fails it with StreamVersionConflictError.
   */
  importStreams(shard: number, streams: readonly StreamImport<TState>[], options: { outbox: boolean }): Promise<void>;
}
