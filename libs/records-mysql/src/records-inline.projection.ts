import { formatSql, InlineChange, insertStatements, MysqlInlineProjection, PlannedStatement } from '@shardline/event-store/mysql';
import { RecordStateChange } from '@shardline/records';

const INSERT_COLUMNS = ['id', 'business_id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time'];

/**
 * Keeps `records` (current state) in the same transaction as the events. Inserts go in as
 * multi-row statements; updates and deletes are guarded by the expected version, and a guard that
 * matches no row means another writer got there first (the event store turns it into a conflict).
 */
export class RecordsInlineProjection implements MysqlInlineProjection<RecordStateChange> {
  plan(changes: InlineChange<RecordStateChange>[]): PlannedStatement[] {
    const inserts: unknown[][] = [];
    const guarded: InlineChange<RecordStateChange>[] = [];
    for (const change of changes) {
      const { op, record } = change.state;
      if (op === 'insert') {
        inserts.push([record.id, record.businessId, record.userId, JSON.stringify(record.dataContent), record.version, record.createdTime, record.updatedTime]);
      } else {
        guarded.push(change);
      }
    }
    // Rows are locked in id order so that concurrent groups cannot deadlock on each other.
    guarded.sort((a, b) => (BigInt(a.state.record.id) < BigInt(b.state.record.id) ? -1 : 1));
    return [
      ...insertStatements('records', INSERT_COLUMNS, inserts),
      ...guarded.map(({ streamId, expectedVersion, state: { op, record } }) => ({
        sql:
          op === 'update'
            ? formatSql('UPDATE records SET data_content = ?, version = ?, updated_time = ? WHERE id = ? AND version = ?', [
                JSON.stringify(record.dataContent),
                record.version,
                record.updatedTime,
                record.id,
                expectedVersion,
              ])
            : formatSql('DELETE FROM records WHERE id = ? AND version = ?', [record.id, expectedVersion]),
        guard: { streamId, expectedVersion },
      })),
    ];
  }
}
