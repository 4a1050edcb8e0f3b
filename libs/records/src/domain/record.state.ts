/** Current state of one record: what the inline `records` table holds and GET returns. */
export interface RecordState {
  id: string;
  businessId: string;
  /** Positive 64-bit integer as a decimal string (exact beyond 2^53). */
  userId: string;
  dataContent: Record<string, unknown>;
  version: number;
  createdTime: Date;
  updatedTime: Date;
  /**
   * The move saga holding the record while it is copied to another business (the state row carries
   * the saga id): writes are refused with RECORD.LOCKED until the move committed (the record is
   * then gone from here) or was undone. A marker of the state table, not part of the history.
   */
  movingOutBy?: string;
}

/** One record is one event stream. */
export function streamIdOf(recordId: string): string {
  return `record-${recordId}`;
}

/** A new record as a client describes it (REST body, Kafka message, one item of a batch). */
export interface NewRecord {
  businessId: string;
  userId: string;
  dataContent: Record<string, unknown>;
}
