import { isValidIdentifier, sqlQualifiedName, SqlLiteralError, type Sql } from '../sql/sql-literals';

/**
 * Names of one set of analytics tables. The live set has the plain names that readers and
 * analysts query; a rebuild writes a suffixed set (`record_events__rb_<id>`) that promote()
 * renames into place.
 */
export interface AnalyticsTables {
  database: string;
  /** Raw events, one row per event after merges (ReplacingMergeTree on the event's identity). */
  events: Sql;
  /** Latest state per record (ReplacingMergeTree(version), deleted flag). */
  latest: Sql;
  /** Plain (unqualified) names, for RENAME and system.tables look-ups. */
  eventsName: string;
  latestName: string;
}

export const EVENTS_TABLE = 'record_events';
export const LATEST_TABLE = 'records_latest';
export const DAILY_VIEW = 'daily_business_stats';
export const HANDOVER_TABLE = 'projection_handover';

const REBUILD_ID = /^[a-z0-9_]{1,40}$/;

export function assertRebuildId(rebuildId: string): void {
  if (typeof rebuildId !== 'string' || !REBUILD_ID.test(rebuildId)) {
    throw new SqlLiteralError(`invalid rebuild id ${JSON.stringify(rebuildId)}: 1..40 of [a-z0-9_]`);
  }
}

export function liveTables(database: string): AnalyticsTables {
  return tablesNamed(database, EVENTS_TABLE, LATEST_TABLE);
}

export function rebuildTables(database: string, rebuildId: string): AnalyticsTables {
  assertRebuildId(rebuildId);
  return tablesNamed(database, `${EVENTS_TABLE}__rb_${rebuildId}`, `${LATEST_TABLE}__rb_${rebuildId}`);
}

/** Where promote() parks the replaced live tables (kept for rollback; an operator drops them). */
export function retiredTables(database: string, rebuildId: string): AnalyticsTables {
  assertRebuildId(rebuildId);
  return tablesNamed(database, `${EVENTS_TABLE}__before_${rebuildId}`, `${LATEST_TABLE}__before_${rebuildId}`);
}

function tablesNamed(database: string, eventsName: string, latestName: string): AnalyticsTables {
  if (!isValidIdentifier(database)) throw new SqlLiteralError(`invalid database name ${JSON.stringify(database)}`);
  return { database, events: sqlQualifiedName(database, eventsName), latest: sqlQualifiedName(database, latestName), eventsName, latestName };
}
