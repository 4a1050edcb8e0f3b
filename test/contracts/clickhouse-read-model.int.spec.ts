import { ClickHouseAnalytics, ClickHouseProjectionSink, clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { readModelContract } from '@shardline/testing/contracts';
import { createClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';

readModelContract('ClickHouse (sink + analytics port)', { search: false, analytics: true }, async () => {
  const db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
  return {
    sink: new ClickHouseProjectionSink(db.gateway, db.config.database),
    analytics: new ClickHouseAnalytics(db.gateway, db.config.database),
    close: () => db.drop(),
  };
});
