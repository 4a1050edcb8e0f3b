import { formatSql, guardShard, isDuplicateKey, jsonColumn, STORED_EVENT_COLUMNS, storedEventOf } from '@shardline/event-store/mysql';
import { envelopeOf } from '@shardline/integration-events';
import { openEnvelopes, type EnvelopeKeys } from '@shardline/projections';
import type { RepairOutcome, Slice } from '@shardline/reconciliation';
import { evolve, initialState, type RecordEvent, type RecordState } from '@shardline/records';
import { slotOf } from '@shardline/sharding';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { RECORD_COLUMNS, type RecordRow } from '../mysql-record-state.reader';
import { byMonth, isWholeMonth } from './mysql-event-store.side';
import { assertRecordIds, chunked, eventsOfSlice, recordsOfSlice } from './verification-sql';

export type RowOutcome = 'inserted' | 'updated' | 'deleted' | 'unchanged' | 'skipped' | 'unopenable';

export interface RowResult {
  recordId: string;
  outcome: RowOutcome;
  reason?: string;
}

/** The row a stream's events fold to (null: no record), and the write set still staging it. */
interface Folded {
  recordId: string;
  streamId: string;
  month: number;
  lastVersion: number;
  state: RecordState | null;
  stagedBy: string | null;
  unopenable?: string;
}

/**
 * Recomputes rows of a shard's inline `records` table from the streams' events, through the same
 * fold as the write side (the records decider's `evolve` from `initialState`, content opened with
 * the users' keys like the projections do), and writes only the rows that differ.
 *
 * ONLINE-SAFE, IN PLACE, WITHOUT LOCKS (why not a shadow table and a swap): writers keep appending
 * while this runs, and every append updates `records` in its own transaction with a version guard.
 * A shadow table would miss the writes made while it is built unless the write path wrote to both
 * (it must not change for this), and a RENAME swap would also drop the markers that only the state
 * table holds (`moving_out_by` of a move in progress). So rows are compared and fixed in place, one
 * batch (an id range, or a list of ids) at a time:
 *   1. the batch's events and rows are read in ONE consistent snapshot (REPEATABLE READ, read-only:
 *      no lock, writers never wait), so each stream is compared with the row of the same instant —
 *      a write in flight is on both sides or on neither;
 *   2. each differing row is written by one single-row statement guarded by what the snapshot saw:
 *      UPDATE/DELETE … WHERE id = ? AND version = <the version read>; INSERT … only WHERE NOT EXISTS
 *      an event of the stream above the folded version. A writer that changed the row (or appended)
 *      after the snapshot bumped its version, so the guard matches nothing and the writer's newer
 *      row stands: reported as `skipped` (a later run picks it up if it still differs).
 * Markers are left alone (`moving_out_by`, and `staged_by` on rows that exist; an inserted row gets
 * the staging marker of its stream's last event).
 */
export class RecordsRowRebuilder {
  constructor(
    private readonly databases: ShardDatabases,
    /** Opens content sealed at write time (docs/adr/0005); without it a sealed stream is `unopenable`. */
    private readonly keys?: EnvelopeKeys,
  ) {}

  /** Rebuilds the rows of these records (verify --repair). */
  async rebuildRecords(shard: number, recordIds: readonly string[]): Promise<RowResult[]> {
    assertRecordIds(recordIds);
    const out: RowResult[] = [];
    for (const [month, ids] of byMonth(recordIds)) {
      for (const chunk of chunked(ids, 500)) {
        const streams = chunk.map((id) => `'record-${id}'`).join(', ');
        const results = await this.rebuildBatch(shard, {
          events: `month_key = ${month} AND stream_id IN (${streams})`,
          rows: `id IN (${chunk.join(', ')})`,
          eventsIndex: 'FORCE INDEX (uq_stream_version)',
        });
        const seen = new Set(results.map((r) => r.recordId));
        out.push(...results, ...chunk.filter((id) => !seen.has(id)).map((recordId): RowResult => ({ recordId, outcome: 'unchanged' })));
      }
    }
    return out;
  }

  /** Rebuilds every row of a slice (records:rebuild walks a shard's months slice by slice). */
  rebuildSlice(shard: number, slice: Slice): Promise<RowResult[]> {
    return this.rebuildBatch(shard, { events: eventsOfSlice(slice, isWholeMonth(slice)), rows: recordsOfSlice(slice), eventsIndex: '' });
  }

