import {
  addDays,
  bucketStarts,
  type ActiveUsersQuery,
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
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from '../schema/record-event-kinds';
import { liveTables } from '../schema/analytics-tables';
import { type Sql, sqlChoice, sqlDate, sqlDateTime, sqlInt, sqlString } from '../sql/sql-literals';

const BUCKET_SQL: Record<GrowthInterval, Sql> = {
  day: 'event_date',
  week: 'toMonday(event_date)',
  month: 'toStartOfMonth(event_date)',
};
const HOT_ORDER_SQL: Record<HotBusinessMetric, Sql> = {
  events: 'events DESC, records_created DESC',
  records_created: 'records_created DESC, events DESC',
};

/**
 * The query side's RecordAnalytics port over the raw events table. Queries arrive validated by the
 * port's schemas; every value still enters the SQL through sql-literals, so one that skipped
 * validation is refused there (SqlLiteralError, a bug: 500) instead of reaching ClickHouse.
 * Counts of events read the table with FINAL, so a redelivered event that is not merged away yet
 * never counts twice (FINAL streams the merge: memory stays bounded however wide the range).
 * Distinct-user counts need no FINAL: a duplicate does not change a set. Counts come back as
 * numbers, ids as strings.
 */
export class ClickHouseAnalytics implements RecordAnalytics {
  private readonly events: Sql;

  constructor(
    private readonly gateway: ClickHouseGateway,
    database: string,
  ) {
    this.events = liveTables(database).events;
  }

  async recordsPerBusinessPerDay(q: RecordsPerDayQuery): Promise<RecordsPerDayResult> {
    const rows = await this.gateway.select<Record<string, string>>(
      `SELECT business_id, toString(event_date) AS day,
  countIf(${CREATED_EVENTS}) AS records_created,
  countIf(${UPDATED_EVENTS}) AS records_updated,
  countIf(${DELETED_EVENTS}) AS records_deleted,
  count() AS events,
  uniqExact(user_id) AS active_users
FROM ${this.events} FINAL
WHERE ${rangeSql(q.from, q.to)}${businessSql(q.business_id)}
GROUP BY business_id, day
ORDER BY day, business_id
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
    const rows = await this.gateway.select<Record<string, string>>(
      `SELECT business_id, count() AS events, countIf(${CREATED_EVENTS}) AS records_created
FROM ${this.events} FINAL
WHERE ${rangeSql(q.from, q.to)}
GROUP BY business_id
ORDER BY ${sqlChoice(q.by, HOT_ORDER_SQL)}, business_id
LIMIT ${sqlInt(q.limit, 1, 1000)}`,
    );
    return {
      from: q.from,
      to: q.to,
      by: q.by,
      businesses: rows.map((r) => ({ business_id: r.business_id, events: Number(r.events), records_created: Number(r.records_created) })),
    };
  }

  async growth(q: GrowthQuery): Promise<GrowthResult> {
    const rows = await this.gateway.select<Record<string, string>>(
      `SELECT toString(${sqlChoice(q.interval, BUCKET_SQL)}) AS period_start,
  countIf(${CREATED_EVENTS}) AS records_created,
  countIf(${DELETED_EVENTS}) AS records_deleted
FROM ${this.events} FINAL
WHERE ${rangeSql(q.from, q.to)}${businessSql(q.business_id)}
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
    const where = `${rangeSql(q.from, q.to)}${businessSql(q.business_id)}`;
    const [perDay, total] = await Promise.all([
      this.gateway.select<Record<string, string>>(
        `SELECT toString(event_date) AS day, uniqExact(user_id) AS active_users FROM ${this.events} WHERE ${where} GROUP BY day ORDER BY day`,
      ),
      this.gateway.select<Record<string, string>>(`SELECT uniqExact(user_id) AS active_users FROM ${this.events} WHERE ${where}`),
    ]);
    const byDay = new Map(perDay.map((r) => [r.day, Number(r.active_users)]));
    return {
      from: q.from,
      to: q.to,
      days: bucketStarts(q.from, q.to, 'day').map((day) => ({ day, active_users: byDay.get(day) ?? 0 })),
      total_active_users: Number(total[0]?.active_users ?? 0),
    };
  }
}

/**
 * Whole UTC days [from, to]: on event_date for the primary key, and the same bounds on occurred_at
 * so the monthly partitions (toYYYYMM(occurred_at)) outside the range are skipped. The days are
 * rendered (and so checked) by sqlDate before they are used for the DateTime bounds.
 */
function rangeSql(from: string, to: string): Sql {
  const days = `event_date >= ${sqlDate(from)} AND event_date <= ${sqlDate(to)}`;
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${addDays(to, 1)}T00:00:00Z`);
  return `${days} AND occurred_at >= ${sqlDateTime(start)} AND occurred_at < ${sqlDateTime(end)}`;
}

function businessSql(businessId: string | undefined): Sql {
  return businessId === undefined ? '' : ` AND business_id = ${sqlString(businessId)}`;
}
