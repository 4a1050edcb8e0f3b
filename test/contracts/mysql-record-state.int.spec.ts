import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { MysqlRecordStateReader, RecordsInlineProjection } from '@shardline/records-mysql';
import { SLOT_COUNT } from '@shardline/sharding';
import { grantSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { recordStateContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

recordStateContract('MySQL (records table, 2 shards, commit points in the control database)', async () => {
  const testDbs = await createTestDatabases(2);
  const databases = new ShardDatabases(testDbs.config);
  // The contract pages one business across both shards (the reader's merge), which the slot fence
  // would refuse (docs/adr/0008): here both shards own every slot. Reading is under test, not placement.
  const everySlot = Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
  for (const shard of [0, 1]) await grantSlots(databases.shard(shard), everySlot, 1);
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
