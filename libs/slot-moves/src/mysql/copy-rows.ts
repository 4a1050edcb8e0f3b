import type { Knex } from 'knex';
import { DateLiterals, sqlLiteral } from '@shardline/event-store/mysql';
import { EVENT_SLOT, int, RECORD_SLOT, rowsOf } from './slot-sql';

/**
 * Every column of `events` but `position` (the target allocates its own) and `staged_by` (staged
 * events are never copied: released, they are copied then; discarded, never). The int test holds
 * this list to the table's columns, so a column added later cannot be silently left behind.
 */
export const EVENT_COPY_COLUMNS = ['month_key', 'stream_id', 'stream_version', 'event_type', 'schema_version', 'data', 'metadata', 'created_time', 'slot'] as const;
/** Every column of `records` (staged rows are not copied, so staged_by is always NULL here). */
export const RECORD_COPY_COLUMNS = ['id', 'business_id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time', 'staged_by', 'moving_out_by', 'slot'] as const;

/**
 * JSON columns are read as text: the driver would otherwise hand them out parsed, and writing them
 * back through JSON.stringify is not the same bytes (a number beyond 2^53 loses digits, 1.0 becomes 1).
 */
const asText = (column: string) => (['data', 'metadata', 'data_content'].includes(column) ? `CAST(${column} AS CHAR CHARACTER SET utf8mb4) AS ${column}` : column);
/**
 * `slot` is read as the row's slot, computed when the source row still has NULL (written before
 * shard migration 0010, not yet back-filled): the copy lands on the target with its slot filled.
 */
const selected = (slotOfRow: string) => (column: string) => (column === 'slot' ? `${slotOfRow} AS slot` : asText(column));
export const EVENT_SELECT = ['position', 'staged_by', ...EVENT_COPY_COLUMNS].map(selected(EVENT_SLOT)).join(', ');
export const RECORD_SELECT = RECORD_COPY_COLUMNS.map(selected(RECORD_SLOT)).join(', ');

export type SourceEvent = Record<(typeof EVENT_COPY_COLUMNS)[number] | 'position' | 'staged_by', unknown>;
export type SourceRecord = Record<(typeof RECORD_COPY_COLUMNS)[number], unknown>;

/** Statements stay far below max_allowed_packet whatever the rows hold (data_content up to 64 KiB each). */
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

/**
 * Events into the target, in the order given (source position order: the target's positions then
 * follow it). A row already there (same stream, version, month: the unique key) is left as it is,
 * so a re-copied chunk changes nothing. Not INSERT IGNORE: that would also turn other errors (a
 * value out of range, a row with no partition) into warnings and drop the row silently.
 */
export async function insertEvents(target: Knex | Knex.Transaction, rows: readonly SourceEvent[]): Promise<void> {
  await runBatched(target, `INSERT INTO events (${EVENT_COPY_COLUMNS.join(', ')}) VALUES `, ' ON DUPLICATE KEY UPDATE stream_id = stream_id', rows.map((row) => EVENT_COPY_COLUMNS.map((c) => valueOf(row[c]))));
}

/**
 * Records into the target, keeping the higher version: a row the target holds at a newer version
 * (copied by a later chunk) is not taken back. Equal versions are rewritten (the move-records lock
 * column may have changed without a new version). `version` is assigned last: MySQL evaluates the
 * assignments left to right, each seeing the ones before.
 */
export async function upsertRecords(target: Knex | Knex.Transaction, rows: readonly SourceRecord[]): Promise<void> {
  const newer = 'VALUES(version) >= version';
  const updates = RECORD_COPY_COLUMNS.filter((c) => c !== 'id' && c !== 'version').map((c) => `${c} = IF(${newer}, VALUES(${c}), ${c})`);
  await runBatched(
    target,
    `INSERT INTO records (${RECORD_COPY_COLUMNS.join(', ')}) VALUES `,
    ` ON DUPLICATE KEY UPDATE ${[...updates, 'version = GREATEST(version, VALUES(version))'].join(', ')}`,
    rows.map((row) => RECORD_COPY_COLUMNS.map((c) => valueOf(row[c]))),
  );
}

/**
 * The `records` rows of streams whose events were just copied, as the source holds them now: upserted
 * on the target, or deleted there when the source has none (the stream ended with RecordDeleted,
 * RecordMovedOut or RecordErased: a deletion removes the row, libs/records-mysql). A row still staged
 * on the source is left alone (its events were not copied either).
 */
export async function recopyRecordsOf(source: Knex, target: Knex.Transaction, streamIds: Iterable<string>): Promise<number> {
  const ids = [...new Set([...streamIds].filter((s) => s.startsWith('record-')).map((s) => int(s.slice('record-'.length))))];
  let touched = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const found = await rowsOf<SourceRecord>(source, `SELECT ${RECORD_SELECT} FROM records WHERE id IN (${batch.join(',')})`);
    const present = new Set(found.map((r) => String(r.id)));
    const live = found.filter((r) => r.staged_by === null);
    const gone = batch.filter((id) => !present.has(id));
    if (live.length > 0) await upsertRecords(target, live);
    if (gone.length > 0) await target.raw(`DELETE FROM records WHERE id IN (${gone.join(',')})`);
    touched += live.length + gone.length;
  }
  return touched;
}

function valueOf(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) throw new TypeError('JSON columns must be selected as text (EVENT_SELECT, RECORD_SELECT)');
  return value;
}

async function runBatched(db: Knex | Knex.Transaction, head: string, tail: string, rows: unknown[][]): Promise<void> {
  const dates = new DateLiterals();
  let tuples: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (tuples.length === 0) return;
    await db.raw(head + tuples.join(', ') + tail);
    tuples = [];
    bytes = 0;
  };
  for (const row of rows) {
    const tuple = `(${row.map((v) => sqlLiteral(v, dates)).join(', ')})`;
    if (bytes + tuple.length > MAX_STATEMENT_BYTES) await flush();
    tuples.push(tuple);
    bytes += tuple.length;
  }
  await flush();
}
