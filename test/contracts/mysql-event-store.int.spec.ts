import { MysqlEventStore, MysqlInlineProjection } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases } from '../support/test-databases';
import { eventStoreContract } from './event-store.contract';

const noState: MysqlInlineProjection<unknown> = { plan: () => [] };

eventStoreContract('mysql (MariaDB, 4 shard databases, group commit)', async () => {
  const testDbs = await createTestDatabases(4);
  const databases = new ShardDatabases(testDbs.config);
  const store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 100, windowMs: 2, maxInFlight: 2 } });
  return {
    store,
    shardCount: 4,
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
