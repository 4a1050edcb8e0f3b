import { addDays } from '@shardline/read-models';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { distinctEventsSql } from '../schema/distinct-events';
import { sqlDate, sqlDateTime, sqlString, type Sql } from '../sql/sql-literals';
import type { UsableRun } from './daily-rollup';
import { ALL_BUSINESSES, MINUTE_MS, WHOLE_DAY_MINUTES } from './rollup-tables';
import { RUN_DAY_SPAN, runIdsSql } from './run-ids';
import { sketchOf, sketchUnion } from './users-sketch';

/**
 * Whose rows: one business's; every business's own (questions answered per business); or every
 * business together (questions about the whole, read from the rollup's ALL_BUSINESSES row of a
 * day instead of one row per business).
 */
export type DailyScope = { business: string } | 'per-business' | 'all-businesses';

export interface DailySourceInput {
  /** Qualified raw events table, rollup table (runs of whole days) and partial runs' table. */
  events: Sql;
  rollup: Sql;
  partial: Sql;
  from: string;
  to: string;
  scope: DailyScope;
  /**
   * Usable rollup runs by day (DailyRollup.usableRuns); every other day is read raw, and so are
   * the minutes after a run's throughMinute.
   */
  runs: ReadonlyMap<string, UsableRun>;
  /**
   * Which user columns, besides the counts (only what is asked for is read: the arrays are most of
   * the rollup's bytes): `n_users`, the distinct users of the row's business and day (one source
   * row per (business, day), or per day for all businesses, so sum() of it within such a group is
   * exact); `user_set`, those users as an array, for exact counts over several days
   * (uniqExactArray); `user_sketch`, their sketch (users-sketch.ts), for estimated counts over
   * several days.
   */
  users: readonly UserColumn[];
  /**
   * `per-day` (the default): one row per (business, day) as described at dailySourceSql.
   * `summable`: rows whose counts add up, per (business, day), to those — a raw event is a row of
   * its own (counts 0 or 1), a partly rolled day's run rows and raw rows are not summed together —
   * for questions that only sum the counts (no user columns: distinct users do not add up). Every
   * GROUP BY inside the source goes, and each costs several ms of fixed time on 18.16: growth's
   * query over 30 days at 1 M records 33–42 → 17–21 ms (bench/README.md, 2026-12-03 fifth session).
   */
  rows?: 'per-day' | 'summable';
}
export type UserColumn = 'n_users' | 'user_set' | 'user_sketch';
/** The tables, range, scope and runs: what every source part is built from. */
export type SourceRange = Omit<DailySourceInput, 'users' | 'rows'>;

/** Each user column's expression over the rollup's rows, over the raw events, and over both sides of a partly rolled day. */
const ROLLED_USERS: Record<UserColumn, Sql> = {
  n_users: 'active_users',
  user_set: 'users',
  user_sketch: 'users_sketch',
};
const RAW_USERS: Record<UserColumn, Sql> = {
  n_users: 'uniqExact(user_id)',
  user_set: 'groupUniqArray(user_id)',
  user_sketch: sketchOf('user_id'),
};
const PARTIAL_USERS: Record<UserColumn, Sql> = {
  n_users: 'length(groupUniqArrayArray(p_user_set))',
  user_set: 'groupUniqArrayArray(p_user_set)',
  user_sketch: sketchUnion('p_user_sketch'),
};
/**
 * A partly rolled day's count when its set is not asked for too: the same hash set, without the
 * array of every user it would build and copy only to take its length. That array was most of
 * active-users' time once today's run held ~220 k users (30 M records); ClickHouse 18.16 on 240 k
 * ids: 52–69 ms against 128–190 (bench/README.md, 2026-12-04, "active users at 30 M").
 */
const PARTIAL_COUNT_ALONE: Sql = 'uniqExactArray(p_user_set)';

/**
 * A subquery with one row per (business, day) of [from, to] — per day alone for all businesses,
 * business_id then ALL_BUSINESSES —: `business_id, rday, n_created, n_updated, n_deleted,
 * n_events[, n_users][, user_set][, user_sketch]`. Days with a usable run of the whole day come
 * from the rollup (its rows of exactly that run), days without one from the raw events (each once:
 * distinctEventsSql) aggregated the same way, and a day rolled up to a minute from both — the
 * run's rows and the raw events of its later minutes, added up per (business, day) (distinct users
 * as the union of both sides' users) — so every endpoint aggregates the same rows whichever source
 * answered a day. Column names differ from the endpoints' output names on purpose (an alias equal
 * to a column it aggregates is cyclic).
 */
