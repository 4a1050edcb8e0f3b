import { RecordState } from '../domain/record.state';

export const RECORD_STATE_READER = Symbol('RecordStateReader');

/** Change to the inline state table that travels with the events of one command. */
export type RecordStateChange = { op: 'insert' | 'update' | 'delete'; record: RecordState };

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
