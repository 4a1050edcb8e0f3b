/**
 * The calendar the analytics port speaks: UTC days as `YYYY-MM-DD` strings, which compare and sort
 * as text. Growth buckets are defined here (not in an adapter) because they are part of the answer:
 * weeks start on Monday, months on the 1st, and every bucket of the range is present.
 */

/** Days analytics can answer for: the range a day of the analytics store can hold (1970..2105). */
export const FIRST_UTC_DAY = '1970-01-01';
export const LAST_UTC_DAY = '2105-12-31';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar date `YYYY-MM-DD` between FIRST_UTC_DAY and LAST_UTC_DAY. */
export function isUtcDay(day: string): boolean {
  const m = typeof day === 'string' ? DAY.exec(day) : null;
  if (!m) return false;
  // Round-tripping refuses 2026-02-30 and friends instead of rolling them over into March.
  const roundTrip = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10);
  return roundTrip === day && day >= FIRST_UTC_DAY && day <= LAST_UTC_DAY;
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export const GROWTH_INTERVALS = ['day', 'week', 'month'] as const;
export type GrowthInterval = (typeof GROWTH_INTERVALS)[number];

/** First day of the bucket holding `day`: itself, its ISO week's Monday, or the 1st of its month. */
export function bucketStart(day: string, interval: GrowthInterval): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 8)}01`;
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(day, -weekday);
}

/** Every bucket start from the bucket of `from` to the bucket of `to`, in order. */
export function bucketStarts(from: string, to: string, interval: GrowthInterval): string[] {
  const out: string[] = [];
  for (let d = bucketStart(from, interval); d <= to; ) {
    out.push(d);
    if (interval === 'day') d = addDays(d, 1);
    else if (interval === 'week') d = addDays(d, 7);
    else {
      const next = new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)), 1));
      d = next.toISOString().slice(0, 10);
    }
  }
  return out;
}
