import type { Sql } from '../sql/sql-literals';

/**
 * The raw events matching `where`, each once, as a subquery with the columns the daily counts use
 * (business_id, event_date, event_type, user_id). A redelivered event is a second row with the same
 * sorting key (event_date, business_id, stream_id, stream_version) and the same content (an
 * event is immutable; an erasure deletes rows, it never rewrites them), so keeping one row per key
 * answers what FINAL answers. LIMIT 1 BY does it in one pass over the rows read, where 18.16's
 * FINAL merges the parts in key order: the day of all businesses at 10 M records 28 ms against
 * 60 ms (bench/README.md, 2026-12-03). The analytics contract delivers every event twice.
 */
export function distinctEventsSql(events: Sql, where: Sql): Sql {
  return `(SELECT business_id, event_date, event_type, user_id FROM ${events} WHERE ${where} LIMIT 1 BY business_id, event_date, stream_id, stream_version)`;
}
