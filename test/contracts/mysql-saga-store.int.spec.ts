import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases } from '../support/test-databases';
import { sagaStoreContract } from '@shardline/testing/contracts';

sagaStoreContract('mysql (control database)', async () => {
  const testDbs = await createTestDatabases(1);
  const databases = new ShardDatabases(testDbs.config);
  return {
    store: new MysqlSagaStore(databases.control),
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
