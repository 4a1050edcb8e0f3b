import { MysqlPendingInvalidationStore } from '@shardline/records-cache/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { pendingInvalidationsContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

pendingInvalidationsContract('MySQL (2 shards)', async () => {
  const testDbs = await createTestDatabases(2);
  const databases = new ShardDatabases(testDbs.config);
  return {
    store: new MysqlPendingInvalidationStore(databases),
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
