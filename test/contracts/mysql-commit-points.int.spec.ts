import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases } from '../support/test-databases';
import { commitPointsContract } from '@shardline/testing/contracts';

commitPointsContract('mysql (control database)', async () => {
  const testDbs = await createTestDatabases(1);
  const databases = new ShardDatabases(testDbs.config);
  return {
    points: new MysqlCommitPoints(databases.control),
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
