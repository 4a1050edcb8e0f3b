import type { Knex } from 'knex';
import type { CopyCursor, StagedRef } from '../slot-copy.cursors';
import type { ChunkOptions, CopyChunkResult } from '../slot-copier.port';
import { EVENT_SELECT, insertEvents, RECORD_SELECT, upsertRecords, type SourceEvent, type SourceRecord } from './copy-rows';
import { dbNow, eventPartitions, eventsOfSlots, int, maxPosition, partitionName, positive, recordsOfSlots, rowsOf, scanBound } from './slot-sql';

export const DEFAULTS = { chunkRows: 5000, scanRows: 50_000, settleMs: 15_000 } as const;

/**
 * One chunk of the backfill (docs/adr/0008, 4.2) from `source` to `target`, two shard databases.
 * 1. No cursor: observe the highest committed position (`upTo`) and return, asking to wait the
 *    settle window — then every position up to `upTo` has committed or died, so the reads below
 *    see all of them; what lies above is the catch-up's (catchUpCursorAfter).
 * 2. Events, partition by partition (month_key, docs/adr/0002), in position order: of up to
 *    `scanRows` positions, those of the slots (at most `chunkRows`) are written to the target in
 *    one transaction. Staged events are not copied but remembered (the catch-up copies them once
 *    released). No outbox rows: the source's relay publishes these events.
 * 3. Then `records` in id order (partitioned by id month, docs/adr/0007; the primary key is the id).
 * Idempotent: a chunk run again (a crash before its cursor was saved) writes nothing new.
 */
export async function copyChunk(source: Knex, target: Knex, slots: readonly number[], cursor: CopyCursor | null, options: ChunkOptions = {}): Promise<CopyChunkResult> {
  const chunkRows = positive(options.chunkRows ?? DEFAULTS.chunkRows);
  const scanRows = positive(options.scanRows ?? DEFAULTS.scanRows);
  const settleMs = options.settleMs ?? DEFAULTS.settleMs;
  eventsOfSlots(slots); // validates the slots before anything is read
  if (!cursor) {
    const upTo = await maxPosition(source);
    const observedAt = await dbNow(source);
    const partitions = Object.fromEntries((await eventPartitions(source)).map((p) => [p, { after: '0', done: false }]));
    const first: CopyCursor = { kind: 'copy', upTo, observedAt, startAt: observedAt + settleMs, partitions, records: { after: '0', done: false }, staged: [] };
    return { cursor: first, rowsCopied: 0, done: false, waitMs: settleMs };
  }
  const now = await dbNow(source);
  if (now < cursor.startAt) return { cursor, rowsCopied: 0, done: false, waitMs: cursor.startAt - now };

  // A partition split out of pmax by maintenance since the last call is read too (from the start).
  const partitions = { ...cursor.partitions };
  for (const name of await eventPartitions(source)) partitions[name] ??= { after: '0', done: false };
  const next = Object.entries(partitions).find(([, p]) => !p.done);
  if (next) {
    const [name, progress] = next;
    const { rows, after, done } = await eventsChunk(source, slots, name, progress.after, cursor.upTo, chunkRows, scanRows);
    const copyable = rows.filter((r) => r.staged_by === null);
    if (copyable.length > 0) await target.transaction((trx) => insertEvents(trx, copyable));
    const staged = withStaged(cursor.staged, rows.filter((r) => r.staged_by !== null));
    return { cursor: { ...cursor, partitions: { ...partitions, [name]: { after, done } }, staged }, rowsCopied: copyable.length, done: false, waitMs: 0 };
  }
  if (!cursor.records.done) {
    // The end of `records` is fixed when this phase starts: writes go on, and a table read to its
    // moving end would never be done. Every row whose events lie at or below `upTo` committed by
    // then (the settle window has passed); rows written later have later events, which the catch-up
    // copies along with their rows.
    const end = cursor.records.upTo ?? (await maxRecordId(source));
    if (end === null) return { cursor: { ...cursor, partitions, records: { ...cursor.records, done: true } }, rowsCopied: 0, done: true, waitMs: 0 };
    const bound = await scanBound(source, 'records', cursor.records.after, scanRows);
    const hi = bound === null || BigInt(bound) > BigInt(end) ? end : bound;
    if (BigInt(hi) <= BigInt(cursor.records.after)) return { cursor: { ...cursor, partitions, records: { ...cursor.records, upTo: end, done: true } }, rowsCopied: 0, done: true, waitMs: 0 };
    const rows = await rowsOf<SourceRecord>(
      source,
      `SELECT ${RECORD_SELECT} FROM records WHERE id > ${int(cursor.records.after)} AND id <= ${hi} AND staged_by IS NULL AND ${recordsOfSlots(slots)} ORDER BY id LIMIT ${chunkRows}`,
    );
    if (rows.length > 0) await target.transaction((trx) => upsertRecords(trx, rows));
    const after = rows.length === chunkRows ? String(rows[rows.length - 1].id) : hi;
    return { cursor: { ...cursor, partitions, records: { after, upTo: end, done: false } }, rowsCopied: rows.length, done: false, waitMs: 0 };
  }
  return { cursor: { ...cursor, partitions }, rowsCopied: 0, done: true, waitMs: 0 };
}

async function maxRecordId(source: Knex): Promise<string | null> {
  const [row] = await rowsOf<{ id: string | null }>(source, 'SELECT CAST(MAX(id) AS CHAR) AS id FROM records');
  return row?.id ?? null;
}

async function eventsChunk(source: Knex, slots: readonly number[], partition: string, after: string, upTo: string, chunkRows: number, scanRows: number) {
  const hi = await scanBound(source, 'events', after, scanRows, { partition, upTo });
  if (hi === null) return { rows: [] as SourceEvent[], after, done: true };
  const rows = await rowsOf<SourceEvent>(
    source,
    `SELECT ${EVENT_SELECT} FROM events PARTITION (${partitionName(partition)})
      WHERE position > ${int(after)} AND position <= ${hi} AND ${eventsOfSlots(slots)} ORDER BY position LIMIT ${chunkRows}`,
  );
  // A full chunk may stop before the scanned range ends: go on from its last row.
  return { rows, after: rows.length === chunkRows ? String(rows[rows.length - 1].position) : hi, done: false };
}

/** Adds staged events met (by primary key), without duplicates. */
export function withStaged(known: readonly StagedRef[], rows: readonly SourceEvent[]): StagedRef[] {
  const out = [...known];
  const seen = new Set(known.map((s) => s.position));
  for (const row of rows) {
    const position = String(row.position);
    if (!seen.has(position)) out.push({ position, monthKey: Number(row.month_key) });
    seen.add(position);
  }
  return out;
}
