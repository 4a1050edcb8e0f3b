import type { Knex } from 'knex';
import { type CatchUpCursor, keptObservations, newHoles, type StagedRef, withoutFilled } from '../slot-copy.cursors';
import type { CatchUpChunkResult, CatchUpOptions } from '../slot-copier.port';
import { DEFAULTS, withStaged } from './copy-chunk';
import { EVENT_SELECT, insertEvents, recopyRecordsOf, type SourceEvent } from './copy-rows';
import { dbNow, eventsOfSlots, int, maxPosition, positive, rowsOf } from './slot-sql';

/** Up to this many positions behind, rows_behind is counted exactly (a bounded scan); beyond, estimated. */
const EXACT_BEHIND_POSITIONS = 200_000n;

/**
 * One chunk of the catch-up (docs/adr/0008, 4.3). Positions are allocated at insert, not at commit
 * (SPEC "gaps"): a position missing when read may still commit. So, like the relay (which keeps
 * unpublished rows instead of a high-water mark), nothing missing is ever skipped unseen:
 * 1. holes (positions missing when an earlier chunk passed them) are read again; a hole older than
 *    the settle window is forgotten after this read (its transaction has ended: committed, it was
 *    just read; rolled back, nothing will come). `final` (after the revoke barrier: nothing more can
 *    commit to the slots on the source) reads them once more and forgets them all;
 * 2. staged events of the slots (an atomic batch between stage and release) are looked up again:
 *    released → copied; discarded → forgotten; still staged → kept (the cutover refuses them);
 * 3. up to `scanRows` positions above `scannedTo` are read in order across partitions; the events of
 *    the slots among them (at most `chunkRows`) are copied, and the positions missing in between
 *    become holes — unless an observation older than the settle window already covered them;
 * 4. the target gets the events in source position order and, in the same transaction, the
 *    `records` rows of their streams as the source holds them now (or their deletion).
 * A chunk run again re-reads and re-writes the same rows: harmless.
 */
export async function catchUpChunk(source: Knex, target: Knex, slots: readonly number[], cursor: CatchUpCursor, options: CatchUpOptions = {}): Promise<CatchUpChunkResult> {
  const chunkRows = positive(options.chunkRows ?? DEFAULTS.chunkRows);
  const scanRows = positive(options.scanRows ?? DEFAULTS.scanRows);
  const settleMs = options.settleMs ?? DEFAULTS.settleMs;
  const final = options.final === true;
  const predicate = eventsOfSlots(slots);
  const copy: SourceEvent[] = [];
  let staged: StagedRef[] = [];

  // 1. Holes, read again.
  const startedAt = await dbNow(source);
  let holes = cursor.holes;
  if (holes.length > 0) {
    const ranges = holes.map((h) => `position BETWEEN ${int(h.from)} AND ${int(h.to)}`).join(' OR ');
    const filled = await rowsOf<SourceEvent & { m: number }>(source, `SELECT ${EVENT_SELECT}, ${predicate} AS m FROM events WHERE ${ranges} ORDER BY position`);
    const mine = filled.filter((r) => Number(r.m) === 1);
    copy.push(...mine.filter((r) => r.staged_by === null));
    staged = withStaged(staged, mine.filter((r) => r.staged_by !== null));
    holes = final ? [] : withoutFilled(holes, filled.map((r) => BigInt(String(r.position)))).filter((h) => startedAt - h.seenAt < settleMs);
  }

  // 2. Staged events, looked up again by primary key.
  if (cursor.staged.length > 0) {
    const keys = cursor.staged.map((s) => `(position = ${int(s.position)} AND month_key = ${Number(s.monthKey)})`).join(' OR ');
    const found = await rowsOf<SourceEvent>(source, `SELECT ${EVENT_SELECT} FROM events WHERE ${keys}`);
    copy.push(...found.filter((r) => r.staged_by === null));
    staged = withStaged(staged, found.filter((r) => r.staged_by !== null));
  }

  // 3. Forward: the positions first (all slots: gaps are gaps of the shard's sequence), then the slots' rows among them.
  const observed = await maxPosition(source);
  const observedAt = await dbNow(source);
  const positions = (await rowsOf<{ position: string | number }>(source, `SELECT position FROM events WHERE position > ${int(cursor.scannedTo)} ORDER BY position LIMIT ${scanRows}`)).map((r) => BigInt(String(r.position)));
  const scannedAt = await dbNow(source);
  let scannedTo = BigInt(cursor.scannedTo);
  let matchedShare = 0;
  if (positions.length > 0) {
    const hi = positions[positions.length - 1];
    const rows = await rowsOf<SourceEvent>(source, `SELECT ${EVENT_SELECT} FROM events WHERE position > ${scannedTo} AND position <= ${hi} AND ${predicate} ORDER BY position LIMIT ${chunkRows}`);
    const end = rows.length === chunkRows ? BigInt(String(rows[rows.length - 1].position)) : hi;
    copy.push(...rows.filter((r) => r.staged_by === null));
    staged = withStaged(staged, rows.filter((r) => r.staged_by !== null));
    const passed = positions.filter((p) => p <= end);
    matchedShare = passed.length > 0 ? rows.length / passed.length : 0;
    // After the revoke nothing of the slots is in flight: a missing position cannot hide their rows.
    if (!final) holes = [...holes, ...newHoles(scannedTo, passed, cursor.observations, { settleMs, startedAt, scannedAt })];
    scannedTo = end;
  }

  // 4. One target transaction: events in source position order, then their streams' records rows.
  copy.sort((a, b) => (BigInt(String(a.position)) < BigInt(String(b.position)) ? -1 : 1));
  if (copy.length > 0) {
    await target.transaction(async (trx) => {
      await insertEvents(trx, copy);
      await recopyRecordsOf(source, trx, copy.map((r) => String(r.stream_id)));
    });
  }

  const next: CatchUpCursor = {
    kind: 'catch-up',
    scannedTo: scannedTo.toString(),
    holes,
    observations: keptObservations([...cursor.observations, { upTo: observed, at: observedAt }], scannedTo, settleMs, observedAt),
    staged,
  };
  const behind = await rowsBehind(source, predicate, scannedTo, BigInt(observed), matchedShare);
  return { cursor: next, rowsCopied: copy.length, ...behind, pending: { holes: holes.length, staged: staged.length } };
}

async function rowsBehind(source: Knex, predicate: string, scannedTo: bigint, observed: bigint, matchedShare: number) {
  const positionsBehind = observed > scannedTo ? observed - scannedTo : 0n;
  if (positionsBehind === 0n) return { rowsBehind: 0, rowsBehindEstimated: false };
  if (positionsBehind > EXACT_BEHIND_POSITIONS) return { rowsBehind: Math.round(Number(positionsBehind) * matchedShare), rowsBehindEstimated: true };
  const [row] = await rowsOf<{ n: number | string }>(source, `SELECT COUNT(*) AS n FROM events WHERE position > ${scannedTo} AND ${predicate}`);
  return { rowsBehind: Number(row.n), rowsBehindEstimated: false };
}
