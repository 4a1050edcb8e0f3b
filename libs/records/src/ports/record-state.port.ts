import { RecordState } from '../domain/record.state';

export const RECORD_STATE_READER = Symbol('RecordStateReader');

/**
 * Change to the inline state table that travels with the events of one command. An update or
 * delete applies only to the row as it was loaded: at the expected version and held by `lockedBy`
 * (the move saga retiring its source) or, when absent, by no saga — so a lock that lands between a
 * writer's load and its append fails the write like a lost race.
 */
export type RecordStateChange = { op: 'insert' | 'update' | 'delete'; record: RecordState; lockedBy?: string };

export interface RecordPageFilter {
  businessId?: string;
  userId?: string;
}

/** Reads of the inline state table (consistent with acknowledged writes: same transaction). */
export interface RecordStateReader {
  get(shard: number, businessId: string, id: string): Promise<RecordState | null>;
  /**
   * Newest first (created_time, id descending), strictly older than `beforeId` when given.
   * With several shards the reader merges their pages. `offset` serves shallow page_num paging.
   */
  page(shards: number[], filter: RecordPageFilter, beforeId: string | null, limit: number, offset?: number): Promise<RecordState[]>;
}
