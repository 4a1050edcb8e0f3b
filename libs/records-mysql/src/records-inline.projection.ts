import { formatSql, InlineChange, insertStatements, MysqlInlineProjection, PlannedStatement } from '@shardline/event-store/mysql';
import { RecordStateChange } from '@shardline/records';

// `slot`: the row's slot (the stream's, from the event store), so a slot move finds it by index (shard migration 0010).
const INSERT_COLUMNS = ['id', 'business_id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time', 'staged_by', 'slot'];
const STREAM_PREFIX = 'record-';

/**
 * Keeps `records` (current state) in the same transaction as the events. Inserts go in as
 * multi-row statements; updates and deletes are guarded by the expected version and by the move
 * lock the writer loaded (`moving_out_by <=> lockedBy`: none for ordinary writes, its own saga for a
 * move retiring its source), and a guard that matches no row means another writer or a move saga got
 * there first (the event store turns it into a conflict; the runner reloads and tells which).
 */
export class RecordsInlineProjection implements MysqlInlineProjection<RecordStateChange> {
  plan(changes: InlineChange<RecordStateChange>[]): PlannedStatement[] {
    const inserts: unknown[][] = [];
    const guarded: InlineChange<RecordStateChange>[] = [];
    for (const change of changes) {
      const { op, record } = change.state;
      if (op === 'insert') {
        inserts.push([record.id, record.businessId, record.userId, JSON.stringify(record.dataContent), record.version, record.createdTime, record.updatedTime, change.stagedBy, change.slot]);
      } else {
        guarded.push(change);
      }
    }
    // Rows are locked in id order so that concurrent groups cannot deadlock on each other.
    guarded.sort((a, b) => (BigInt(a.state.record.id) < BigInt(b.state.record.id) ? -1 : 1));
    return [
      ...insertStatements('records', INSERT_COLUMNS, inserts),
      ...guarded.map(({ streamId, expectedVersion, state: { op, record, lockedBy } }) => ({
        sql:
          op === 'update'
            ? formatSql('UPDATE records SET data_content = ?, version = ?, updated_time = ? WHERE id = ? AND version = ? AND moving_out_by <=> ?', [
                JSON.stringify(record.dataContent),
                record.version,
                record.updatedTime,
                record.id,
                expectedVersion,
                lockedBy ?? null,
              ])
            : formatSql('DELETE FROM records WHERE id = ? AND version = ? AND moving_out_by <=> ?', [record.id, expectedVersion, lockedBy ?? null]),
        guard: { streamId, expectedVersion },
      })),
    ];
  }

  planRelease(writeSetId: string, streamIds: readonly string[]): PlannedStatement[] {
    return chunks(recordIdsOf(streamIds)).map((ids) => ({ sql: formatSql('UPDATE records SET staged_by = NULL WHERE id IN (?) AND staged_by = ?', [ids, writeSetId]) }));
  }

  planDiscard(writeSetId: string, streamIds: readonly string[]): PlannedStatement[] {
    return chunks(recordIdsOf(streamIds)).map((ids) => ({ sql: formatSql('DELETE FROM records WHERE id IN (?) AND staged_by = ?', [ids, writeSetId]) }));
  }
}

/** A record's stream is `record-<id>` (streamIdOf in the records domain). */
function recordIdsOf(streamIds: readonly string[]): string[] {
  return streamIds.filter((s) => s.startsWith(STREAM_PREFIX)).map((s) => s.slice(STREAM_PREFIX.length));
}

function chunks<T>(items: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
