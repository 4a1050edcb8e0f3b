import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { MysqlRecordStateReader, RecordsInlineProjection } from '@shardline/records-mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { recordStateContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

recordStateContract('MySQL (records table, 2 shards, commit points in the control database)', async () => {
  const testDbs = await createTestDatabases(2);
  const databases = new ShardDatabases(testDbs.config);
  const commitPoints = new MysqlCommitPoints(databases.control);
  return {
    store: new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 100, windowMs: 2, maxInFlight: 2 } }),
    reader: new MysqlRecordStateReader(databases, { commitPoints }),
    commitPoints,
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
