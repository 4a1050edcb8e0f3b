import { sqlIdentifier, sqlQualifiedName, type Sql } from '../sql/sql-literals';
import { type AnalyticsTables, DAILY_VIEW, EVENTS_TABLE, HANDOVER_TABLE } from './analytics-tables';
import { CREATED_EVENTS, DELETED_EVENTS, UPDATED_EVENTS } from './record-event-kinds';

/*
 * DDL for ClickHouse 18.16 and current ClickHouse alike: old-style engine clauses with
 * PARTITION BY / ORDER BY, no Nullable, no LowCardinality, no DateTime64, no TTL. Times are
 * DateTime('UTC') so toDate() gives UTC days whatever the server's timezone.
 */

export function createDatabaseSql(database: string): Sql {
  return `CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}`;
}

/**
 * Raw events. The sorting key ends in the event's identity (stream_id, stream_version); every other
 * key column is a function of the event itself, so a redelivered copy has the same key and
 * ReplacingMergeTree collapses it when parts merge. Duplicates of one event share occurred_at and
 * so their month partition (merges only collapse within a partition). Until then readers count
 * each once (see distinct-events.ts). The day leads the key, then business_id: every analytics
 * query filters by a date range, and with the rollup the raw reads are the few days not rolled yet
 * (today above all) for every business at once. Day first, such a read touches that day's rows
 * only; business first, it read the whole month partition up to that day — at 10 M records on the
 * 29th, one day of every business in 30 ms instead of 93 (FINAL: 37 instead of 378). The price is
 * one business over many raw days: at least a granule per day (a tail business's 30 raw days
 * 42 ms instead of 13), which the rollup answers instead (bench/README.md, 2026-12-03). Tables made
 * with the earlier key keep it until the next rebuild (`projections:rebuild clickhouse`); both
 * keys hold the same columns, so their rows collapse alike. The day is a MATERIALIZED column, not
 * the expression toDate(occurred_at) in the key: 18.16 fails `SELECT toDate(occurred_at) ... FINAL`
 * ("Column already exists") when the same expression is part of the sorting key.
 */
export function createEventsTableSql(t: AnalyticsTables): Sql {
  return `CREATE TABLE IF NOT EXISTS ${t.events} (
  business_id String,
  occurred_at DateTime('UTC'),
  event_date Date MATERIALIZED toDate(occurred_at),
  stream_id String,
  stream_version UInt32,
  event_id String,
  event_type String,
  schema_version UInt16,
  record_id UInt64,
  user_id UInt64,
  shard UInt16,
  position UInt64,
  correlation_id String,
  causation_id String,
  actor String,
  data String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (event_date, business_id, stream_id, stream_version)`;
}

/**
 * Latest state per record: the row with the highest version wins (ReplacingMergeTree(version)),
 * whatever order the events arrived in; a delete is a row with deleted = 1. Partitioned by the
 * record's creation month (read from its Snowflake id, so every version of a record lands in the
 * same partition and can be collapsed).
 */
export function createLatestTableSql(t: AnalyticsTables): Sql {
  return `CREATE TABLE IF NOT EXISTS ${t.latest} (
  business_id String,
  record_id UInt64,
  user_id UInt64,
  version UInt32,
  deleted UInt8,
  created_at DateTime('UTC'),
  updated_at DateTime('UTC'),
  data String
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (business_id, record_id)`;
}

/**
 * Daily aggregates for analysts: a view over the raw events, deduplicated by FINAL, so a
 * redelivered event never counts twice. A view (not a materialized aggregate) because exact
 * dedup-safe pre-aggregation needs uniqExact states that were larger than the raw key columns and
 * no faster (measured, see README), and because a view follows the live table through a rebuild
 * rename. Filter it by business_id/day: predicates are pushed into the view on current ClickHouse
 * and on 18.16 with enable_optimize_predicate_expression = 1.
 */
export function createDailyViewSql(database: string, name: string = DAILY_VIEW): Sql {
  const events = sqlQualifiedName(database, EVENTS_TABLE);
  return `CREATE VIEW IF NOT EXISTS ${sqlQualifiedName(database, name)} AS
SELECT
  business_id,
  event_date AS day,
  countIf(${CREATED_EVENTS}) AS records_created,
  countIf(${UPDATED_EVENTS}) AS records_updated,
  countIf(${DELETED_EVENTS}) AS records_deleted,
  count() AS events,
  uniqExact(user_id) AS active_users
FROM ${events} FINAL
GROUP BY business_id, day`;
}

/**
 * Which rebuild target (if any) live sinks also write to during a handover. One row per change;
 * the newest (highest seq) wins. Read at the start of every apply().
 */
export function createHandoverTableSql(database: string): Sql {
  return `CREATE TABLE IF NOT EXISTS ${sqlQualifiedName(database, HANDOVER_TABLE)} (
  sink_name String,
  rebuild_id String,
  seq UInt64
) ENGINE = ReplacingMergeTree(seq)
ORDER BY sink_name`;
}