  private async rebuildBatch(shard: number, where: { events: string; rows: string; eventsIndex: string }): Promise<RowResult[]> {
    const db = this.databases.shard(shard);
    const { events, rows } = await guardShard(shard, () =>
      db.transaction(
        async (trx) => {
          const [e] = await trx.raw(`SELECT ${STORED_EVENT_COLUMNS.join(', ')}, month_key, staged_by FROM events ${where.eventsIndex} WHERE ${where.events} ORDER BY stream_id, stream_version`);
          const [r] = await trx.raw(`SELECT ${RECORD_COLUMNS} FROM records WHERE ${where.rows}`);
          return { events: e as Array<Record<string, unknown>>, rows: r as RecordRow[] };
        },
        { isolationLevel: 'repeatable read' },
      ),
    );
    const folded = await this.fold(shard, events);
    const current = new Map(rows.map((row) => [String(row.id), row]));
    const results: RowResult[] = [];
    for (const f of folded.values()) {
      results.push(await this.reconcile(shard, f, current.get(f.recordId) ?? null));
      current.delete(f.recordId);
    }
    // Rows without any event: nothing ever created them through the event store.
    for (const row of current.values()) results.push(await this.removeRow(shard, String(row.id), Number(row.version)));
    return results;
  }

  private async fold(shard: number, rows: Array<Record<string, unknown>>): Promise<Map<string, Folded>> {
    const stored = rows.map((row) => storedEventOf(shard, row));
    const opened = await openEnvelopes(stored.map(envelopeOf), this.keys);
    const out = new Map<string, Folded>();
    stored.forEach((event, i) => {
      const recordId = event.streamId.slice('record-'.length);
      let f = out.get(recordId);
      if (!f) out.set(recordId, (f = { recordId, streamId: event.streamId, month: Number(rows[i].month_key), lastVersion: 0, state: initialState(), stagedBy: null }));
      f.lastVersion = event.streamVersion;
      f.stagedBy = (rows[i].staged_by as string | null) ?? null;
      const result = opened[i];
      if ('poison' in result) {
        f.unopenable ??= result.poison;
        return;
      }
      f.state = evolve(f.state, { type: result.event.event_type, schemaVersion: result.event.schema_version, data: result.event.data } as RecordEvent);
    });
    return out;
  }

  private async reconcile(shard: number, f: Folded, row: RecordRow | null): Promise<RowResult> {
    const { recordId, state } = f;
    if (f.unopenable) return { recordId, outcome: 'unopenable', reason: f.unopenable };
    if (!state) return row ? this.removeRow(shard, recordId, Number(row.version)) : { recordId, outcome: 'unchanged' };
    if (row && sameRow(row, state)) return { recordId, outcome: 'unchanged' };
    // The slot follows the business id (a repaired row may change it): slot moves find rows by it (shard migration 0010).
    const values = [state.businessId, state.userId, JSON.stringify(state.dataContent), state.version, state.createdTime, state.updatedTime, slotOf(state.businessId)];
    if (row) {
      const sql = formatSql('UPDATE records SET business_id = ?, user_id = ?, data_content = ?, version = ?, created_time = ?, updated_time = ?, slot = ? WHERE id = ? AND version = ?', [...values, recordId, Number(row.version)]);
      return (await this.affected(shard, sql)) === 1 ? { recordId, outcome: 'updated' } : skipped(recordId);
    }
    const sql = formatSql(
      `INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time, slot, staged_by)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? FROM DUAL
       WHERE NOT EXISTS (SELECT 1 FROM events WHERE month_key = ? AND stream_id = ? AND stream_version > ?)`,
      [recordId, ...values, f.stagedBy, f.month, f.streamId, f.lastVersion],
    );
    try {
      return (await this.affected(shard, sql)) === 1 ? { recordId, outcome: 'inserted' } : skipped(recordId);
    } catch (error) {
      if (isDuplicateKey(error)) return skipped(recordId);
      throw error;
    }
  }

  private async removeRow(shard: number, recordId: string, version: number): Promise<RowResult> {
    const affected = await this.affected(shard, formatSql('DELETE FROM records WHERE id = ? AND version = ?', [recordId, version]));
    return affected === 1 ? { recordId, outcome: 'deleted' } : skipped(recordId);
  }

  private async affected(shard: number, sql: string): Promise<number> {
    const [result] = await guardShard(shard, () => this.databases.shard(shard).raw(sql));
    return Number((result as { affectedRows?: number }).affectedRows ?? 0);
  }
}

function skipped(recordId: string): RowResult {
  return { recordId, outcome: 'skipped', reason: 'the row changed after it was read (a concurrent write): left as the writer wrote it' };
}

function sameRow(row: RecordRow, state: RecordState): boolean {
  return (
    Number(row.version) === state.version &&
    row.business_id === state.businessId &&
    String(row.user_id) === state.userId &&
    JSON.stringify(jsonColumn(row.data_content)) === JSON.stringify(state.dataContent) &&
    row.created_time.getTime() === state.createdTime.getTime() &&
    row.updated_time.getTime() === state.updatedTime.getTime()
  );
}

/** A row result as verify --repair reports it. */
export function repairOutcomeOf(result: RowResult): RepairOutcome {
  const status = result.outcome === 'unchanged' ? 'unchanged' : result.outcome === 'skipped' ? 'skipped' : result.outcome === 'unopenable' ? 'rejected' : 'repaired';
  return { model: 'records', recordId: result.recordId, status, ...(result.reason ? { reason: result.reason } : {}) };
}