export function dailySourceSql(input: DailySourceInput): Sql {
  const { whole, partial, raw } = daysBySource(input);
  const summable = input.rows === 'summable';
  if (summable && input.users.length > 0) throw new Error('summable rows carry no user columns: distinct users do not add up');
  const parts: Sql[] = [];
  if (whole.length > 0) parts.push(rolledRows(input, input.rollup, whole, '', input.users));
  if (raw.length > 0) parts.push(summable ? rawEventRows(input, rawDaysSql(raw)) : rawRows(input, rawDaysSql(raw), '', input.users));
  if (partial.length > 0) parts.push(...(summable ? [rolledRows(input, input.partial, partial, '', []), rawEventRows(input, laterMinutesSql(input, partial))] : [partialDays(input, partial)]));
  return `(${parts.join('\nUNION ALL\n')})`;
}

/**
 * The summable rows of dailySourceSql in three sources, each null when the range has none of it,
 * for a caller that keeps the sums of the first two: `whole`, the rows of the whole days' usable
 * runs; `partial`, the rows of the partly rolled days' runs; `raw`, the raw events of the days
 * without a run and of the partly rolled days' minutes after their run's (each once). A run's rows
 * never change while it is usable — an erasure or a late event marks the day, which voids the run,
 * and a new run has a new id — so sums over the first two are fixed by the runs' ids.
 */
export interface SummableSources {
  whole: Sql | null;
  partial: Sql | null;
  raw: Sql | null;
}

export function summableSourcesSql(input: SourceRange): SummableSources {
  const { whole, partial, raw } = daysBySource(input);
  // One SELECT with both conditions, not a UNION ALL of two: 18.16 refuses some unions whose
  // first branch it reads as constant ("Cannot convert column … non constant"), and each branch
  // costs a few ms of fixed time.
  const rawWhere = [...(raw.length > 0 ? [`(${rawDaysSql(raw)})`] : []), ...(partial.length > 0 ? [laterMinutesSql(input, partial)] : [])];
  return {
    whole: whole.length > 0 ? `(${rolledRows(input, input.rollup, whole, '', [])})` : null,
    partial: partial.length > 0 ? `(${rolledRows(input, input.partial, partial, '', [])})` : null,
    raw: rawWhere.length > 0 ? `(${rawEventRows(input, `(${rawWhere.join(' OR ')})`)})` : null,
  };
}

/** The range's days by where their rows come from: a whole day's run, a partly rolled day's run (and raw), or raw alone. */
function daysBySource(input: Pick<DailySourceInput, 'from' | 'to' | 'runs'>): { whole: string[]; partial: string[]; raw: string[] } {
  const days = daysOf(input.from, input.to);
  // Runs are selected by id alone, unique among days this close (run-ids.ts).
  if (days.length >= RUN_DAY_SPAN) throw new Error(`a range of ${days.length} days: fewer than ${RUN_DAY_SPAN}`);
  return {
    whole: days.filter((d) => input.runs.get(d)?.throughMinute === WHOLE_DAY_MINUTES),
    partial: days.filter((d) => (input.runs.get(d)?.throughMinute ?? WHOLE_DAY_MINUTES) < WHOLE_DAY_MINUTES),
    raw: days.filter((d) => !input.runs.has(d)),
  };
}

/** Output column names, or the same prefixed inside the partial days' sum (see dailySourceSql). */
const COUNTS = ['created', 'updated', 'deleted', 'events'] as const;

/** The rows of the days' usable runs, from the table holding them. */
function rolledRows(input: SourceRange, table: Sql, days: readonly string[], prefix: string, users: readonly UserColumn[]): Sql {
  const runs = runIdsSql(days.map((d) => input.runs.get(d)!.runId));
  const [c, u, d, e] = COUNTS.map((n) => `${prefix}n_${n}`);
  const scope = input.scope;
  const rows = typeof scope === 'object' ? `business_id = ${sqlString(scope.business)}` : `business_id ${scope === 'all-businesses' ? '=' : '!='} ${sqlString(ALL_BUSINESSES)}`;
  return `SELECT business_id, day AS rday, records_created AS ${c}, records_updated AS ${u}, records_deleted AS ${d}, events AS ${e}${userColumns(ROLLED_USERS, users, prefix)}
FROM ${table}
WHERE day >= ${sqlDate(days[0])} AND day <= ${sqlDate(days[days.length - 1])} AND run_id IN (${runs}) AND ${rows}`;
}

