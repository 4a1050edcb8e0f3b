import { addMonths, monthKeyOf, nextMonthKey } from '@shardline/event-store';
import { firstIdAt, SNOWFLAKE_EPOCH_MS, timeOfId } from '@shardline/ids';

/**
 * A slice of one stream month: the records created in [fromMs, toMs). Because a record id is a
 * Snowflake whose top bits are its creation time, a time slice is also an id range
 * [firstIdAt(from), firstIdAt(to)), which every engine can filter on with an index it already has:
 * the event table's month partition and its (stream_id, ...) key, `records`' primary key,
 * Elasticsearch's `created_time`, ClickHouse's `record_id`.
 */
export interface Slice {
  /** The stream month (YYYYMM), i.e. the event table partition. */
  month: number;
  fromMs: number;
  toMs: number;
}

/** A slice cut into `count` children of `widthMs` each (the last may be shorter). */
export interface SlicePlan {
  slice: Slice;
  widthMs: number;
  count: number;
}

export function monthSlice(month: number): Slice {
  return { month, fromMs: monthStartMs(month), toMs: monthStartMs(nextMonthKey(month)) };
}

export function monthStartMs(month: number): number {
  return Date.UTC(Math.floor(month / 100), (month % 100) - 1, 1);
}

export function planOf(slice: Slice, fanout: number): SlicePlan {
  const span = slice.toMs - slice.fromMs;
  const widthMs = Math.max(1, Math.ceil(span / Math.max(1, fanout)));
  return { slice, widthMs, count: Math.ceil(span / widthMs) };
}

export function childOf(plan: SlicePlan, index: number): Slice {
  const fromMs = plan.slice.fromMs + index * plan.widthMs;
  return { month: plan.slice.month, fromMs, toMs: Math.min(plan.slice.toMs, fromMs + plan.widthMs) };
}

/** [lo, hi) ids of a slice. */
export function idRange(slice: Slice): { lo: bigint; hi: bigint } {
  return { lo: BigInt(firstIdAt(new Date(slice.fromMs))), hi: BigInt(firstIdAt(new Date(slice.toMs))) };
}

/** Child index of an id within a plan (what the engines compute in SQL: ((id >> 22) + epoch - from) DIV width). */
export function childIndexOfId(plan: SlicePlan, recordId: string): number {
  return Math.floor((timeOfId(recordId).getTime() - plan.slice.fromMs) / plan.widthMs);
}

export function monthOfId(recordId: string): number {
  return monthKeyOf(timeOfId(recordId));
}

/** Every month from the one of `minId` to the one of `maxId`, inclusive. */
export function monthsBetweenIds(minId: string | null, maxId: string | null): number[] {
  if (!minId || !maxId) return [];
  return monthsBetweenMs(timeOfId(minId).getTime(), timeOfId(maxId).getTime());
}

/** Milliseconds between the Snowflake epoch and the slice start: the offset engines subtract in SQL. */
export function epochOffsetMs(slice: Slice): number {
  return slice.fromMs - SNOWFLAKE_EPOCH_MS;
}

/** Every month from the one holding `fromMs` to the one holding `toMs`, inclusive. */
export function monthsBetweenMs(fromMs: number | null, toMs: number | null): number[] {
  if (fromMs === null || toMs === null || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) return [];
  const out: number[] = [];
  const last = monthKeyOf(new Date(toMs));
  for (let m = monthKeyOf(new Date(fromMs)); m <= last && out.length < 1200; m = addMonths(m, 1)) out.push(m);
  return out;
}
