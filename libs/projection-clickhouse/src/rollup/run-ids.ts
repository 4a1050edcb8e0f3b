import { randomInt } from 'node:crypto';
import { sqlUInt64, type Sql } from '../sql/sql-literals';

/**
 * A rollup run's id: start second << 32 | (its day's number mod
 * RUN_DAY_SPAN) << 20 | 20 random bits.
 * - The start second comes first, so the highest id of a day is its latest run, and the second
 *   a run started reading is read back from its id (runStartOf).
 * - The day's bits make the ids of two days less than RUN_DAY_SPAN days apart always differ, so
 *   readers, whose range is never that long, select a range's usable runs by id alone:
 *   `run_id IN (…)`, a set of UInt64 — on 18.16 a `(day, run_id) IN (…)` set of tuples cost
 *   ~100 ns per row read (15 against 7 ms over the 30 days of 1 M records, bench/README.md,
 *   2026-12-03 fourth session). Two runs of one day collide only when they start in the same second
 *   and draw the same 20 bits. The job's own bookkeeping (pruning) still names a run by its day and id.
 */
export const RUN_DAY_SPAN = 4096;
/** Ids below this are of the earlier layout (start second << 20 | random): a rollup holding them is rolled again. */
export const FIRST_RUN_ID = 1n << 52n;
const DAY_MS = 86_400_000;

export function newRunId(startSecond: number, day: string, random = randomInt(1 << 20)): string {
  const dayBits = BigInt(Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS) % RUN_DAY_SPAN);
  return ((BigInt(startSecond) << 32n) | (dayBits << 20n) | BigInt(random)).toString();
}

/** The second (epoch) the run started reading. */
export function runStartOf(runId: string): number {
  return Number(BigInt(runId) >> 32n);
}

/** Run ids as an IN list (for a range of fewer than RUN_DAY_SPAN days: see above). */
export function runIdsSql(runIds: Iterable<string>): Sql {
  return [...runIds].map(sqlUInt64).join(', ');
}
