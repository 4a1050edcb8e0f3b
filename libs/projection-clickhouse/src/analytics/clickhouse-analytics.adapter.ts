import {
  bucketStarts,
  type ActiveUsersQuery,
  type ActiveUsersTotal,
  type ActiveUsersResult,
  type GrowthInterval,
  type GrowthQuery,
  type GrowthResult,
  type HotBusinessesQuery,
  type HotBusinessesResult,
  type HotBusinessMetric,
  type RecordAnalytics,
  type RecordsPerDayQuery,
  type RecordsPerDayResult,
} from '@shardline/read-models';
import type { ClickHouseGateway } from '../clickhouse-gateway';
import { liveTables } from '../schema/analytics-tables';
import { DailyRollup, type UsableRun } from '../rollup/daily-rollup';
import { dailySourceSql, summableSourcesSql, type DailyScope, type UserColumn } from '../rollup/daily-source';
import { WHOLE_DAY_MINUTES } from '../rollup/rollup-tables';
import { sketchCount } from '../rollup/users-sketch';
import { type Sql, sqlChoice, sqlDate, sqlInt } from '../sql/sql-literals';
import { type BusinessSumRow, countsOf, type CountsByBusiness, topBusinesses } from './business-ranking';
import { RunSumsCache } from './run-sums-cache';

const BUCKET_SQL: Record<GrowthInterval, Sql> = {
  day: 'rday',
  week: 'toMonday(rday)',
  month: 'toStartOfMonth(rday)',
};
/**
 * How active-users counts the range's distinct users over the source's rows: the days' sketches
 * merged (the estimate: the same cost at any size), or every (user, day) of the days' arrays
 * hashed (exact: the cost grows with the data).
 */
const TOTAL_SQL: Record<ActiveUsersTotal, { column: UserColumn; count: (column: Sql) => Sql }> = {
  estimate: { column: 'user_sketch', count: sketchCount },
  exact: { column: 'user_set', count: (column) => `uniqExactArray(${column})` },
};
const BUSINESS_SUMS_SQL = (source: Sql): Sql => `SELECT business_id, sum(n_events) AS events, sum(n_created) AS records_created
FROM ${source}
GROUP BY business_id`;
const HOT_ORDER_SQL: Record<HotBusinessMetric, Sql> = {
  events: 'events DESC, records_created DESC',
  records_created: 'records_created DESC, events DESC',
};

/**
 * What a query needs of the daily source: these user columns, one row per (business, day); or
 * `summable` rows, for a query that only sums the counts (cheaper: see DailySourceInput.rows).
 */
type SourceShape = readonly UserColumn[] | 'summable';

/** Ranges whose last usable runs are kept (a dashboard asks a few ranges again and again). */
const LAST_RUNS_KEPT = 256;
/** Rows (one per business) of run sums kept: ~100 bytes each, so ~100 MB at most; 10,000 businesses over a month take two entries. */
const RUN_SUMS_ROWS_KEPT = 1_000_000;

export interface ClickHouseAnalyticsOptions {
  /** Answer closed days from the daily rollup where it has a usable run (default true); false reads raw events only. */
  useRollup?: boolean;
}

/**
 * The query side's RecordAnalytics port. Every endpoint aggregates one row per (business, day),
 * taken from the daily rollup for the days it holds a usable run of, and from the raw events
 * (each event once, so a redelivered event not merged away yet never counts twice) for the
 * others — today, yesterday until it is rolled, days changed since (see DailyRollup). Both give
 * the same numbers for a day, so a year-wide question reads ~one row per business per day instead
 * of every event; a question about every business together reads the rollup's one row per day
 * for all of them. Distinct users over several days are estimated by merging the days' sketches
 * (uniqCombined: the same cost at any size) or, when asked, counted exactly over the days' arrays
 * of user ids (uniqExactArray: every (user, day) of the range hashed); each day's own count is exact.
 * Hot businesses, which ranks every business over the range, keeps the per-business sums of the
 * runs it read (fixed by their ids: RunSumsCache) and reads only the raw part again.
 * Queries arrive validated by the port's schemas; every value still enters the SQL through
 * sql-literals, so one that skipped validation is refused there (SqlLiteralError, a bug: 500)
 * instead of reaching ClickHouse. Counts come back as numbers, ids as strings.
 */
export class ClickHouseAnalytics implements RecordAnalytics {
  private readonly events: Sql;
  private readonly rollup: DailyRollup;
  private readonly useRollup: boolean;
  /** Range → the usable runs its last call read (see selectOver). */
  private readonly lastRuns = new Map<string, Map<string, UsableRun>>();
  /** Per-business sums of rollup runs, by the runs' ids (hotBusinesses). */
  private readonly runSums = new RunSumsCache<CountsByBusiness>(RUN_SUMS_ROWS_KEPT, (counts) => counts.size);

