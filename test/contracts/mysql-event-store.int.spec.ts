import { MysqlEventStore, MysqlInlineProjection } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases } from '../support/test-databases';
import { eventStoreContract } from '@shardline/testing/contracts';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

eventStoreContract('mysql (MariaDB, 4 shard databases, group commit)', async () => {
  const testDbs = await createTestDatabases(4);
  const databases = new ShardDatabases(testDbs.config);
  const store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 100, windowMs: 2, maxInFlight: 2 } });
  return {
    store,
    shardCount: 4,
    outboxOf: async (shard, streamIds) =>
      (await databases.shard(shard)('outbox').whereIn('stream_id', streamIds).orderBy('id').select('stream_id', 'stream_version')).map(
        (r: { stream_id: string; stream_version: number }): [string, number] => [r.stream_id, Number(r.stream_version)],
      ),
    close: async () => {
      await databases.destroy();
      await testDbs.drop();
    },
  };
});
