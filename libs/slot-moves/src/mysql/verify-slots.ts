import type { Knex } from 'knex';
import { settledPosition } from '../slot-copy.cursors';
import type { SlotMismatch, VerifyOptions, VerifyResult } from '../slot-copier.port';
import { DEFAULTS } from './copy-chunk';
import { EVENT_SLOT, eventsOfSlots, int, RECORD_SLOT, recordsOfSlots, rowsOf, toMs } from './slot-sql';

interface Sums {
  count: number;
  checksum: string;
}

/**
 * Per slot, on both sides: COUNT(*) and BIT_XOR(CRC32(CONCAT(stream_id, ':', stream_version))) of
 * `events` (staged ones excluded: never copied), and the same over `records` (id, version)
 * (docs/adr/0008, 4.4). Both are order-free, so the target's own positions do not matter.
 *
 * `below` (the online, advisory verify): positions differ between the two sides, so the bound is a
 * time: events created more than the settle window before the event at the catch-up's settled
 * position. Any event created that early was written (position allocated) before that one, hence
 * lies below it and was copied — unless its write took longer than the settle window, which the
 * catch-up's gap rule excludes too. `records` are skipped then: rows change in place with every
 * write, so no bound makes the two sides comparable while writes go on; the exact verify covers them.
 * Reads the slots' rows on each side through the slot indexes (shard migration 0010): the slots'
 * share of the shards, plus, on a shard not yet back-filled, every row with a NULL slot (a full read,
 * minutes on a large shard: hence its own query timeout); see docs/adr/0008 4.4.
 */
export async function verifySlots(source: Knex, target: Knex, slots: readonly number[], options: VerifyOptions = {}): Promise<VerifyResult> {
  let createdBefore: Date | null = null;
  if (options.below) {
    const settled = settledPosition(options.below.cursor);
    const [row] = await rowsOf<{ created_time: Date | string }>(source, `SELECT created_time FROM events WHERE position <= ${int(settled)} ORDER BY position DESC LIMIT 1`);
    if (!row) return { mismatches: [], recordsCompared: false };
    createdBefore = new Date(toMs(row.created_time) - (options.below.settleMs ?? DEFAULTS.settleMs));
  }
  const timeout = options.queryTimeoutMs ?? 600_000;
  const eventsSql = (db: Knex) =>
    sumsBySlot(
      db,
      timeout,
      `SELECT ${EVENT_SLOT} AS s, COUNT(*) AS n, BIT_XOR(CRC32(CONCAT(stream_id, ':', stream_version))) AS x FROM events
        WHERE ${eventsOfSlots(slots)} AND staged_by IS NULL${createdBefore ? ' AND created_time < ?' : ''} GROUP BY s`,
      createdBefore ? [createdBefore] : [],
    );
  if (createdBefore) return { mismatches: compare(slots, 'events', ...(await Promise.all([eventsSql(source), eventsSql(target)]))), recordsCompared: false };
  const recordsSql = (db: Knex) =>
    sumsBySlot(db, timeout, `SELECT ${RECORD_SLOT} AS s, COUNT(*) AS n, BIT_XOR(CRC32(CONCAT(id, ':', version))) AS x FROM records WHERE ${recordsOfSlots(slots)} AND staged_by IS NULL GROUP BY s`);
  // The exact verify runs inside the cutover pause: its four reads at once (two servers, two tables).
  const [sourceEvents, targetEvents, sourceRecords, targetRecords] = await Promise.all([eventsSql(source), eventsSql(target), recordsSql(source), recordsSql(target)]);
  return { mismatches: [...compare(slots, 'events', sourceEvents, targetEvents), ...compare(slots, 'records', sourceRecords, targetRecords)], recordsCompared: true };
}

async function sumsBySlot(db: Knex, timeoutMs: number, sql: string, bindings: unknown[] = []): Promise<Map<number, Sums>> {
  // A per-query timeout (mysql2's, which the pools' default leaves alone when a query brings its own).
  const [rows] = (await db.raw(sql, bindings as Knex.RawBinding[]).options({ timeout: timeoutMs })) as [Array<{ s: number; n: number | string; x: number | string }>];
  return new Map(rows.map((r) => [Number(r.s), { count: Number(r.n), checksum: String(r.x) }]));
}

function compare(slots: readonly number[], table: SlotMismatch['table'], source: Map<number, Sums>, target: Map<number, Sums>): SlotMismatch[] {
  const none: Sums = { count: 0, checksum: '0' };
  const out: SlotMismatch[] = [];
  for (const slot of [...new Set(slots)].sort((a, b) => a - b)) {
    const s = source.get(slot) ?? none;
    const t = target.get(slot) ?? none;
    if (s.count !== t.count || s.checksum !== t.checksum) out.push({ slot, table, source: s, target: t });
  }
  return out;
}