  constructor(
    private readonly gateway: ClickHouseGateway,
    database: string,
    options: ClickHouseAnalyticsOptions = {},
  ) {
    this.events = liveTables(database).events;
    this.rollup = new DailyRollup(gateway, database);
    this.useRollup = options.useRollup ?? true;
  }

  async recordsPerBusinessPerDay(q: RecordsPerDayQuery): Promise<RecordsPerDayResult> {
    const scope: DailyScope = q.business_id === undefined ? 'per-business' : { business: q.business_id };
    const rows = await this.selectOver<Record<string, string>>(q.from, q.to, scope, ['n_users'], (source) =>
      `SELECT business_id, toString(rday) AS day,
  sum(n_created) AS records_created, sum(n_updated) AS records_updated, sum(n_deleted) AS records_deleted,
  sum(n_events) AS events, sum(n_users) AS active_users
FROM ${source}
GROUP BY business_id, rday
ORDER BY rday, business_id
LIMIT ${sqlInt(q.limit + 1, 2, 10_001)}`,
    );
    return {
      from: q.from,
      to: q.to,
      rows: rows.slice(0, q.limit).map((r) => ({
        business_id: r.business_id,
        day: r.day,
        records_created: Number(r.records_created),
        records_updated: Number(r.records_updated),
        records_deleted: Number(r.records_deleted),
        events: Number(r.events),
        active_users: Number(r.active_users),
      })),
      truncated: rows.length > q.limit,
    };
  }

  async hotBusinesses(q: HotBusinessesQuery): Promise<HotBusinessesResult> {
    // Rendered on both paths, so a value that skipped validation is refused before anything is read.
    const order = sqlChoice(q.by, HOT_ORDER_SQL);
    const limit = sqlInt(q.limit, 1, 1000);
    const answer = (businesses: Array<{ business_id: string; events: number; records_created: number }>) => ({ from: q.from, to: q.to, by: q.by, businesses });
    if (this.useRollup) return answer(topBusinesses(await this.withRuns(q.from, q.to, (runs) => this.businessCounts(q.from, q.to, runs)), q.by, q.limit));
    const rows = await this.selectOver<BusinessSumRow>(q.from, q.to, 'per-business', 'summable', (source) =>
      `${BUSINESS_SUMS_SQL(source)}
ORDER BY ${order}, business_id
LIMIT ${limit}`,
    );
    return answer(rows.map((r) => ({ business_id: r.business_id, events: Number(r.events), records_created: Number(r.records_created) })));
  }

  /**
   * Every business's counts over [from, to] read with these runs, in three parts that add up: the
   * whole days' and the partly rolled days' run rows summed once per set of runs and kept
   * (RunSumsCache), the raw part read on every call. The ranking is done here too (topBusinesses), in the order the
   * SQL of the raw-only path gives.
   */
  private async businessCounts(from: string, to: string, runs: ReadonlyMap<string, UsableRun>): Promise<CountsByBusiness[]> {
    const sources = summableSourcesSql({ ...this.sourceTables(), from, to, scope: 'per-business', runs });
    const kept = (part: 'whole' | 'partial', source: Sql | null) =>
      source === null ? Promise.resolve(new Map() as CountsByBusiness) : this.runSums.get(`${part} ${runsKey(runs, part)}`, () => this.sumsPerBusiness(source));
    return Promise.all([kept('whole', sources.whole), kept('partial', sources.partial), sources.raw === null ? new Map() : this.sumsPerBusiness(sources.raw)]);
  }

  private async sumsPerBusiness(source: Sql): Promise<CountsByBusiness> {
    return countsOf(await this.gateway.select<BusinessSumRow>(BUSINESS_SUMS_SQL(source)));
  }

  async growth(q: GrowthQuery): Promise<GrowthResult> {
    const bucket = sqlChoice(q.interval, BUCKET_SQL);
    const rows = await this.selectOver<Record<string, string>>(q.from, q.to, wholeOr(q.business_id), 'summable', (source) =>
      `SELECT toString(${bucket}) AS period_start, sum(n_created) AS records_created, sum(n_deleted) AS records_deleted
FROM ${source}
GROUP BY period_start
ORDER BY period_start`,
    );
    // Cumulative sums and empty buckets are filled in here: no window functions on 18.16.
    const byStart = new Map(rows.map((r) => [r.period_start, r]));
    let cumulativeCreated = 0;
    let cumulativeNet = 0;
    const buckets = bucketStarts(q.from, q.to, q.interval).map((start) => {
      const r = byStart.get(start);
      const created = Number(r?.records_created ?? 0);
      const deleted = Number(r?.records_deleted ?? 0);
      cumulativeCreated += created;
      cumulativeNet += created - deleted;
      return { period_start: start, records_created: created, records_deleted: deleted, net: created - deleted, cumulative_created: cumulativeCreated, cumulative_net: cumulativeNet };
    });
    return { from: q.from, to: q.to, interval: q.interval, buckets };
  }

