import { MysqlEventLogReader, MysqlEventStore, type MysqlInlineProjection } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { eventLogReaderContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

eventLogReaderContract('MysqlEventLogReader (keyset over positions, across month partitions)', async () => {
  const dbs = await createTestDatabases(2);
  const databases = new ShardDatabases(dbs.config);
  const store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 50, windowMs: 1, maxInFlight: 1 } });
  return {
    store,
    reader: new MysqlEventLogReader(databases),
    close: async () => {
      await store.drain();
      await databases.destroy();
      await dbs.drop();
    },
  };
});

describe('MysqlEventLogReader query plan', () => {
  it('is a primary-key range scan merged across partitions (no filesort)', async () => {
    const dbs = await createTestDatabases(1);
    const databases = new ShardDatabases(dbs.config);
    try {
      const [plan] = await databases.shard(0).raw('EXPLAIN SELECT position FROM events WHERE position > 3 ORDER BY position LIMIT 7');
      expect(plan[0]).toMatchObject({ key: 'PRIMARY', type: 'range' });
      expect(String(plan[0].Extra)).not.toMatch(/filesort/i);
    } finally {
      await databases.destroy();
      await dbs.drop();
    }
  });
});
