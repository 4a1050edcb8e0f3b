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
