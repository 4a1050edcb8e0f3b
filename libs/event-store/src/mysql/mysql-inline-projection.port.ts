import { PlannedStatement } from './sql-statements';

export interface InlineChange<TState> {
  streamId: string;
  expectedVersion: number;
  state: TState;
  /** The write set the change is staged under (its rows carry the marker), null for ordinary writes. */
  stagedBy: string | null;
  /**
   * The stream's slot (slotOf its partition key: the slot the fence checked). An inserted state row
   * stores it (the `slot` column, shard migration 0010), so a slot move finds the row by index.
   */
  slot: number;
}

/**
 * A state table kept in the same transaction as the events (e.g. `records`). It plans statements;
 * the event store runs them inside the append transaction. A statement with a `guard` must affect
 * exactly one row, otherwise another writer got there first and the command fails with a conflict.
 */
export interface MysqlInlineProjection<TState> {
  plan(changes: InlineChange<TState>[]): PlannedStatement[];
  /** Clears the staging marker of these streams' state rows (run inside releaseStaged's transaction). */
  planRelease(writeSetId: string, streamIds: readonly string[]): PlannedStatement[];
  /** Deletes these streams' state rows still staged under the write set (inside discardStaged's transaction). */
  planDiscard(writeSetId: string, streamIds: readonly string[]): PlannedStatement[];
}