  async activeUsers(q: ActiveUsersQuery): Promise<ActiveUsersResult> {
    const total = TOTAL_SQL[q.total];
    // One source row per day (one business, or all of them together), whose own count is exact:
    // the day counts and the total come from one pass over the same rows.
    const [row] = await this.selectOver<{ days: string[]; counts: Array<string | number>; total: string | number }>(q.from, q.to, wholeOr(q.business_id), ['n_users', total.column], (source) =>
      `SELECT groupArray(toString(rday)) AS days, groupArray(n_users) AS counts, ${total.count(total.column)} AS total FROM ${source}`,
    );
    const byDay = new Map((row?.days ?? []).map((day, i) => [day, Number(row.counts[i])]));
    return {
      from: q.from,
      to: q.to,
      days: bucketStarts(q.from, q.to, 'day').map((day) => ({ day, active_users: byDay.get(day) ?? 0 })),
      total_active_users: Number(row?.total ?? 0),
      total_method: q.total,
    };
  }

  /** Runs `query` over the daily source of [from, to] (dailySourceSql, in the shape asked for) with the usable runs (withRuns). */
  private async selectOver<R>(from: string, to: string, scope: DailyScope, shape: SourceShape, query: (source: Sql) => Sql): Promise<R[]> {
    // Rendered first so a value that skipped validation is refused before anything is read.
    sqlDate(from);
    sqlDate(to);
    query('(SELECT 1)');
    const rows = shape === 'summable' ? { users: [], rows: 'summable' as const } : { users: shape };
    const ask = (runs: ReadonlyMap<string, UsableRun>) => this.gateway.select<R>(query(dailySourceSql({ ...this.sourceTables(), from, to, scope, runs, ...rows })));
    return this.useRollup ? this.withRuns(from, to, ask) : ask(new Map());
  }

  /**
   * `ask` with the usable runs of [from, to]. The runs are read on every call but not waited for
   * when the same range was asked before: `ask` starts at once with the runs that call found, and
   * its answer is kept only if the runs read now are the same — otherwise it is asked again with
   * them. So every answer comes from runs usable at this call's read, as if read first, and a
   * repeated question pays the longer of the two round trips instead of both (the read is ~10 ms
   * of ClickHouse at any size).
   */
  private async withRuns<R>(from: string, to: string, ask: (runs: ReadonlyMap<string, UsableRun>) => Promise<R>): Promise<R> {
    sqlDate(from);
    sqlDate(to);
    const range = `${from}/${to}`;
    const guess = this.lastRuns.get(range);
    const current = this.rollup.usableRuns(from, to).then((runs) => this.remember(range, runs));
    if (guess === undefined) return ask(await current);
    const early = ask(guess).then((answer) => ({ answer }), (error: unknown) => ({ error }));
    const runs = await current;
    if (!sameRuns(runs, guess)) return ask(runs); // the early answer (or its failure) is dropped
    const settled = await early;
    if ('error' in settled) throw settled.error;
    return settled.answer;
  }

  private sourceTables(): { events: Sql; rollup: Sql; partial: Sql } {
    return { events: this.events, rollup: this.rollup.tables.rollup, partial: this.rollup.tables.slots };
  }

  /** Keeps the runs last read for a range (the most recent LAST_RUNS_KEPT ranges). */
  private remember(range: string, runs: Map<string, UsableRun>): Map<string, UsableRun> {
    this.lastRuns.delete(range);
    this.lastRuns.set(range, runs);
    if (this.lastRuns.size > LAST_RUNS_KEPT) this.lastRuns.delete(this.lastRuns.keys().next().value!);
    return runs;
  }
}

/** The runs of one part (whole days, or partly rolled ones with the hour each read to), as a cache key. */
function runsKey(runs: ReadonlyMap<string, UsableRun>, part: 'whole' | 'partial'): string {
  const ofPart = [...runs].filter(([, run]) => (run.throughMinute === WHOLE_DAY_MINUTES) === (part === 'whole'));
  return ofPart.map(([day, run]) => `${day}:${run.runId}:${run.throughMinute}`).sort().join(',');
}

function sameRuns(a: ReadonlyMap<string, UsableRun>, b: ReadonlyMap<string, UsableRun>): boolean {
  if (a.size !== b.size) return false;
  for (const [day, run] of a) {
    const other = b.get(day);
    if (other?.runId !== run.runId || other.throughMinute !== run.throughMinute) return false;
  }
  return true;
}

/** One business, or every business together (the rollup's one row per day for all of them). */
function wholeOr(businessId: string | undefined): DailyScope {
  return businessId === undefined ? 'all-businesses' : { business: businessId };
}
