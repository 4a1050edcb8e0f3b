import { MysqlShardLease } from '@shardline/outbox-relay/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { shardLeaseContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

shardLeaseContract('MySQL GET_LOCK', async () => {
  const testDbs = await createTestDatabases(1);
  const databases = new ShardDatabases(testDbs.config);
  return {
    contender: () => new MysqlShardLease(0, testDbs.config.shards[0], { connectTimeoutMs: 1500, queryTimeoutMs: 3000 }),
    // The holder's lock connection dies, as kill -9 of its process or a network cut does it server-side.
    lose: async (holder) => {
      const [rows] = await databases.shard(0).raw('SELECT IS_USED_LOCK(?) AS holder', [(holder as MysqlShardLease).lockName]);
      await databases.shard(0).raw(`KILL CONNECTION ${Number(rows[0].holder)}`);
    },
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
