import { addDays } from '@shardline/read-models';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { distinctEventsSql } from '../schema/distinct-events';
import { sqlDate, sqlDateTime, sqlString, type Sql } from '../sql/sql-literals';
import { ALL_BUSINESSES, runsOfDaysSql } from './rollup-tables';
import { sketchOf } from './users-sketch';

/**
 * Whose rows: one business's; every business's own (questions answered per business); or every
 * business together (questions about the whole, read from the rollup's ALL_BUSINESSES row of a
 * day instead of one row per business).
 */
export type DailyScope = { business: string } | 'per-business' | 'all-businesses';

export interface DailySourceInput {
  /** Qualified raw events table and rollup table. */
  events: Sql;
  rollup: Sql;
  from: string;
  to: string;
  scope: DailyScope;
  /** Usable rollup runs by day (DailyRollup.usableRuns); every other day is read raw. */
  runs: ReadonlyMap<string, string>;
  /**
   * Which user columns, besides the counts (only what is asked for is read: the arrays are most of
   * the rollup's bytes): `n_users`, the distinct users of the row's business and day (one source
   * row per (business, day), or per day for all businesses, so sum() of it within such a group is
   * exact); `user_set`, those users as an array, for exact counts over several days
   * (uniqExactArray); `user_sketch`, their sketch (users-sketch.ts), for estimated counts over
   * several days.
   */
  users: readonly UserColumn[];
}
export type UserColumn = 'n_users' | 'user_set' | 'user_sketch';

const ROLLED_USERS: Record<UserColumn, Sql> = {
  n_users: 'active_users AS n_users',
  user_set: 'users AS user_set',
  user_sketch: 'users_sketch AS user_sketch',
};
const RAW_USERS: Record<UserColumn, Sql> = {
  n_users: 'uniqExact(user_id) AS n_users',
  user_set: 'groupUniqArray(user_id) AS user_set',
  user_sketch: `${sketchOf('user_id')} AS user_sketch`,
};

/**
 * A subquery with one row per (business, day) of [from, to] — per day alone for all businesses,
 * business_id then ALL_BUSINESSES —: `business_id, rday, n_created, n_updated, n_deleted,
 * n_events[, n_users][, user_set][, user_sketch]`. Days with a usable run come from the rollup (its rows of
 * exactly that run), the others from the raw events (each once: distinctEventsSql) aggregated the
 * same way, so every endpoint aggregates the same rows whichever source answered a day. Column names differ
 * from the endpoints' output names on purpose (an alias equal to a column it aggregates is cyclic).
 */
export function dailySourceSql(input: DailySourceInput): Sql {
  const days = daysOf(input.from, input.to);
  const rolled = days.filter((d) => input.runs.has(d));
  const raw = days.filter((d) => !input.runs.has(d));
  const scope = input.scope;
  const one = typeof scope === 'object' ? ` AND business_id = ${sqlString(scope.business)}` : '';
  const rolledRows = one || ` AND business_id ${scope === 'all-businesses' ? '=' : '!='} ${sqlString(ALL_BUSINESSES)}`;
  const rawBusiness = scope === 'all-businesses' ? `${sqlString(ALL_BUSINESSES)} AS business_id` : 'business_id';
  const rawGroup = scope === 'all-businesses' ? 'rday' : 'business_id, rday';
  const parts: Sql[] = [];
  if (rolled.length > 0) {
    const runs = runsOfDaysSql(rolled.map((d) => [d, input.runs.get(d)!]));
    parts.push(
      `SELECT business_id, day AS rday, records_created AS n_created, records_updated AS n_updated, records_deleted AS n_deleted, events AS n_events${userColumns(ROLLED_USERS, input.users)}
FROM ${input.rollup}
WHERE day >= ${sqlDate(rolled[0])} AND day <= ${sqlDate(rolled[rolled.length - 1])} AND (day, run_id) IN (${runs})${rolledRows}`,
    );
  }
  if (raw.length > 0) {
    parts.push(
      `SELECT ${rawBusiness}, event_date AS rday, countIf(${CREATED_EVENTS}) AS n_created, countIf(${UPDATED_EVENTS}) AS n_updated, countIf(${DELETED_EVENTS}) AS n_deleted, count() AS n_events${userColumns(RAW_USERS, input.users)}
FROM ${distinctEventsSql(input.events, `${rawDaysSql(raw)}${one}`)}
GROUP BY ${rawGroup}`,
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

function userColumns(sql: Record<UserColumn, Sql>, columns: readonly UserColumn[]): Sql {
  return columns.map((c) => `, ${sql[c]}`).join('');
}

function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
