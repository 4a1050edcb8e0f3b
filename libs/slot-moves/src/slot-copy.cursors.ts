/**
 * The copy's cursors (docs/adr/0008, 4.2–4.3): plain JSON, saved by the saga after every chunk, so a
 * crashed worker resumes from the last saved one and re-copies at most one chunk (harmless: copies
 * are idempotent). Positions are decimal strings (BIGINT, exact beyond 2^53); times are the SOURCE
 * database's clock in epoch milliseconds, so workers with skewed clocks agree on ages.
 */

/** An event of the moving slots that was staged (an atomic batch between stage and release) when read. */
export interface StagedRef {
  position: string;
  monthKey: number;
}

/**
 * Backfill (4.2). The first call only observes: `upTo` = the highest committed position then
 * (`observedAt`). The copy starts once `settleMs` later, so every position up to `upTo` has
 * committed or died by the time it is read (positions are allocated at insert, not at commit; a
 * transaction holding one ends within the settle window); everything above `upTo` is the catch-up's.
 * Then events, partition by partition in position order, then `records` in id order.
 */
export interface CopyCursor {
  kind: 'copy';
  upTo: string;
  observedAt: number;
  /** Source clock time before which no row is read (observedAt + settle window). */
  startAt: number;
  /** Last copied source position per `events` partition (by partition name); `done` once read to `upTo`. */
  partitions: Record<string, { after: string; done: boolean }>;
  /** Last `records` id read (in id order) up to the table's end when the phase began (`upTo`). */
  records: { after: string; done: boolean; upTo?: string };
  /** Staged events of the slots met on the way: the catch-up copies them once released. */
  staged: StagedRef[];
}

/** Positions (inclusive) missing when a scan passed them: maybe a transaction still in flight. */
export interface PositionHole {
  from: string;
  to: string;
  /** Source clock time by which these positions were allocated (the scan that found them ended then). */
  seenAt: number;
}

/**
 * Catch-up (4.3), one position for the whole shard (the primary key (position, month_key) is read
 * in order across partitions). Every position up to `scannedTo` has been read once; those that
 * were missing then are `holes`, read again until they are older than the settle window (after
 * which nothing can commit there any more) and in `final` mode once more, then forgotten.
 * `observations`: "every position up to `upTo` was allocated by `at`" (MAX(position) read at
 * `at`) — a position found missing below an observation older than the settle window is dead at
 * once, so history full of old gaps (rollbacks, conflicts) never piles up holes.
 */
export interface CatchUpCursor {
  kind: 'catch-up';
  scannedTo: string;
  holes: PositionHole[];
  observations: Array<{ upTo: string; at: number }>;
  staged: StagedRef[];
}

/** Where the catch-up starts after a finished backfill: right above `upTo`, with the backfill's observation. */
export function catchUpCursorAfter(copy: CopyCursor): CatchUpCursor {
  return { kind: 'catch-up', scannedTo: copy.upTo, holes: [], observations: [{ upTo: copy.upTo, at: copy.observedAt }], staged: copy.staged };
}

/**
 * The position below which every event of the slots is on the target: below the first hole, else
 * `scannedTo`. What an online verify may compare (verifySlots `below`).
 */
export function settledPosition(cursor: CatchUpCursor): string {
  if (cursor.holes.length === 0) return cursor.scannedTo;
  const first = cursor.holes.reduce((min, h) => (BigInt(h.from) < BigInt(min.from) ? h : min));
  return (BigInt(first.from) - 1n).toString();
}

/**
 * Missing positions between `after` and the passed ones. A hole below an observation older than the
 * settle window (when this scan started) was allocated that long ago: its transaction had ended
 * before the scan, which would have seen it had it committed — dead, not recorded. Otherwise it is
 * recorded as seen when it surely existed: the observation's time, else the scan's end.
 */
export function newHoles(after: bigint, passed: readonly bigint[], observations: CatchUpCursor['observations'], times: { settleMs: number; startedAt: number; scannedAt: number }): PositionHole[] {
  const out: PositionHole[] = [];
  let expected = after + 1n;
  for (const position of passed) {
    if (position > expected) {
      const to = position - 1n;
      const covering = observations.filter((o) => BigInt(o.upTo) >= to);
      const dead = covering.some((o) => times.startedAt - o.at >= times.settleMs);
      const seenAt = Math.min(times.scannedAt, ...covering.map((o) => o.at));
      if (!dead) out.push({ from: expected.toString(), to: to.toString(), seenAt });
    }
    expected = position + 1n;
  }
  return out;
}

/** Holes minus the positions now found. */
export function withoutFilled(holes: readonly PositionHole[], filled: readonly bigint[]): PositionHole[] {
  const out: PositionHole[] = [];
  for (const hole of holes) {
    let from = BigInt(hole.from);
    const to = BigInt(hole.to);
    for (const p of filled.filter((f) => f >= from && f <= to).sort((a, b) => (a < b ? -1 : 1))) {
      if (p > from) out.push({ ...hole, from: from.toString(), to: (p - 1n).toString() });
      from = p + 1n;
    }
    if (from <= to) out.push({ ...hole, from: from.toString(), to: to.toString() });
  }
  return out;
}

/**
 * Observations still useful: above `scannedTo` (later scans meet their positions). Of those old
 * enough to kill holes, the highest covers the rest; of the younger ones, one per quarter window.
 */
export function keptObservations(all: CatchUpCursor['observations'], scannedTo: bigint, settleMs: number, now: number): CatchUpCursor['observations'] {
  const useful = all.filter((o) => BigInt(o.upTo) > scannedTo).sort((a, b) => a.at - b.at);
  const aged = useful.filter((o) => now - o.at >= settleMs);
  const oldest = aged.reduce<(typeof all)[number] | null>((best, o) => (!best || BigInt(o.upTo) > BigInt(best.upTo) ? o : best), null);
  const young: typeof all = [];
  for (const o of useful.filter((o) => now - o.at < settleMs)) if (young.length === 0 || o.at - young[young.length - 1].at >= settleMs / 4) young.push(o);
  return [...(oldest ? [oldest] : []), ...young];
}
