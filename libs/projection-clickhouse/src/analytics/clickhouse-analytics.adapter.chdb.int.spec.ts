import { randomBytes } from 'node:crypto';
import { sqlIdentifier } from '../sql/sql-literals';
import { tryCreateChdbGateway } from '../testing/chdb-gateway';
import { describeAnalyticsContract } from './analytics.contract';

/*
 * The same contract on current ClickHouse (chDB, embedded), when chdb is installed next to the
 * project (`npm install --no-save chdb`, ~550 MB, not a dependency): proves the SQL runs at both
 * ends of the supported version range. Without chdb this file reports itself skipped.
 */
const gateway = tryCreateChdbGateway();
if (gateway) {
  describeAnalyticsContract('current ClickHouse (chDB)', async () => {
    const database = `t_${randomBytes(5).toString('hex')}`;
    return { gateway, database, drop: async () => { await gateway.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(database)}`); await gateway.close(); } };
  });
} else {
  describe.skip('analytics on current ClickHouse (chDB not installed: npm install --no-save chdb)', () => {
    it('runs the analytics contract', () => undefined);
  });
}
