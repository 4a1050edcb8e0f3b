import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { createClickHouseGateway } from '../clickhouse-gateway';
import { liveTables } from '../schema/analytics-tables';
import { ClickHouseProjectionSink } from '../sink/clickhouse-projection.sink';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase } from '../testing/clickhouse-test-database';
import { dataset, dayA1, dayB1, describeAnalyticsContract, validatingFront } from './analytics.contract';
import { ClickHouseAnalytics } from './clickhouse-analytics.adapter';

describeAnalyticsContract('the ClickHouse server (SHARDLINE_CLICKHOUSE_URL, 18.16 here)', async () => {
  const db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
  return { gateway: db.gateway, database: db.config.database, drop: () => db.drop() };
});

describe('analyst access (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;

  beforeAll(async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database);
    await sink.prepare();
    await sink.apply(dataset());
  });
  afterAll(() => db?.drop());

  it('the read-only analyst user can read the tables and the view but not write', async () => {
    const analyst = createClickHouseGateway({ ...db.config, username: 'analyst', password: '' });
    try {
      const asAnalyst = validatingFront(new ClickHouseAnalytics(analyst, db.config.database));
      expect((await asAnalyst.recordsPerBusinessPerDay({ from: '2026-01-01', to: '2026-01-01' })).rows).toEqual([dayA1, dayB1]);
      const [latest] = await analyst.select<{ n: string }>(`SELECT count() AS n FROM ${liveTables(db.config.database).latest} FINAL WHERE deleted = 0`);
      expect(Number(latest.n)).toBe(9);
      // The analyst profile pushes filters into the daily view (scripts/stack/clickhouse.sh).
      const [pushdown] = await analyst.select<{ value: string }>(`SELECT value FROM system.settings WHERE name = 'enable_optimize_predicate_expression'`);
      expect(pushdown.value).toBe('1');
      await expect(analyst.command(`DROP TABLE ${liveTables(db.config.database).events}`)).rejects.toThrow(/readonly|read only|Cannot execute/i);
      await expect(analyst.insertRows(liveTables(db.config.database).latest, [{ business_id: 'x', record_id: '1' }])).rejects.toThrow(/readonly|read only|Cannot/i);
    } finally {
      await analyst.close();
    }
  });
});
