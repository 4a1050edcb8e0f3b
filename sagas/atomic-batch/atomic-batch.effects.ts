/**
 * What the atomic batch saga needs done, as commands against the shards and the control database.
 * Implemented by the records application (libs/records) over the event store and the commit points;
 * a spec may implement it in memory.
 */
export interface AtomicBatchRecord {
  /** Position in the request's `data` array. */
  index: number;
  /** Assigned when the batch was accepted, so every attempt stages the same ids. */
  id: string;
  shard: number;
  business_id: string;
  user_id: string;
  data_content: Record<string, unknown>;
}

export interface AtomicBatchPart {
  shard: number;
  records: AtomicBatchRecord[];
}

export interface StageContext {
  writeSetId: string;
  /** The step's command id for this part: the shard's idempotency store answers a repeat. */
  commandId: string;
  /** The client request's correlation id, carried into every event's metadata. */
  correlationId: string;
  /** The API key behind the request (every event's `actor`). */
  actor: string | null;
  signal: AbortSignal;
}

export type CommitPointDecision = 'committed' | 'voided';

export interface AtomicBatchEffects {
  openCommitPoint(writeSetId: string): Promise<void>;
  /** Writes the part's records and events marked with the write set, without outbox rows; idempotent under `stage.commandId`. */
  stagePart(part: AtomicBatchPart, stage: StageContext): Promise<void>;
  /** pending → committed; answers the decision that holds (voided if a void came first). */
  commit(writeSetId: string): Promise<CommitPointDecision | 'pending'>;
  /** pending → voided; answers the decision that holds (committed if the commit came first). */
  void(writeSetId: string): Promise<CommitPointDecision | 'pending'>;
  /** The part's staged rows lose their marker and get their outbox rows; idempotent. */
  releasePart(part: AtomicBatchPart, writeSetId: string): Promise<void>;
  /** The part's staged rows are deleted (never visible, never published); idempotent. */
  discardPart(part: AtomicBatchPart, writeSetId: string): Promise<void>;
}