/** The raw events matching `where` (each once), one row per (business, day) or per day for all businesses. */
function rawRows(input: DailySourceInput, where: Sql, prefix: string, users: readonly UserColumn[]): Sql {
  const scope = input.scope;
  const one = typeof scope === 'object' ? ` AND business_id = ${sqlString(scope.business)}` : '';
  const business = scope === 'all-businesses' ? `${sqlString(ALL_BUSINESSES)} AS business_id` : 'business_id';
  const group = scope === 'all-businesses' ? 'rday' : 'business_id, rday';
  const [c, u, d, e] = COUNTS.map((n) => `${prefix}n_${n}`);
  return `SELECT ${business}, event_date AS rday, countIf(${CREATED_EVENTS}) AS ${c}, countIf(${UPDATED_EVENTS}) AS ${u}, countIf(${DELETED_EVENTS}) AS ${d}, count() AS ${e}${userColumns(RAW_USERS, users, prefix)}
FROM ${distinctEventsSql(input.events, `${where}${one}`)}
GROUP BY ${group}`;
}

/** The raw events matching `where` (each once), a row each whose counts are 0 or 1 (summable rows). */
function rawEventRows(input: SourceRange, where: Sql): Sql {
  const scope = input.scope;
  const one = typeof scope === 'object' ? ` AND business_id = ${sqlString(scope.business)}` : '';
  const business = scope === 'all-businesses' ? `${sqlString(ALL_BUSINESSES)} AS business_id` : 'business_id';
  // UInt64 like the rollup's columns: a UNION ALL's branches agree on types.
  return `SELECT ${business}, event_date AS rday, toUInt64(${CREATED_EVENTS}) AS n_created, toUInt64(${UPDATED_EVENTS}) AS n_updated, toUInt64(${DELETED_EVENTS}) AS n_deleted, toUInt64(1) AS n_events
FROM ${distinctEventsSql(input.events, `${where}${one}`)}`;
}

/**
 * Days rolled up to a minute: the run's rows and the raw events from that minute on, summed per
 * (business, day). Distinct users do not add up, so both sides give their user sets whenever a
 * count or a set is asked for (a day still going on: one row per business that was active in it).
 */
function partialDays(input: DailySourceInput, days: readonly string[]): Sql {
  const sets = input.users.some((c) => c === 'n_users' || c === 'user_set');
  const inner: UserColumn[] = [...(sets ? ['user_set' as const] : []), ...(input.users.includes('user_sketch') ? ['user_sketch' as const] : [])];
  // With the set asked for too, the count stays its length: one aggregate (the same expression
  // is computed once) instead of a second hash set of the same users.
  const outer = input.users.includes('user_set') ? PARTIAL_USERS : { ...PARTIAL_USERS, n_users: PARTIAL_COUNT_ALONE };
  return `SELECT business_id, rday, sum(p_n_created) AS n_created, sum(p_n_updated) AS n_updated, sum(p_n_deleted) AS n_deleted, sum(p_n_events) AS n_events${userColumns(outer, input.users, '')}
FROM (
${rolledRows(input, input.partial, days, 'p_', inner)}
UNION ALL
${rawRows(input, laterMinutesSql(input, days), 'p_', inner)}
)
GROUP BY business_id, rday`;
}

/** The raw events of partly rolled days from the minute their run read up to. */
function laterMinutesSql(input: SourceRange, days: readonly string[]): Sql {
  const later = days.map((day) => {
    const from = new Date(Date.parse(`${day}T00:00:00Z`) + input.runs.get(day)!.throughMinute * MINUTE_MS);
    const to = new Date(`${addDays(day, 1)}T00:00:00Z`);
    return `(event_date = ${sqlDate(day)} AND occurred_at >= ${sqlDateTime(from)} AND occurred_at < ${sqlDateTime(to)})`;
  });
  return `(${later.join(' OR ')})`;
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

/** The user columns asked for, named after their column with a prefix (`p_` inside a partly rolled day's sum). */
function userColumns(sql: Record<UserColumn, Sql>, columns: readonly UserColumn[], prefix: string): Sql {
  return columns.map((c) => `, ${sql[c]} AS ${prefix}${c}`).join('');
}

function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
