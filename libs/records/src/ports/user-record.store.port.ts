import type { RecordState } from '../domain/record.state';

export const USER_RECORD_STORE = Symbol('UserRecordStore');

/** One of a user's `records` rows, with the markers of a saga that may hold it. */
export interface UserRecordRow {
  state: RecordState;
  /** An atomic batch staged it and has not released it yet. */
  stagedBy: string | null;
  /** A move holds it. */
  movingOutBy: string | null;
}

/**
 * A user's records on one shard, found by user (user_id is not the shard key, so an erasure asks
 * every shard). Rows are returned whatever their markers: the erasure must see the ones a saga holds.
 */
export interface UserRecordStore {
  count(shard: number, userId: string): Promise<number>;
  /** The first `limit` of the user's rows on the shard (oldest first). */
  next(shard: number, userId: string, limit: number): Promise<UserRecordRow[]>;
}
