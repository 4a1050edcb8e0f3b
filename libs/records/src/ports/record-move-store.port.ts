import type { RecordState } from '../domain/record.state';

export const RECORD_MOVE_STORE = Symbol('RecordMoveStore');

/**
 * The `records` rows of a move in progress, on one shard (docs/adr/0004): the source rows a move
 * saga holds (marked with its id) and the copies it staged. Everything is idempotent under the saga
 * id, so a retried, redelivered or duplicated step repeats it harmlessly.
 */
export interface RecordMoveStore {
  /**
   * Ids of the business's records a reader sees now (ascending), at most `limit` + 1 so a caller can
   * tell "more than the limit" from "exactly the limit".
   */
  listIds(shard: number, businessId: string, limit: number): Promise<string[]>;
  /** Which of these ids are records of the business a reader sees now. */
  visibleIds(shard: number, businessId: string, ids: readonly string[]): Promise<Set<string>>;
  /**
   * Marks every one of these rows as moving out under the saga, in one local transaction, or none:
   * a row missing from the business fails with RECORD.NOT_FOUND, one held by another saga with
   * RECORD.LOCKED (both for good); a row still staged by an atomic batch fails retriably (its batch
   * ends soon). Rows this saga already holds count as locked.
   */
  lock(shard: number, sagaId: string, businessId: string, ids: readonly string[]): Promise<number>;
  /** Clears the mark of the rows this saga holds (and only those). */
  unlock(shard: number, sagaId: string, ids: readonly string[]): Promise<number>;
  /** The rows of these ids the saga holds, with `movingOutBy` set, ascending by id. */
  readLocked(shard: number, sagaId: string, ids: readonly string[]): Promise<RecordState[]>;
  /** The rows of these ids staged under the write set (not yet released), ascending by id. */
  readStaged(shard: number, writeSetId: string, ids: readonly string[]): Promise<RecordState[]>;
}
