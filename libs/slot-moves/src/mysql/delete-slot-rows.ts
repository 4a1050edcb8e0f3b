import type { Knex } from 'knex';
import { SlotOwnedError } from '../slot-move.errors';
import type { DeleteChunkResult, DeleteCursor } from '../slot-copier.port';
import { DEFAULTS } from './copy-chunk';
import { eventsOfSlots, int, positive, recordsOfSlots, rowsOf, scanBound, slotList } from './slot-sql';

/**
 * One chunk of deleting the slots' `events` and then `records` rows from a shard: the rollback of a
 * copy on the target (4.2) and the cleanup of the source after a move (4.7). Refused for any slot
 * the shard owns (`owned_slots`): those rows are live data, never a copy. Outbox rows are not
 * touched: copied events have none, and the cleanup runs after the hand-off drained the source's.
 */
export async function deleteSlotRows(
  db: Knex,
  slots: readonly number[],
  options: { chunkRows?: number; scanRows?: number; cursor?: DeleteCursor | null } = {},
): Promise<DeleteChunkResult> {
  const chunkRows = positive(options.chunkRows ?? DEFAULTS.chunkRows);
  const scanRows = positive(options.scanRows ?? DEFAULTS.scanRows);
  const owned = await rowsOf<{ slot: number }>(db, `SELECT slot FROM owned_slots WHERE slot IN (${slotList(slots)})`);
  if (owned.length > 0) throw new SlotOwnedError(owned.map((r) => Number(r.slot)));
  // A call ends once it deleted something or finished, so a caller that does not pass the cursor
  // back (each call starts over) still makes progress; one that does skips what it passed.
  let cursor: DeleteCursor = options.cursor ?? { table: 'events', after: '0' };
  for (;;) {
    const step = await deleteWindow(db, slots, cursor, chunkRows, scanRows);
    if (step.deleted > 0 || step.done) return step;
    cursor = step.cursor;
  }
}

async function deleteWindow(db: Knex, slots: readonly number[], cursor: DeleteCursor, chunkRows: number, scanRows: number): Promise<DeleteChunkResult> {
  if (cursor.table === 'events') {
    const hi = await scanBound(db, 'events', cursor.after, scanRows);
    if (hi === null) return { deleted: 0, done: false, cursor: { table: 'records', after: '0' } };
    const rows = await rowsOf<{ position: string; month_key: number }>(
      db,
      `SELECT position, month_key FROM events WHERE position > ${int(cursor.after)} AND position <= ${hi} AND ${eventsOfSlots(slots)} ORDER BY position LIMIT ${chunkRows}`,
    );
    let deleted = 0;
    // By month, so each DELETE prunes to one partition and finds its rows by primary key.
    for (const [month, positions] of byMonth(rows)) deleted += affected(await db.raw(`DELETE FROM events WHERE month_key = ${month} AND position IN (${positions.join(',')})`));
    const after = rows.length === chunkRows ? String(rows[rows.length - 1].position) : hi;
    return { deleted, done: false, cursor: { table: 'events', after } };
  }
  const hi = await scanBound(db, 'records', cursor.after, scanRows);
  if (hi === null) return { deleted: 0, done: true, cursor };
  const ids = await rowsOf<{ id: string }>(db, `SELECT id FROM records WHERE id > ${int(cursor.after)} AND id <= ${hi} AND ${recordsOfSlots(slots)} ORDER BY id LIMIT ${chunkRows}`);
  const deleted = ids.length > 0 ? affected(await db.raw(`DELETE FROM records WHERE id IN (${ids.map((r) => int(String(r.id))).join(',')})`)) : 0;
  const after = ids.length === chunkRows ? String(ids[ids.length - 1].id) : hi;
  return { deleted, done: false, cursor: { table: 'records', after } };
}

function byMonth(rows: ReadonlyArray<{ position: string; month_key: number }>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const month = Number(r.month_key);
    out.set(month, [...(out.get(month) ?? []), int(String(r.position))]);
  }
  return out;
}

function affected(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  return Number((header as { affectedRows?: number }).affectedRows ?? 0);
}
