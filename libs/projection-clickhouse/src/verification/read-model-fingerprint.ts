import type { ClickHouseGateway } from '../clickhouse-gateway';
import type { AnalyticsTables } from '../schema/analytics-tables';
import { type Sql, sqlString } from '../sql/sql-literals';

export interface ReadModelFingerprint {
  /** Distinct events (after FINAL). */
  events: number;
  /** Order-independent hash of every event's identity and content (decimal string). */
  eventsHash: string;
  /** Records known to the latest table, and those not deleted. */
  records: number;
  liveRecords: number;
  /** Order-independent hash of every record's latest (version, deleted, data). */
  latestHash: string;
}

/**
 * Summarises a table set so two read models can be compared exactly (e2e "exactly once" checks,
 * "rebuild produces identical read models"): equal fingerprints mean the same events and the same
 * latest versions. Reads with FINAL, so unmerged duplicates do not show. Optionally one business.
 */
export async function readModelFingerprint(gateway: ClickHouseGateway, tables: AnalyticsTables, businessId?: string): Promise<ReadModelFingerprint> {
  const where: Sql = businessId === undefined ? '' : ` WHERE business_id = ${sqlString(businessId)}`;
  const [[events], [latest]] = await Promise.all([
    gateway.select<Record<string, string>>(
      `SELECT toString(count()) AS n, toString(sum(cityHash64(business_id, stream_id, stream_version, event_id, event_type, record_id, user_id, occurred_at, data))) AS h FROM ${tables.events} FINAL${where}`,
    ),
    gateway.select<Record<string, string>>(
      `SELECT toString(count()) AS n, toString(countIf(deleted = 0)) AS live, toString(sum(cityHash64(business_id, record_id, user_id, version, deleted, data))) AS h FROM ${tables.latest} FINAL${where}`,
    ),
  ]);
  return { events: Number(events.n), eventsHash: events.h, records: Number(latest.n), liveRecords: Number(latest.live), latestHash: latest.h };
}
