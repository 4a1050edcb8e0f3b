import type { CopyCursor } from './slot-copy.cursors';

/**
 * "Every position ≤ `upTo` of a source shard was allocated by `at`" (MAX(position) read at `at`,
 * the source's clock in epoch ms). A backfill bounded by `upTo` misses nothing once the settle
 * window has passed since `at`: every transaction holding such a position has committed or died
 * (docs/adr/0008, 4.2). The fact is about the shard's sequence, not about any slot, so one
 * observation serves every group of a move copying from that shard (stored in the control
 * database, `slot_move_observations`).
 */
export interface PositionObservation {
  upTo: string;
  at: number;
}

export interface ObservationChoice {
  /** The observation the group's backfill is bounded by; null: none known, observe one first. */
  use: PositionObservation | null;
  /** No observation is maturing for the groups after this one: record a fresh one now. */
  observeAgain: boolean;
}

/**
 * What a group starting its backfill at `now` (source clock) does with the move's observations of
 * its source shard:
 * - the newest one older than the settle window, if any: the backfill starts at once (the
 *   catch-up, gap-safe, copies what came after it);
 * - else the oldest younger one: the backfill waits only for what is left of its window;
 * - and when none is younger than the window, a fresh one is recorded, so the groups after this
 *   one start from a recent bound (a short catch-up) without waiting.
 */
export function chooseObservation(known: readonly PositionObservation[], now: number, settleMs: number): ObservationChoice {
  const settled = known.filter((o) => now - o.at >= settleMs);
  const young = known.filter((o) => now - o.at < settleMs);
  const newestSettled = settled.reduce<PositionObservation | null>((best, o) => (!best || o.at > best.at ? o : best), null);
  const oldestYoung = young.reduce<PositionObservation | null>((best, o) => (!best || o.at < best.at ? o : best), null);
  return { use: newestSettled ?? oldestYoung, observeAgain: young.length === 0 };
}

/** Observations no group will choose any more: older than the newest settled one. */
export function supersededObservations(known: readonly PositionObservation[], now: number, settleMs: number): PositionObservation[] {
  const newestSettled = Math.max(-Infinity, ...known.filter((o) => now - o.at >= settleMs).map((o) => o.at));
  return known.filter((o) => o.at < newestSettled);
}

/**
 * The backfill's first cursor bounded by a (shared) observation: it reads nothing before
 * `at + settleMs`. Partitions are found by the first chunk that reads (copyChunk adds every
 * partition it does not know, from the start).
 */
export function copyCursorFrom(observation: PositionObservation, settleMs: number): CopyCursor {
  return { kind: 'copy', upTo: observation.upTo, observedAt: observation.at, startAt: observation.at + settleMs, partitions: {}, records: { after: '0', done: false }, staged: [] };
}
