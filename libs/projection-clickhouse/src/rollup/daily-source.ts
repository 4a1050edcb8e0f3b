import { addDays } from '@shardline/read-models';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { sqlDate, sqlDateTime, sqlString, sqlUInt64, type Sql } from '../sql/sql-literals';

export interface DailySourceInput {
  /** Qualified raw events table and rollup table. */
  events: Sql;
  rollup: Sql;
  from: string;
  to: string;
  businessId?: string;
  /** Usable rollup runs by day (DailyRollup.usableRuns); every other day is read raw. */
  runs: ReadonlyMap<string, string>;
  /** Whether the `user_set` column (uniqExact state of user_id) is needed. */
  withUsers: boolean;
}

/**
 * A subquery with one row per (business, day) of [from, to]: `business_id, rday, n_created,
 * n_updated, n_deleted, n_events[, user_set]`. Days with a usable run come from the rollup (its
 * rows of exactly that run), the others from `record_events FINAL` aggregated the same way, so
 * every endpoint aggregates the same rows whichever source answered a day. Column names differ
 * from the endpoints' output names on purpose (an alias equal to a column it aggregates is cyclic).
 */
export function dailySourceSql(input: DailySourceInput): Sql {
  const days = daysOf(input.from, input.to);
  const rolled = days.filter((d) => input.runs.has(d));
  const raw = days.filter((d) => !input.runs.has(d));
  const business = input.businessId === undefined ? '' : ` AND business_id = ${sqlString(input.businessId)}`;
  const parts: Sql[] = [];
  if (rolled.length > 0) {
    const runIds = [...new Set(rolled.map((d) => sqlUInt64(input.runs.get(d)!)))].join(', ');
    parts.push(
      `SELECT business_id, day AS rday, records_created AS n_created, records_updated AS n_updated, records_deleted AS n_deleted, events AS n_events${input.withUsers ? ', users AS user_set' : ''}
FROM ${input.rollup}
WHERE day >= ${sqlDate(rolled[0])} AND day <= ${sqlDate(rolled[rolled.length - 1])} AND run_id IN (${runIds})${business}`,
    );
  }
  if (raw.length > 0) {
    parts.push(
      `SELECT business_id, event_date AS rday, countIf(${CREATED_EVENTS}) AS n_created, countIf(${UPDATED_EVENTS}) AS n_updated, countIf(${DELETED_EVENTS}) AS n_deleted, count() AS n_events${input.withUsers ? ', uniqExactState(user_id) AS user_set' : ''}
FROM ${input.events} FINAL
WHERE ${rawDaysSql(raw)}${business}
GROUP BY business_id, rday`,
    );
  }
  return `(${parts.join('\nUNION ALL\n')})`;
}

/**
 * The raw days as ranges of consecutive days on event_date (the primary key), plus the overall
 * bounds on occurred_at so monthly partitions outside them are skipped.
 */
function rawDaysSql(days: readonly string[]): Sql {
  const ranges: Array<[string, string]> = [];
  for (const day of days) {
    const last = ranges[ranges.length - 1];
    if (last && addDays(last[1], 1) === day) last[1] = day;
    else ranges.push([day, day]);
  }
  const onDays = ranges.map(([a, b]) => (a === b ? `event_date = ${sqlDate(a)}` : `(event_date >= ${sqlDate(a)} AND event_date <= ${sqlDate(b)})`)).join(' OR ');
  const start = new Date(`${days[0]}T00:00:00Z`);
  const end = new Date(`${addDays(days[days.length - 1], 1)}T00:00:00Z`);
  return `(${onDays}) AND occurred_at >= ${sqlDateTime(start)} AND occurred_at < ${sqlDateTime(end)}`;
}

function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
