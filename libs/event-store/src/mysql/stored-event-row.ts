import type { StoredEvent } from '../event-store.port';
import { jsonColumn } from './mysql-errors';

/** Columns of `events` that make up a StoredEvent (also selected, prefixed, by joins such as the outbox relay's). */
export const STORED_EVENT_COLUMNS = [
  'position',
  'stream_id',
  'stream_version',
  'event_type',
  'schema_version',
  'data',
  'metadata',
  'created_time',
] as const;

/** One `events` row of `shard` as the StoredEvent every reader hands out (positions stay exact decimal strings). */
export function storedEventOf(shard: number, row: Record<string, unknown>): StoredEvent {
  return {
    shard,
    position: String(row.position),
    streamId: row.stream_id as string,
    streamVersion: Number(row.stream_version),
    type: row.event_type as string,
    schemaVersion: Number(row.schema_version),
    data: jsonColumn(row.data),
    metadata: jsonColumn(row.metadata) as StoredEvent['metadata'],
    createdTime: row.created_time as Date,
  };
}
