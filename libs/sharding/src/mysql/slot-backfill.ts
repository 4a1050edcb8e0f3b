import type { Knex } from 'knex';
import { EVENT_SLOT_OF_DATA, RECORD_SLOT_OF_BUSINESS } from './slot-rows';

/** Where a back-fill of one shard stands: the table, and the last key it passed in it. */
export interface SlotBackfillCursor {
  table: 'events' | 'records';
  /** Last position (events) or id (records) passed, as a decimal string. */
  after: string;
}

export interface SlotBackfillChunk {
  /** Rows given their slot by this call. */
  filled: number;
  /** Rows of the chunk left NULL: their slot cannot be computed (an event without `data.business_id`). */
  unresolved: number;
  done: boolean;
  cursor: SlotBackfillCursor;
}

const DEFAULT_CHUNK_ROWS = 2000;
const DEADLOCK_ATTEMPTS = 3;

/**
 * One chunk of filling `slot` on rows written before shard migration 0010 (events, then records):
 * the next `chunkRows` rows whose slot is NULL, read off the slot index's NULL range in key order
 * (idx_slot_position / idx_slot_id: no scan of the rows already filled), then one UPDATE per month
 * partition by primary key, `AND slot IS NULL`, computing the slot exactly as the slot predicates do
 * for NULL rows (crc32 of the business id % 4096, = slotOf). Each statement is bounded and commits
 * on its own (autocommit), so row locks are held for one statement; READ COMMITTED takes no gap
 * locks, so writers inserting beside the rows never wait on the back-fill.
 *
 * Resumable without a saved cursor: a filled row leaves the NULL range, so a back-fill that crashed
 * and starts again from nothing continues where the index says rows are still NULL. The cursor only
 * lets one run step past rows that stay NULL (no business id). Racing writers are harmless: they
 * write the same value, and the UPDATE skips a row that is no longer NULL.
 */
export async function backfillSlotChunk(db: Knex, cursor: SlotBackfillCursor | null, options: { chunkRows?: number } = {}): Promise<SlotBackfillChunk> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, not ${chunkRows}`);
  const at: SlotBackfillCursor = cursor ?? { table: 'events', after: '0' };
  if (!/^[0-9]{1,20}$/.test(at.after)) throw new RangeError(`not a position or id: ${at.after}`);
  if (at.table === 'events') {
    const [rows] = (await db.raw(`SELECT position, month_key FROM events WHERE slot IS NULL AND position > ${at.after} ORDER BY position LIMIT ${chunkRows}`)) as [Array<{ position: string | number; month_key: number }>];
    if (rows.length === 0) return { filled: 0, unresolved: 0, done: false, cursor: { table: 'records', after: '0' } };
    let filled = 0;
    for (const [month, positions] of byMonth(rows)) {
      // Not a row without a business id (it would be "updated" to NULL, and counted: the pools report matched rows).
      filled += await update(db, `UPDATE events SET slot = ${EVENT_SLOT_OF_DATA} WHERE month_key = ${month} AND position IN (${positions.join(',')}) AND slot IS NULL AND JSON_VALUE(data, '$.business_id') IS NOT NULL`);
    }
    return { filled, unresolved: rows.length - filled, done: false, cursor: { table: 'events', after: String(rows[rows.length - 1].position) } };
  }
  const [rows] = (await db.raw(`SELECT id FROM records WHERE slot IS NULL AND id > ${at.after} ORDER BY id LIMIT ${chunkRows}`)) as [Array<{ id: string | number }>];
  if (rows.length === 0) return { filled: 0, unresolved: 0, done: true, cursor: at };
  const filled = await update(db, `UPDATE records SET slot = ${RECORD_SLOT_OF_BUSINESS} WHERE id IN (${rows.map((r) => String(r.id)).join(',')}) AND slot IS NULL`);
  return { filled, unresolved: 0, done: false, cursor: { table: 'records', after: String(rows[rows.length - 1].id) } };
}

/** Rows of the shard whose slot is still NULL (two index range counts: 0 and 0 once back-filled). */
export async function rowsWithoutSlot(db: Knex): Promise<{ events: number; records: number }> {
  const [rows] = (await db.raw('SELECT (SELECT COUNT(*) FROM events WHERE slot IS NULL) AS events, (SELECT COUNT(*) FROM records WHERE slot IS NULL) AS records')) as [
    Array<{ events: number | string; records: number | string }>,
  ];
  return { events: Number(rows[0].events), records: Number(rows[0].records) };
}

async function update(db: Knex, sql: string, attempt = 1): Promise<number> {
  try {
    // One statement per transaction, READ COMMITTED: record locks only, released at its end.
    return await db.transaction(
      async (trx) => {
        const [header] = (await trx.raw(sql)) as [{ affectedRows?: number }];
        return Number(header.affectedRows ?? 0);
      },
      { isolationLevel: 'read committed' },
    );
  } catch (error) {
    // A writer locking the same rows in another order (a release's events by stream): take it again.
    if ((error as { errno?: number }).errno === 1213 && attempt < DEADLOCK_ATTEMPTS) return update(db, sql, attempt + 1);
    throw error;
  }
}

function byMonth(rows: ReadonlyArray<{ position: string | number; month_key: number }>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const month = Number(r.month_key);
    if (!Number.isInteger(month)) throw new RangeError(`not a month key: ${r.month_key}`);
    const positions = out.get(month);
    if (positions) positions.push(String(r.position));
    else out.set(month, [String(r.position)]);
  }
  return out;
}
