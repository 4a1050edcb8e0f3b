import { MysqlEventImport, type MysqlInlineProjection } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { eventImportContract } from '@shardline/testing/contracts';
import { createTestDatabases } from '../support/test-databases';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

eventImportContract('MysqlEventImport (explicit positions into AUTO_INCREMENT, one transaction per call)', async () => {
  const dbs = await createTestDatabases(2);
  const databases = new ShardDatabases(dbs.config);
  return {
    target: new MysqlEventImport(databases, noState),
    close: async () => {
      await databases.destroy();
      await dbs.drop();
    },
  };
});
